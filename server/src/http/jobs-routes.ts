/** Jobs: create, status, Server-Sent Events, preview, result, cancel. */
import * as fs from 'fs';
import express, { type Router } from 'express';
import {
  ApiError,
  JOB_EVENT_NAME,
  apiPaths,
  jobCreateRequestSchema,
  type JobCreateResponse,
  type JobSpec,
  type JobStatus,
} from '../../../shared/src';
import type { RawImage } from '../engine/types';
import { decodePng, encodePng } from '../image/png';
import type { Job } from '../jobs/job';
import { isTerminal } from '../jobs/queue';
import type { AppContext } from './context';
import { imageInfo, sendRaw, wantedFormat } from './pixels';
import { idParam, parseOrThrow } from './validate';

/** SSE comment lines keep idle proxies and clients from timing the stream out. */
const HEARTBEAT_MS = 15_000;

export function requireJson(req: express.Request): void {
  if (!req.is('application/json')) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
  }
}

export function jobRoutes(ctx: AppContext): Router {
  /** An img2img job's mask (an uploaded image), which must have the input's size; null without one. */
  const inpaintMask = (spec: JobSpec, image: RawImage): RawImage | null => {
    if (spec.kind !== 'img2img' || spec.params.mask === undefined) return null;
    const { image: mask } = ctx.images.get(spec.params.mask);
    if (mask.width !== image.width || mask.height !== image.height) {
      throw new ApiError(
        'INVALID_REQUEST',
        `invalid job: params.mask: the mask is ${mask.width}×${mask.height} px but the image is ${image.width}×${image.height} px; they must be the same size`,
      );
    }
    return mask;
  };
  const router = express.Router();
  const { queue, history, images, limits } = ctx;
  const json = express.json({ limit: limits.maxJsonBytes });
  const previewCache = new WeakMap<Job, { version: number; png: Buffer }>();

  router.post(apiPaths.jobs, (req, _res, next) => { requireJson(req); next(); }, json, (req, res) => {
    const spec = parseOrThrow(jobCreateRequestSchema, req.body, 'job');
    const { image } = images.get(spec.image);
    const job = queue.submit(spec, image, imageInfo(image), inpaintMask(spec, image));
    const status = queue.status(job);
    const response: JobCreateResponse = {
      id: job.id,
      state: 'queued',
      queuePosition: status.queuePosition ?? 0,
      seed: job.spec.params.seed,
    };
    res.status(202).json(response);
  });

  router.get(apiPaths.job(':id'), (req, res) => {
    res.json(queue.status(queue.get(idParam(req.params))));
  });

  router.delete(apiPaths.job(':id'), (req, res) => {
    const job = queue.get(idParam(req.params));
    queue.cancel(job);
    res.json(queue.status(job));
  });

  router.get(apiPaths.jobEvents(':id'), (req, res) => {
    const job = queue.get(idParam(req.params));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
    });
    const send = (status: JobStatus): void => {
      res.write(`event: ${JOB_EVENT_NAME}\ndata: ${JSON.stringify(status)}\n\n`);
    };
    let stop = (): void => undefined;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      stop();
      res.end();
    };
    send(queue.status(job));
    if (isTerminal(job)) {
      end();
      return;
    }
    stop = queue.subscribe(job, (status) => {
      send(status);
      if (isTerminal(job)) end();
    });
    // The response closing (client gone) is the signal; the request's own 'close' only means its body was read.
    res.on('close', end);
  });

  router.get(apiPaths.jobPreview(':id'), async (req, res) => {
    const job = queue.get(idParam(req.params));
    const preview = job.preview;
    if (!preview) {
      const why = isTerminal(job) ? `the job is ${job.state}` : 'no step has finished yet';
      throw new ApiError('NO_PREVIEW', `no preview for job "${job.id}": ${why}`);
    }
    let cached = previewCache.get(job);
    if (!cached || cached.version !== job.previewVersion) {
      cached = { version: job.previewVersion, png: await encodePng(preview) };
      previewCache.set(job, cached);
    }
    res.setHeader('Content-Type', 'image/png');
    res.setHeader('Cache-Control', 'no-store');
    res.end(cached.png);
  });

  router.get(apiPaths.jobResult(':id'), async (req, res) => {
    const job = queue.get(idParam(req.params));
    if (job.state === 'queued' || job.state === 'running') {
      throw new ApiError('NOT_READY', `job "${job.id}" is ${job.state}; its result is ready when the state is done`);
    }
    const entry = job.historyId ? history.get(job.historyId) : undefined;
    if (job.state !== 'done' || !entry) {
      throw new ApiError('NO_RESULT', `job "${job.id}" is ${job.state}: it has no result`);
    }
    if (wantedFormat(req) === 'png') {
      // The PNG written to history is the result: served as is, never encoded twice.
      res.type('image/png').sendFile(history.imagePath(entry));
      return;
    }
    const inMemory: RawImage | undefined = job.output?.image;
    sendRaw(res, inMemory ?? (await decodePng(await fs.promises.readFile(history.imagePath(entry)))));
  });

  return router;
}
