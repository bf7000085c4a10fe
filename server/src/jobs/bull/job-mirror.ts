/**
 * The front's mirror of the studio jobs it knows: one `Job` record per BullMQ job, refreshed from Redis
 * (state changes and progress events), with queue positions and change notifications for routes and SSE.
 * Redis stays the truth; the studio queue decides when to refresh (events, the 2 s reconciliation).
 */
import { Job as BullJob, type JobState as BullState, type Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { TERMINAL_STATES, type JobStatus } from '../../../../shared/src';
import type { HistoryStore } from '../../history/store';
import type { Logger } from '../../logger';
import type { JobChangeListener } from '../api';
import { jobStatus, type Job } from '../job';
import { JobChanges } from '../job-changes';
import { applyBull, applyProgress, trackedFrom, type Tracked } from './job-view';
import { KEYS, modelOfQueue, type StudioJobData, type StudioProgress, type StudioResult } from './keys';
import { decodeRaw } from './storage';

export type StudioBullJob = BullJob<StudioJobData, StudioResult>;

/** Finished jobs the front remembers; older ones are looked up in Redis again when asked for. */
export const KEEP_TRACKED = 1000;

export interface JobMirrorDeps {
  /** The BullMQ queue of a model queue's name, once the front has opened it. */
  queueOf(queueName: string): Queue<StudioJobData, StudioResult> | undefined;
  redis: IORedis;
  history: HistoryStore;
  logger: Logger;
  /** Deletes a finished job's input (and mask) from the shared folder. */
  removeInputs(data: StudioJobData): Promise<void>;
}

export class JobMirror {
  private readonly tracked = new Map<string, Tracked>();
  /** One refresh at a time per job, so an older answer from Redis never overwrites a newer one. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly changes = new JobChanges((job) => this.status(job));

  constructor(private readonly deps: JobMirrorDeps) {}

  get queueLength(): number {
    return [...this.tracked.values()].filter((t) => t.job.state === 'queued').length;
  }

  get running(): boolean {
    return [...this.tracked.values()].some((t) => t.job.state === 'running');
  }

  find(id: string): Tracked | undefined {
    return this.tracked.get(id);
  }

  /** A job this front just queued: known before BullMQ's first event about it can arrive. */
  add(tracked: Tracked): void {
    this.tracked.set(tracked.job.id, tracked);
  }

  forget(id: string): void {
    this.tracked.delete(id);
  }

  /** The job's status with its place in its model's queue (BullMQ serves by priority, then age). */
  status(job: Job): JobStatus {
    const tracked = this.tracked.get(job.id);
    let position: number | null = null;
    if (tracked && job.state === 'queued') {
      position = 0;
      for (const other of this.tracked.values()) {
        if (other.job.state !== 'queued' || other.queueName !== tracked.queueName || other === tracked) continue;
        if (other.priority < tracked.priority || (other.priority === tracked.priority && other.order < tracked.order)) position++;
      }
    }
    return jobStatus(job, position);
  }

  subscribe(job: Job, listener: (status: JobStatus) => void): () => void {
    return this.changes.subscribe(job, listener);
  }

  onChange(listener: JobChangeListener): () => void {
    return this.changes.onChange(listener);
  }

  /** Mirrors a BullMQ job. `state`: known when listed by type (the rebuild), saving a round trip per job. */
  async track(bull: StudioBullJob, queueName: string, state?: BullState): Promise<Tracked> {
    let tracked = this.tracked.get(bull.id as string);
    if (!tracked) {
      tracked = trackedFrom(bull, queueName, modelOfQueue(queueName));
      this.tracked.set(bull.id as string, tracked);
      this.forgetOld();
    }
    await this.apply(tracked, bull, state ?? (await bull.getState()));
    return tracked;
  }

  /** Re-reads one job from Redis; calls per job run one after another. */
  refresh(id: string): void {
    const tracked = this.tracked.get(id);
    if (!tracked) return;
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const queue = this.deps.queueOf(tracked.queueName);
      if (!queue || TERMINAL_STATES.includes(tracked.job.state)) return;
      // State first, then the job: read the other way round, a job finishing in between would look done
      // without its return value.
      const state = await queue.getJobState(id);
      const bull = (await BullJob.fromId(queue, id)) as StudioBullJob | undefined;
      if (bull) await this.apply(tracked, bull, state);
    }).catch((err: unknown) => this.deps.logger.debug({ job: id, err: (err as Error).message }, 'job refresh failed'));
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  refreshUnfinished(): void {
    for (const [id, tracked] of this.tracked) if (!TERMINAL_STATES.includes(tracked.job.state)) this.refresh(id);
  }

  /** A progress event (within a step, faster than a refresh); the preview's pixels are fetched once per version. */
  onProgress(id: string, progress: StudioProgress): void {
    const tracked = this.tracked.get(id);
    if (!tracked || TERMINAL_STATES.includes(tracked.job.state)) return;
    const { job } = tracked;
    const wasQueued = job.state === 'queued';
    const moved = applyProgress(job, progress, Date.now());
    if (wasQueued) this.emitQueued(tracked.queueName);
    if (progress.previewVersion > job.previewVersion) {
      const version = progress.previewVersion;
      void this.deps.redis.getBuffer(KEYS.preview(id)).then((bytes) => {
        if (!bytes || version <= job.previewVersion || TERMINAL_STATES.includes(job.state)) return;
        job.preview = decodeRaw(bytes);
        job.previewVersion = version;
      }, () => undefined);
    }
    if (moved) this.emit(job);
  }

  emit(job: Job): void {
    this.changes.emit(job);
  }

  /** Every job waiting in that queue moved a place (or may have): their positions are news. */
  emitQueued(queueName: string): void {
    for (const tracked of this.tracked.values()) if (tracked.queueName === queueName && tracked.job.state === 'queued') this.emit(tracked.job);
  }

  /** Waits for the refreshes in flight (before the connections close). */
  async settle(): Promise<void> {
    await Promise.all([...this.chains.values()].map((c) => c.catch(() => undefined)));
  }

  private async apply(tracked: Tracked, bull: StudioBullJob, state: BullState | 'unknown'): Promise<void> {
    const wasQueued = tracked.job.state === 'queued';
    // The result must be in the history before the record says done: clients read both right away.
    if (state === 'completed' && bull.returnvalue?.historyId) await this.deps.history.adopt(bull.returnvalue.historyId);
    const changed = applyBull(tracked, bull, state);
    const { job } = tracked;
    if (job.state === 'failed' || job.state === 'cancelled') await this.deps.removeInputs(bull.data);
    if (changed) this.emit(job);
    if (wasQueued && job.state !== 'queued') this.emitQueued(tracked.queueName);
  }

  private forgetOld(): void {
    if (this.tracked.size <= KEEP_TRACKED * 2) return;
    for (const [id, tracked] of this.tracked) {
      if (this.tracked.size <= KEEP_TRACKED) break;
      if (TERMINAL_STATES.includes(tracked.job.state)) this.tracked.delete(id);
    }
  }
}
