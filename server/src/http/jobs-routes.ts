/** Jobs: create, status, Server-Sent Events, preview, result, cancel. */
import express, { type Router } from 'express';
import {
  ApiError,
  CLIENT_ID_HEADER,
  apiPaths,
  jobCreateRequestSchema,
  type JobCreateResponse,
  type JobSpec,
} from '../../../shared/src';
import { encodePng } from '../image/png';
import type { RawImage } from '../engine/types';
import type { Job } from '../jobs/job';
import { isTerminal } from '../jobs/queue';
import { MIN_CROP_SIDE } from '../pipeline/fit';
import { ProgressStreams } from './progress-streams';
import type { AppContext } from './context';
import { imageInfo } from './pixels';
import { sendStoredImage } from './stored-image';
import { idParam, parseOrThrow } from './validate';

/**
 * A new preview is encoded at most this often per job, however many clients poll and however fast the
 * steps go: the newest preview wins, older versions are never encoded.
 */
const PREVIEW_INTERVAL_MS = 1000;

export function requireJson(req: express.Request): void {
  if (!req.is('application/json')) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
  }
}

/**
 * Who a job belongs to, for fair interleaving in studio mode: the client's own id when it sends one (several
 * panels behind one address), else its address (one retoucher per machine).
 */
export function clientOf(req: express.Request): string {
  const id = req.get(CLIENT_ID_HEADER);
  return id && /^[\x21-\x7e]{1,128}$/.test(id) ? `id:${id}` : `ip:${req.ip ?? 'unknown'}`;
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
  const previewCache = new WeakMap<Job, { version: number; png: Promise<Buffer>; at: number }>();
  const streams = new ProgressStreams(queue, { maxPerJob: limits.maxStreamsPerJob, maxTotal: limits.maxStreams });

  router.post(apiPaths.jobs, (req, _res, next) => { requireJson(req); next(); }, json, async (req, res) => {
    const spec = parseOrThrow(jobCreateRequestSchema, req.body, 'job');
    const { image } = images.get(spec.image);
    if (image.width < MIN_CROP_SIDE || image.height < MIN_CROP_SIDE) {
      // Refused here, not found out by the model run later as a MODEL_FAILED.
      throw new ApiError(
        'INVALID_REQUEST',
        `image "${spec.image}" is ${image.width}×${image.height} px; ${spec.kind} needs both sides at least ${MIN_CROP_SIDE} px`,
      );
    }
    const mask = inpaintMask(spec, image) ?? undefined;
    const job = await queue.submit(spec, image, imageInfo(image), { client: clientOf(req), mask });
    const status = queue.status(job);
    const response: JobCreateResponse = {
      id: job.id,
      state: 'queued',
      queuePosition: status.queuePosition ?? 0,
      seed: job.spec.params.seed,
    };
    res.status(202).json(response);
  });

  router.get(apiPaths.job(':id'), async (req, res) => {
    res.json(queue.status(await queue.get(idParam(req.params))));
  });

  router.delete(apiPaths.job(':id'), async (req, res) => {
    const job = await queue.get(idParam(req.params));
    await queue.cancel(job);
    res.json(queue.status(job));
  });

  router.get(apiPaths.jobEvents(':id'), async (req, res) => {
    streams.open(await queue.get(idParam(req.params)), res);
  });

  router.get(apiPaths.jobPreview(':id'), async (req, res) => {
    const job = await queue.get(idParam(req.params));
    const preview = job.preview;
    if (!preview) {
      const why = isTerminal(job) ? `the job is ${job.state}` : 'no step has finished yet';
      throw new ApiError('NO_PREVIEW', `no preview for job "${job.id}": ${why}`);
    }
    let cached = previewCache.get(job);
    if (!cached || (cached.version !== job.previewVersion && Date.now() - cached.at >= PREVIEW_INTERVAL_MS)) {
      // The promise is cached, so concurrent requests share one encode.
      cached = { version: job.previewVersion, at: Date.now(), png: encodePng(preview) };
      previewCache.set(job, cached);
    }
    const png = await cached.png;
    res.setHeader('Content-Type', 'image/png');
    res.setHeader('Cache-Control', 'no-store');
    res.end(png);
  });

  router.get(apiPaths.jobResult(':id'), async (req, res) => {
    const job = await queue.get(idParam(req.params));
    if (job.state === 'queued' || job.state === 'running') {
      throw new ApiError('NOT_READY', `job "${job.id}" is ${job.state}; its result is ready when the state is done`);
    }
    const entry = job.historyId ? history.get(job.historyId) : undefined;
    if (job.state !== 'done' || !entry) {
      throw new ApiError('NO_RESULT', `job "${job.id}" is ${job.state}: it has no result`);
    }
    await sendStoredImage(req, res, history, entry, { inMemory: job.output?.image });
  });

  return router;
}
