/**
 * `insaneres worker`: one process per GPU. It keeps one model's ONNX sessions resident (the same engine as
 * `serve`), takes that model's jobs from BullMQ one at a time, reads inputs from and writes results to the
 * shared folder, reports progress every step, stops a job when the front publishes its cancel, and announces
 * itself in a heartbeat registry for the front's health.
 */
import * as os from 'os';
import { Worker, UnrecoverableError, type Job as BullJob } from 'bullmq';
import type { ErrorBody } from '../../../../shared/src';
import { createEngine } from '../../engine/engine';
import { inpaintParamsFrom } from '../../engine/inpaint-params';
import { specToRun } from '../../engine/fast-mode';
import type { InferencePriority } from '../../engine/thread-priority';
import type { Engine, ModelInfo, Progress } from '../../engine/types';
import { HistoryStore } from '../../history/store';
import type { Logger } from '../../logger';
import { ModelCatalog } from '../../models/catalog';
import { roundStarted } from './fairness';
import {
  FLAG_TTL_S, HEARTBEAT_MS, KEYS, LOCK, PREFIX, connect, encodeError, queueNameFor, redactUrl,
  type StudioJobData, type StudioProgress, type StudioResult, type WorkerHeartbeat,
} from './keys';
import { encodeRaw, readInput, removeInput } from './storage';

export interface StudioWorkerOptions {
  url: string;
  model?: string;
  modelsDir?: string;
  device: string;
  name?: string;
  /** This machine's path to the shared folder, when it differs from the front's (another OS, another mount). */
  sharedOutputs?: string;
  /** `worker --fast`: jobs that do not say run in fast mode, where the model has it (as `serve --fast`). */
  fast?: boolean;
  /** `worker --inference-priority`: 'low' (the default) as `serve`'s (engine/thread-priority.ts). */
  inferencePriority?: InferencePriority;
  logger: Logger;
}

export interface RunningWorker {
  name: string;
  model: ModelInfo;
  /** Finishes the running job (or lets BullMQ hand it to another worker after a second signal), then leaves. */
  close(): Promise<void>;
}

/** Errors no other attempt can fix: a retry would fail the same way. */
const FINAL_CODES = new Set(['CANCELLED', 'INVALID_REQUEST', 'BAD_IMAGE', 'IMAGE_TOO_LARGE', 'FAST_UNAVAILABLE']);

function errorOf(err: unknown): ErrorBody {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? (e.code as ErrorBody['code']) : 'MODEL_FAILED', message: typeof e?.message === 'string' ? e.message : String(err) };
}

export async function startStudioWorker(options: StudioWorkerOptions): Promise<RunningWorker> {
  const { logger } = options;
  const name = options.name ?? `${os.hostname()}-${process.pid}`;
  const catalog = ModelCatalog.create({ model: options.model, modelsDir: options.modelsDir });
  const engine: Engine = await createEngine({ device: options.device, priority: options.inferencePriority ?? 'low', logger });
  const model = await engine.loadModel(catalog.initial.dir);
  const queueName = queueNameFor(model.name);
  logger.info({ worker: name, model: model.name, device: model.device, redis: redactUrl(options.url) }, 'model loaded; joining the queue');
  const fastDefault = (options.fast ?? false) && (model.fast?.available ?? false);
  if (options.fast && !fastDefault) logger.warn({ model: model.name }, `--fast: jobs run at full quality on this model: ${model.fast?.reason ?? 'it reports no fast mode'}`);
  // Announced with the heartbeat: the front shows it in /v1/health and refuses `fast: true` where it is not available.
  const fast = model.fast ? { ...model.fast, default: fastDefault } : undefined;

  const redis = connect(options.url, 'blocking', `insaneres-worker-${name}`);
  const subscriber = connect(options.url, 'blocking', `insaneres-worker-${name}-cancel`);
  let lastError = '';
  for (const connection of [redis, subscriber]) {
    connection.on('error', (err: Error) => {
      if (err.message !== lastError) logger.warn({ err: err.message }, 'Redis unreachable; retrying');
      lastError = err.message;
    });
  }
  const histories = new Map<string, Promise<HistoryStore>>();
  const historyIn = (dir: string): Promise<HistoryStore> => {
    let store = histories.get(dir);
    if (!store) histories.set(dir, (store = HistoryStore.open(dir, logger, { shared: true })));
    return store;
  };

  let current: string | null = null;
  /** The running job's last reported step, logged when a cancel arrives (so tests can check "within one step"). */
  let lastProgress: Pick<Progress, 'step' | 'tile'> = { step: 0, tile: 0 };
  const heartbeat = async (): Promise<void> => {
    const beat: WorkerHeartbeat = { name, model: model.name, device: model.device, demo: model.demo, busy: current !== null, job: current, lastSeen: Date.now(), fast };
    await redis.hset(KEYS.workers, name, JSON.stringify(beat));
  };
  const beat = (): void => void heartbeat().catch(() => undefined);

  const processor = async (job: BullJob<StudioJobData, StudioResult>, _token?: string, signal?: AbortSignal): Promise<StudioResult> => {
    const id = job.id as string;
    current = id;
    lastProgress = { step: 0, tile: 0 };
    beat();
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const sharedDir = options.sharedOutputs ?? job.data.sharedDir;
    let pending: Promise<unknown> = Promise.resolve();
    try {
      await roundStarted(redis, queueName, job.opts.priority ?? 0);
      const flagged = await redis.get(KEYS.cancelFlag(id));
      if (flagged) throw Object.assign(new Error(flagged), { code: 'CANCELLED' });
      const history = await historyIn(sharedDir);
      const input = await readInput(sharedDir, job.data.input);
      const mask = job.data.mask ? await readInput(sharedDir, job.data.mask) : null;
      // Fast mode resolved here, against the model that runs the job; history records what ran.
      const spec = specToRun(job.data.spec, model, fastDefault);
      let previewVersion = 0;
      const onProgress = (progress: Progress): void => {
        const { preview, ...counts } = progress;
        lastProgress = { step: counts.step, tile: counts.tile };
        const version = preview ? ++previewVersion : previewVersion;
        const report: StudioProgress = { ...counts, previewVersion: version, worker: name, model: model.name };
        // In order, and never blocking the engine: the preview is stored before the progress that announces it.
        pending = pending
          .then(() => (preview ? redis.set(KEYS.preview(id), encodeRaw(preview), 'EX', FLAG_TTL_S) : undefined))
          .then(() => job.updateProgress(report as unknown as object))
          .catch((err: unknown) => logger.warn({ job: id, err: (err as Error).message }, 'progress not delivered'));
      };
      const started = Date.now();
      const runOptions = { signal: abort.signal, onProgress };
      const output = spec.kind === 'img2img'
        ? await engine.img2img(input, mask ? { ...spec.params, inpaint: inpaintParamsFrom(spec.params, mask) } : spec.params, runOptions)
        : await engine.upscale(input, spec.params, runOptions);
      await pending;
      // A cancel that lands after the last step still wins, as in the in-process queue.
      if (abort.signal.aborted) throw Object.assign(new Error(String(abort.signal.reason ?? 'cancelled')), { code: 'CANCELLED' });
      const image = output.image;
      const entry = await history.save(
        {
          kind: spec.kind, params: spec.params, jobId: id, seed: output.seed, model: model.name, device: model.device,
          timings: { ...output.timings, total: Date.now() - started }, stepsRun: output.stepsRun,
          width: image.width, height: image.height, bitDepth: image.bitDepth,
          input: { width: job.data.inputInfo.width, height: job.data.inputInfo.height, bitDepth: job.data.inputInfo.bitDepth },
        } as Parameters<HistoryStore['save']>[0],
        image,
      );
      for (const ref of [job.data.input, job.data.mask]) if (ref) await removeInput(sharedDir, ref).catch(() => undefined);
      logger.info({ job: id, ms: Date.now() - started, historyId: entry.id }, 'job done');
      return {
        historyId: entry.id, result: { width: image.width, height: image.height, bitDepth: image.bitDepth, channels: 4 },
        stepsRun: output.stepsRun, worker: name, model: model.name, device: model.device,
      };
    } catch (err) {
      await pending;
      const error = abort.signal.aborted
        ? { code: 'CANCELLED' as const, message: String(abort.signal.reason ?? 'cancelled') }
        : errorOf(err);
      logger.info({ job: id, code: error.code, reason: error.message }, error.code === 'CANCELLED' ? 'job cancelled' : 'job failed');
      throw FINAL_CODES.has(error.code) ? new UnrecoverableError(encodeError(error)) : new Error(encodeError(error));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      current = null;
      void redis.del(KEYS.preview(id)).catch(() => undefined);
      beat();
    }
  };

  const worker = new Worker<StudioJobData, StudioResult>(queueName, processor, {
    connection: redis, prefix: PREFIX, concurrency: 1, ...LOCK, name,
  });
  worker.on('error', (err) => {
    if (err.message !== lastError) logger.warn({ err: err.message }, 'queue error');
    lastError = err.message;
  });

  await subscriber.subscribe(KEYS.cancelChannel);
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { id, reason } = JSON.parse(message) as { id: string; reason: string };
      // BullMQ's own cancel: the processor's AbortSignal fires, the engine stops before its next step.
      if (id !== current) return;
      logger.info({ job: id, step: lastProgress.step, tile: lastProgress.tile, reason }, 'cancel received');
      worker.cancelJob(id, reason);
    } catch {
      // Not ours: ignore.
    }
  });

  await redis.sadd(KEYS.queues, queueName);
  beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  logger.info({ worker: name, queue: queueName }, 'waiting for jobs');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(timer);
      await worker.close();
      await redis.hdel(KEYS.workers, name).catch(() => undefined);
      subscriber.disconnect();
      redis.disconnect();
      await engine.close();
      logger.info({ worker: name }, 'stopped');
    })());
  return { name, model, close };
}
