/**
 * Studio mode's queue on the front server: BullMQ on Redis, GPU worker processes (`insaneres worker`) run the
 * jobs. Implements the same JobQueueApi as the in-process queue, so routes, SSE and history do not change.
 *
 * Redis holds the truth (jobs, states, progress, results' history ids); this front keeps a picture of the
 * jobs it knows (job-mirror.ts), refreshed from BullMQ's QueueEvents (progress within a step) and a 2 s
 * reconciliation, and rebuilt from Redis at every (re)connect, so a restarted front finds queued, running
 * and finished jobs. This file owns the connections and the operations: submit, look up, cancel.
 */
import { Job as BullJob, Queue, QueueEvents, type JobState as BullState, type JobType } from 'bullmq';
import type IORedis from 'ioredis';
import { ApiError, TERMINAL_STATES, type ImageInfo, type JobSpec, type JobStatus, type WorkerInfo } from '../../../../shared/src';
import type { ModelInfo, RawImage } from '../../engine/types';
import type { HistoryStore } from '../../history/store';
import type { Logger } from '../../logger';
import type { CatalogEntry } from '../../models/catalog';
import { checkFastRequest } from '../../engine/fast-mode';
import { planUpscale } from '../../pipeline/upscale';
import type { JobChangeListener, JobQueueApi, SubmitOptions } from '../api';
import { newJob, type Job } from '../job';
import { newId, withConcreteSeed } from '../queue';
import { nextRound } from './fairness';
import { JobMirror, KEEP_TRACKED, type StudioBullJob } from './job-mirror';
import { cancelledJob, type CancelledRecord } from './job-view';
import { WorkerRegistry } from './registry';
import {
  ATTEMPTS, FLAG_TTL_S, KEEP_FINISHED, KEYS, PREFIX, connect, modelOfQueue, queueNameFor, redactUrl,
  type StudioJobData, type StudioProgress, type StudioResult,
} from './keys';
import { removeInput, writeInput } from './storage';

export interface StudioQueueOptions {
  url: string;
  /** The folder the front and every worker reach (inputs and results). */
  sharedDir: string;
  history: HistoryStore;
  logger: Logger;
  maxQueue: number;
  maxResultPixels: number;
  /** The model jobs get when they name none, until POST /v1/models/select changes it. */
  defaultModel?: string;
}

interface ModelQueue { queue: Queue<StudioJobData, StudioResult>; events: QueueEvents; connection: IORedis }

const RECONCILE_MS = 2_000;
const STATE_TYPES: JobType[] = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'];

export class StudioQueue implements JobQueueApi {
  readonly loading = null;
  private readonly redis: IORedis;
  private readonly queues = new Map<string, ModelQueue>();
  private readonly mirror: JobMirror;
  private readonly registry = new WorkerRegistry();
  private defaultModel: string | null;
  private lastError = 'connecting';
  /** The rebuild from Redis after the latest (re)connect; lookups of unknown ids wait for it. */
  private hydration: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: StudioQueueOptions) {
    this.defaultModel = options.defaultModel ?? null;
    this.redis = connect(options.url, 'commands', 'insaneres-front');
    this.mirror = new JobMirror({
      queueOf: (name) => this.queues.get(name)?.queue,
      redis: this.redis,
      history: options.history,
      logger: options.logger,
      removeInputs: (data) => this.removeInputs(data),
    });
    this.redis.on('error', (err: Error) => {
      if (this.lastError !== err.message) options.logger.warn({ redis: redactUrl(options.url), err: err.message }, 'Redis unreachable');
      this.lastError = err.message;
    });
    this.redis.on('ready', () => {
      options.logger.info({ redis: redactUrl(options.url) }, 'Redis connected');
      this.hydration = this.reconcile(true);
    });
    this.timer = setInterval(() => void this.reconcile(false), RECONCILE_MS);
  }

  /** Resolves once connected and rebuilt from Redis, or after `timeoutMs` (the front then starts and answers 503). */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hydration && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!this.hydration) return false;
    await this.hydration;
    return true;
  }

  get queueLength(): number {
    return this.mirror.queueLength;
  }

  get running(): boolean {
    return this.mirror.running;
  }

  checkAvailable(): void {
    if (this.closed) throw new ApiError('UNAVAILABLE', 'the server is shutting down');
    if (this.redis.status !== 'ready') {
      throw new ApiError(
        'UNAVAILABLE',
        `the job queue is unavailable: Redis at ${redactUrl(this.options.url)} cannot be reached (${this.lastError}); retrying every 2 s`,
      );
    }
  }

  async submit(requested: JobSpec, input: RawImage, inputInfo: ImageInfo, options: SubmitOptions = {}): Promise<Job> {
    this.checkAvailable();
    if (requested.kind === 'upscale') {
      const { output } = planUpscale(input.width, input.height, requested.params);
      const pixels = output.width * output.height;
      if (pixels > this.options.maxResultPixels) {
        throw new ApiError('IMAGE_TOO_LARGE', `the upscaled image would have ${pixels} pixels; the limit is ${this.options.maxResultPixels} pixels`);
      }
    }
    // A worker that joined since the last 2 s poll counts at once.
    if (!this.registry.knows(requested.model ?? this.currentModel()?.name ?? '')) await this.loadRegistry().catch(() => undefined);
    const model = this.modelFor(requested.model);
    checkFastRequest(requested.params.fast, this.registry.modelInfo(model));
    if (this.queueLength >= this.options.maxQueue) {
      throw new ApiError('QUEUE_FULL', `the queue is full: at most ${this.options.maxQueue} jobs may wait; try again when one finishes`);
    }
    const spec = withConcreteSeed(requested);
    const id = newId();
    const queueName = queueNameFor(model);
    const { queue } = this.ensureQueue(queueName);
    await this.redis.sadd(KEYS.queues, queueName).catch(() => undefined);
    let inputRef: string;
    let maskRef: string | undefined;
    try {
      inputRef = await writeInput(this.options.sharedDir, id, input);
      // An inpaint mask travels like the input: a file beside it, named in the job.
      maskRef = options.mask ? await writeInput(this.options.sharedDir, `${id}.mask`, options.mask) : undefined;
    } catch (err) {
      // A network share that went away is an outage, not a bad request.
      throw new ApiError('UNAVAILABLE', `the shared folder ${this.options.sharedDir} cannot be written: ${(err as Error).message}`);
    }
    const job = newJob(id, spec, null as never, inputInfo);
    job.input = null;
    job.model = model;
    try {
      const priority = await nextRound(this.redis, queueName, options.client ?? 'anonymous');
      // Known before BullMQ's first event about it can arrive.
      this.mirror.add({ job, queueName, priority, order: job.createdAt.getTime() });
      const data: StudioJobData = {
        spec, inputInfo, input: inputRef, ...(maskRef ? { mask: maskRef } : {}), client: options.client ?? 'anonymous', sharedDir: this.options.sharedDir,
      };
      await queue.add('job', data, {
        jobId: id, priority, attempts: ATTEMPTS, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED,
      });
    } catch (err) {
      this.mirror.forget(id);
      for (const ref of [inputRef, maskRef]) if (ref) await removeInput(this.options.sharedDir, ref).catch(() => undefined);
      throw new ApiError('UNAVAILABLE', `the job could not be queued: ${(err as Error).message}`);
    }
    this.options.logger.info({ job: id, kind: spec.kind, model, client: options.client, priority: this.mirror.find(id)?.priority }, 'job queued');
    this.mirror.emit(job);
    return job;
  }

  async get(id: string): Promise<Job> {
    const known = this.mirror.find(id);
    if (known) return known.job;
    this.checkAvailable();
    await this.hydration;
    const again = this.mirror.find(id);
    if (again) return again.job;
    for (const [queueName, { queue }] of this.queues) {
      // State first, then the job: read the other way round, a job finishing in between would look done
      // without its return value.
      const state = await queue.getJobState(id);
      if (state === 'unknown') continue;
      const bull = (await BullJob.fromId(queue, id)) as StudioBullJob | undefined;
      if (bull) return (await this.mirror.track(bull, queueName, state)).job;
    }
    const record = await this.redis.get(KEYS.cancelled(id)).catch(() => null);
    if (record) return cancelledJob(id, JSON.parse(record) as CancelledRecord);
    throw new ApiError('UNKNOWN_JOB', `no job with id "${id}" (finished jobs are forgotten after a while)`);
  }

  status(job: Job): JobStatus {
    return this.mirror.status(job);
  }

  subscribe(job: Job, listener: (status: JobStatus) => void): () => void {
    return this.mirror.subscribe(job, listener);
  }

  onChange(listener: JobChangeListener): () => void {
    return this.mirror.onChange(listener);
  }

  /** Queued: removed from BullMQ. Running: a flag plus a pub/sub message; the worker stops before its next step. */
  async cancel(job: Job, reason = 'cancelled by request'): Promise<void> {
    if (TERMINAL_STATES.includes(job.state)) return;
    this.checkAvailable();
    const tracked = this.mirror.find(job.id);
    const modelQueue = tracked && this.queues.get(tracked.queueName);
    if (!tracked || !modelQueue) return;
    const bull = (await BullJob.fromId(modelQueue.queue, job.id)) as StudioBullJob | undefined;
    if (!bull) return;
    const state = await bull.getState();
    if (state !== 'active' && state !== 'completed' && state !== 'failed') {
      try {
        await bull.remove();
        const record: CancelledRecord = {
          spec: job.spec, inputInfo: job.inputInfo, createdAt: job.createdAt.toISOString(), finishedAt: new Date().toISOString(),
          model: job.model ?? modelOfQueue(tracked.queueName), reason,
        };
        await this.redis.set(KEYS.cancelled(job.id), JSON.stringify(record), 'EX', FLAG_TTL_S);
        await this.removeInputs(bull.data);
        job.state = 'cancelled';
        job.error = { code: 'CANCELLED', message: reason };
        job.finishedAt = new Date();
        this.mirror.emit(job);
        this.mirror.emitQueued(tracked.queueName);
        return;
      } catch {
        // Locked: a worker took it a moment ago. Cancel it as a running job.
      }
    }
    await this.redis.set(KEYS.cancelFlag(job.id), reason, 'EX', FLAG_TTL_S);
    await this.redis.publish(KEYS.cancelChannel, JSON.stringify({ id: job.id, reason }));
  }

  async selectModel(name: string): Promise<ModelInfo> {
    this.checkAvailable();
    if (!this.registry.live().some((w) => w.model === name)) {
      throw new ApiError('UNKNOWN_MODEL', `no running worker serves model "${name}" (serving: ${this.registry.servedList()})`);
    }
    await this.redis.set(KEYS.defaultModel, name);
    this.defaultModel = name;
    return this.registry.modelInfo(name);
  }

  workers(): WorkerInfo[] {
    return this.registry.infos();
  }

  /** The models workers announce (a gone worker's too: it may be restarting), for /v1/models. */
  catalogEntries(): CatalogEntry[] {
    return this.registry.catalogEntries();
  }

  /** The default model as the front's "engine" shows it (health, /v1/models' current). */
  currentModel(): ModelInfo | null {
    // With every worker gone, jobs still go to a known model's queue and wait for a worker to come back.
    const name = this.defaultModel ?? this.registry.live()[0]?.model ?? this.registry.catalogEntries()[0]?.name ?? null;
    return name ? this.registry.modelInfo(name) : null;
  }

  devicesSummary(): string {
    return this.registry.devicesSummary();
  }

  /** Only disconnects: queued and running jobs live on in Redis and on the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.mirror.settle();
    for (const { queue, events, connection } of this.queues.values()) {
      await Promise.race([Promise.all([events.close(), queue.close()]), new Promise((r) => setTimeout(r, 2_000))]);
      connection.disconnect();
    }
    this.redis.disconnect();
  }

  private modelFor(named: string | undefined): string {
    const model = named ?? this.currentModel()?.name;
    if (!model) throw new ApiError('UNAVAILABLE', 'no GPU worker has announced itself yet: start one with `insaneres worker --queue …`');
    // A gone worker's model is still accepted: its job waits until a worker with that model is back.
    if (!this.registry.knows(model)) {
      throw new ApiError('UNKNOWN_MODEL', `no worker serves model "${model}" (serving: ${this.registry.servedList()})`);
    }
    return model;
  }

  private ensureQueue(queueName: string): ModelQueue {
    let entry = this.queues.get(queueName);
    if (entry) return entry;
    const connection = connect(this.options.url, 'blocking', 'insaneres-front-events');
    connection.on('error', () => undefined); // reported once by the main connection
    const queue = new Queue<StudioJobData, StudioResult>(queueName, { connection: this.redis, prefix: PREFIX });
    queue.on('error', () => undefined);
    const events = new QueueEvents(queueName, { connection, prefix: PREFIX });
    events.on('error', () => undefined);
    events.on('progress', ({ jobId, data }) => this.mirror.onProgress(jobId, data as unknown as StudioProgress));
    for (const name of ['waiting', 'active', 'completed', 'failed', 'stalled', 'removed', 'retries-exhausted'] as const) {
      events.on(name, ({ jobId }: { jobId: string }) => this.mirror.refresh(jobId));
    }
    entry = { queue, events, connection };
    this.queues.set(queueName, entry);
    return entry;
  }

  /** At every (re)connect, then every 2 s: workers, the default model, and the jobs not finished yet. */
  private async reconcile(full: boolean): Promise<void> {
    if (this.closed || this.redis.status !== 'ready') return;
    try {
      await this.loadRegistry();
      for (const name of await this.redis.smembers(KEYS.queues)) this.ensureQueue(name);
      if (full) {
        for (const [queueName, { queue }] of this.queues) {
          for (const type of STATE_TYPES) {
            for (const bull of (await queue.getJobs(type, 0, KEEP_TRACKED - 1)) as StudioBullJob[]) {
              if (bull?.id) await this.mirror.track(bull, queueName, type as BullState);
            }
          }
        }
      }
      this.mirror.refreshUnfinished();
    } catch (err) {
      this.options.logger.debug({ err: (err as Error).message }, 'reconcile failed');
    }
  }

  private async loadRegistry(): Promise<void> {
    const workers = await this.registry.load(this.redis);
    this.defaultModel = (await this.redis.get(KEYS.defaultModel)) ?? this.defaultModel;
    for (const w of workers) this.ensureQueue(queueNameFor(w.model));
  }

  private async removeInputs(data: StudioJobData): Promise<void> {
    for (const ref of [data.input, data.mask]) if (ref) await removeInput(this.options.sharedDir, ref).catch(() => undefined);
  }
}
