/**
 * The job queue: one inference worker (the engine) fed first-in first-out. Owns job states, progress, ETA,
 * cancellation, model switches, and writing every finished result to history before reporting it done.
 */
import { randomBytes, randomInt } from 'crypto';
import {
  ApiError,
  ERROR_STATUS,
  TERMINAL_STATES,
  type ErrorCode,
  type ImageInfo,
  type JobSpec,
  type JobStatus,
} from '../../../shared/src';
import type { Engine, JobOutput, ModelInfo, Progress, RawImage } from '../engine/types';
import type { HistoryStore } from '../history/store';
import type { Logger } from '../logger';
import type { JobChangeListener, JobQueueApi, SubmitOptions } from './api';
import { estimateEta, jobStatus, newJob, type Job } from './job';
import { JobChanges } from './job-changes';
import { planUpscale } from '../pipeline/upscale';
import { inpaintParamsFrom } from '../engine/inpaint-params';
import { checkFastRequest, specToRun } from '../engine/fast-mode';
import { threadTimes } from '../runtime/thread-cpu';
import { watchEventLoop } from '../runtime/event-loop-watch';

export interface JobQueueOptions {
  engine: Engine;
  history: HistoryStore;
  logger: Logger;
  /** Jobs that may wait (the running one not counted). */
  maxQueue: number;
  /** Pixels an upscale result may have. */
  maxResultPixels: number;
  /** Finished jobs whose result stays in memory; older results are read back from history. */
  keepResults?: number;
  /** Finished jobs remembered at all (status, result link); older ones are forgotten. */
  keepJobs?: number;
  /** `serve --fast`: jobs that do not say run in fast mode where the model has it. */
  fastDefault?: boolean;
}

interface ModelSwitch {
  name: string;
  dir: string;
  resolve: (info: ModelInfo) => void;
  reject: (err: Error) => void;
}

export function newId(): string {
  return randomBytes(9).toString('base64url');
}

/** Seeds −1 become a concrete one now, so the status reports the seed from the moment the job exists. */
export function withConcreteSeed(spec: JobSpec): JobSpec {
  if (spec.params.seed !== -1) return spec;
  // 32-bit like A1111's random seeds: short enough to type back in.
  const seed = randomInt(0, 2 ** 32);
  return spec.kind === 'img2img'
    ? { ...spec, params: { ...spec.params, seed } }
    : { ...spec, params: { ...spec.params, seed } };
}

/** The default queue: jobs run in this process on one engine, first-in first-out. */
export class JobQueue implements JobQueueApi {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private readonly switches: ModelSwitch[] = [];
  private readonly finished: Job[] = [];
  private readonly changes = new JobChanges((job) => this.status(job));
  private current: Job | null = null;
  private work: Promise<void> | null = null;
  private closing = false;
  /** The model being loaded, for /v1/models. */
  loading: string | null = null;

  constructor(private readonly options: JobQueueOptions) {}

  get queueLength(): number {
    return this.waiting.length;
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** Always available while running: nothing outside this process is needed. */
  checkAvailable(): void {
    if (this.closing) throw new ApiError('UNAVAILABLE', 'the server is shutting down');
  }

  /** `options.client` is ignored: one person's machine, strictly first-in first-out. */
  submit(requested: JobSpec, input: RawImage, inputInfo: ImageInfo, options?: SubmitOptions): Job {
    if (this.closing) throw new ApiError('UNAVAILABLE', 'the server is shutting down');
    const loaded = this.options.engine.model?.name;
    if (requested.model !== undefined && requested.model !== loaded) {
      // One engine, one model: a job for another one would silently run with the wrong weights.
      throw new ApiError('UNKNOWN_MODEL', `model "${requested.model}" is not the loaded one ("${loaded ?? 'none'}"); select it first with POST /v1/models/select`);
    }
    checkFastRequest(requested.params.fast, this.options.engine.model);
    if (this.waiting.length >= this.options.maxQueue) {
      throw new ApiError('QUEUE_FULL', `the queue is full: at most ${this.options.maxQueue} jobs may wait; try again when one finishes`);
    }
    if (requested.kind === 'upscale') {
      // The real output size: with the "insane" recipe the first pass enlarges before the scale applies.
      const { output } = planUpscale(input.width, input.height, requested.params);
      const pixels = output.width * output.height;
      if (pixels > this.options.maxResultPixels) {
        throw new ApiError(
          'IMAGE_TOO_LARGE',
          `the upscaled image would have ${pixels} pixels; the limit is ${this.options.maxResultPixels} pixels`,
        );
      }
    }
    const job = newJob(newId(), withConcreteSeed(requested), input, inputInfo, options?.mask ?? null);
    this.jobs.set(job.id, job);
    this.waiting.push(job);
    this.emit(job);
    this.pump();
    return job;
  }

  get(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('UNKNOWN_JOB', `no job with id "${id}" (finished jobs are forgotten after a while)`);
    return job;
  }

  status(job: Job): JobStatus {
    const index = this.waiting.indexOf(job);
    return jobStatus(job, index >= 0 ? index : null);
  }

  subscribe(job: Job, listener: (status: JobStatus) => void): () => void {
    return this.changes.subscribe(job, listener);
  }

  onChange(listener: JobChangeListener): () => void {
    return this.changes.onChange(listener);
  }

  /** Removes a queued job, or stops a running one before its next step. Finished jobs stay as they are. */
  cancel(job: Job, reason = 'cancelled by request'): void {
    const index = this.waiting.indexOf(job);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      this.finish(job, 'cancelled', { code: 'CANCELLED', message: reason });
      this.emitQueuePositions();
    } else if (job.state === 'running' && job.abort && !job.abort.signal.aborted) {
      job.error = { code: 'CANCELLED', message: reason };
      job.abort.abort(new ApiError('CANCELLED', reason));
    }
  }

  /** Loads a model in the worker, after the running job and before any queued one. */
  selectModel(name: string, dir: string): Promise<ModelInfo> {
    if (this.closing) return Promise.reject(new ApiError('UNAVAILABLE', 'the server is shutting down'));
    return new Promise((resolve, reject) => {
      this.switches.push({ name, dir, resolve, reject });
      this.pump();
    });
  }

  /** Cancels everything, waits for the running job to stop (and its files to settle). */
  async close(): Promise<void> {
    this.closing = true;
    for (const pending of this.switches.splice(0)) pending.reject(new ApiError('UNAVAILABLE', 'the server is shutting down'));
    for (const job of [...this.waiting]) this.cancel(job, 'the server is shutting down');
    if (this.current) this.cancel(this.current, 'the server is shutting down');
    await this.work;
  }

  /** Starts the next piece of work if the worker is idle: model switches first, then jobs in order. */
  private pump(): void {
    if (this.work || this.closing) return;
    const next = this.switches.shift();
    const job = next ? undefined : this.waiting.shift();
    if (!next && !job) return;
    const run = next ? this.runSwitch(next) : this.runJob(job as Job);
    this.work = run.finally(() => {
      this.work = null;
      this.pump();
    });
  }

  private async runSwitch(request: ModelSwitch): Promise<void> {
    const { logger, engine } = this.options;
    this.loading = request.name;
    const started = Date.now();
    logger.info({ model: request.name, dir: request.dir }, 'loading model');
    try {
      const info = await engine.loadModel(request.dir);
      logger.info({ model: info.name, device: info.device, demo: info.demo, ms: Date.now() - started }, 'model loaded');
      request.resolve(info);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.error({ model: request.name, err }, 'model failed to load');
      request.reject(new ApiError('MODEL_FAILED', `could not load model "${request.name}": ${message}`));
    } finally {
      this.loading = null;
    }
  }

  private async runJob(job: Job): Promise<void> {
    const { engine, logger } = this.options;
    this.current = job;
    this.emitQueuePositions();
    const abort = new AbortController();
    job.abort = abort;
    job.state = 'running';
    job.startedAt = new Date();
    job.model = engine.model?.name ?? null;
    const { spec } = job;
    logger.info(
      { job: job.id, kind: spec.kind, width: job.inputInfo.width, height: job.inputInfo.height, seed: spec.params.seed,
        steps: spec.params.steps, strength: spec.params.strength, model: job.model },
      'job started',
    );
    this.emit(job);
    // The longest event-loop delay while the job ran, for the log line (the overhead benchmark reads it).
    const loop = watchEventLoop();
    try {
      if (!engine.model) throw new ApiError('UNAVAILABLE', 'no model is loaded');
      const input = job.input as RawImage;
      const options = { signal: abort.signal, onProgress: (progress: Progress) => this.onProgress(job, progress) };
      // Fast mode resolved against the model that runs the job; history records the sampler and steps it ran.
      const ran = specToRun(spec, engine.model, this.options.fastDefault ?? false);
      const engineStart = performance.now();
      const mainBefore = threadTimes();
      const output =
        ran.kind === 'img2img'
          ? await engine.img2img(input, job.mask ? { ...ran.params, inpaint: inpaintParamsFrom(ran.params, job.mask) } : ran.params, options)
          : await engine.upscale(input, ran.params, options);
      // A cancel that lands after the last step still wins: the user asked for it.
      abort.signal.throwIfAborted();
      // Main-thread time around the worker's, for the log line (the overhead benchmark reads it).
      // `worker`: the worker's own total (the history entry's `total` is the job's, from its start).
      job.phases = { queued: (job.startedAt?.getTime() ?? 0) - job.createdAt.getTime(), engine: performance.now() - engineStart, worker: output.timings.total };
      const mainDuring = threadTimes();
      const saveStart = performance.now();
      const processBefore = process.cpuUsage();
      await this.record(job, output, ran.params, job.phases);
      job.phases.save = performance.now() - saveStart;
      // CPU time, which a loaded machine distorts least: this thread's while the worker ran, and the whole
      // process's during the save (the PNG encode runs on libuv's threads).
      const saveCpu = process.cpuUsage(processBefore);
      job.phases['cpu.save'] = (saveCpu.user + saveCpu.system) / 1000;
      if (mainBefore && mainDuring) job.phases['cpu.mainDuringEngine'] = mainDuring.cpuMs - mainBefore.cpuMs;
      job.phases['loop.maxDelay'] = loop.stop();
      this.finish(job, 'done', null);
    } catch (err) {
      if (abort.signal.aborted) {
        this.finish(job, 'cancelled', job.error ?? { code: 'CANCELLED', message: 'cancelled' });
      } else {
        const message = err instanceof Error ? err.message : String(err);
        // The stack goes to the log only; the client gets the reason.
        logger.error({ job: job.id, err }, 'job failed');
        this.finish(job, 'failed', { code: failureCode(err), message });
      }
    } finally {
      loop.stop(); // a failed or cancelled job's watch ends too (a second stop changes nothing)
      this.current = null;
    }
  }

  /** Writes the result to the outputs folder, durably, before the job may report done (its PNG may follow: history/store.ts). */
  private async record(job: Job, output: JobOutput, params: JobSpec['params'], phases: Record<string, number>): Promise<void> {
    const { engine, history } = this.options;
    const image = output.image;
    const entry = await history.save(
      {
        kind: job.spec.kind,
        params,
        jobId: job.id,
        seed: output.seed,
        model: job.model ?? 'unknown',
        device: engine.device,
        timings: { ...output.timings, total: Date.now() - (job.startedAt?.getTime() ?? Date.now()) },
        stepsRun: output.stepsRun,
        width: image.width,
        height: image.height,
        bitDepth: image.bitDepth,
        input: { width: job.inputInfo.width, height: job.inputInfo.height, bitDepth: job.inputInfo.bitDepth },
      },
      image,
      phases,
    );
    job.output = output;
    job.historyId = entry.id;
    job.resultInfo = { width: image.width, height: image.height, bitDepth: image.bitDepth, channels: 4 };
  }

  private onProgress(job: Job, progress: Progress): void {
    job.step = progress.step;
    job.totalSteps = progress.totalSteps;
    job.tile = progress.tile;
    job.totalTiles = progress.totalTiles;
    if (progress.preview) {
      job.preview = progress.preview;
      job.previewVersion += 1;
    }
    job.etaSeconds = estimateEta(job, Date.now());
    this.emit(job);
  }

  private finish(job: Job, state: 'done' | 'failed' | 'cancelled', error: Job['error']): void {
    job.state = state;
    job.error = error;
    job.finishedAt = new Date();
    job.etaSeconds = state === 'done' ? 0 : null;
    job.input = null;
    job.mask = null;
    job.preview = null;
    job.abort = null;
    this.options.logger.info(
      { job: job.id, state, ms: job.startedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : 0,
        stepsRun: job.output?.stepsRun, historyId: job.historyId, error: error?.code, phases: job.phases ?? undefined },
      'job finished',
    );
    this.finished.push(job);
    this.forgetOldJobs();
    this.emit(job);
  }

  /** Bounded memory: results of only the last few jobs stay in memory, records of the last many. */
  private forgetOldJobs(): void {
    const keepResults = this.options.keepResults ?? 4;
    const keepJobs = this.options.keepJobs ?? 1000;
    for (let i = 0; i < this.finished.length - keepResults; i++) this.finished[i].output = null;
    while (this.finished.length > keepJobs) {
      const old = this.finished.shift() as Job;
      this.jobs.delete(old.id);
    }
  }

  private emitQueuePositions(): void {
    for (const job of this.waiting) this.emit(job);
  }

  private emit(job: Job): void {
    this.changes.emit(job);
  }
}

/** The engine reports shared error codes (EngineError.code); anything else is the model run failing. */
function failureCode(err: unknown): ErrorCode {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  // The engine says NOT_READY for "no model loaded / engine closed"; for a job that is UNAVAILABLE (503).
  if (code === 'NOT_READY') return 'UNAVAILABLE';
  if (typeof code === 'string' && code in ERROR_STATUS) return code as ErrorCode;
  return 'MODEL_FAILED';
}

export function isTerminal(job: Job): boolean {
  return TERMINAL_STATES.includes(job.state);
}
