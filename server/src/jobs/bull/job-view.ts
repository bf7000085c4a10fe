/**
 * The front's picture of a studio job: our plain `Job` record (what the routes read), kept up to date from
 * BullMQ's job (state, progress, return value, failed reason). BullMQ stays the source of truth; this file
 * only translates.
 */
import type { Job as BullJob, JobState as BullState } from 'bullmq';
import type { ImageInfo, JobSpec, JobState } from '../../../../shared/src';
import { estimateEta, newJob, type Job } from '../job';
import { decodeError, type StudioJobData, type StudioProgress, type StudioResult } from './keys';

export interface Tracked {
  job: Job;
  queueName: string;
  /** BullMQ priority (the fairness round) and creation time: the order the queue serves waiting jobs in. */
  priority: number;
  order: number;
}

function ourState(state: BullState | 'unknown', failedCode: string | undefined): JobState {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
      return 'done';
    case 'failed':
      return failedCode === 'CANCELLED' ? 'cancelled' : 'failed';
    default:
      // waiting, prioritized, delayed (a retry's back-off), waiting-children: not started (again) yet.
      return 'queued';
  }
}

/** A record for a BullMQ job the front has not seen yet (after a restart, or submitted by another front). */
export function trackedFrom(bull: BullJob<StudioJobData, StudioResult>, queueName: string, model: string): Tracked {
  const { spec, inputInfo } = bull.data;
  const job = newJob(bull.id as string, spec, null as never, inputInfo);
  // No pixels on the front: the input lives in the shared folder.
  job.input = null;
  (job as { createdAt: Date }).createdAt = new Date(bull.timestamp);
  job.model = model;
  return { job, queueName, priority: bull.opts.priority ?? 0, order: bull.timestamp };
}

/** Progress from an event or from the job itself; never moves a running job's progress backwards. */
export function applyProgress(job: Job, progress: Partial<StudioProgress> | undefined, now: number): boolean {
  if (!progress || typeof progress.step !== 'number') return false;
  const ahead = (progress.tile ?? 0) > job.tile || ((progress.tile ?? 0) === job.tile && progress.step > job.step);
  if (!ahead && job.state === 'running') return false;
  if (job.state === 'queued') {
    job.state = 'running';
    job.startedAt ??= new Date(now);
  }
  job.step = progress.step;
  job.totalSteps = progress.totalSteps ?? job.totalSteps;
  job.tile = progress.tile ?? job.tile;
  job.totalTiles = progress.totalTiles ?? job.totalTiles;
  if (progress.model) job.model = progress.model;
  job.etaSeconds = estimateEta(job, now);
  return true;
}

/** Applies BullMQ's state to the record; returns whether anything a client sees changed. */
export function applyBull(tracked: Tracked, bull: BullJob<StudioJobData, StudioResult>, state: BullState | 'unknown'): boolean {
  const { job } = tracked;
  if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') return false;
  const before = JSON.stringify([job.state, job.step, job.tile, job.error, job.historyId, job.model, job.startedAt]);
  const error = state === 'failed' ? decodeError(bull.failedReason) : null;
  const next = ourState(state, error?.code);
  if (next === 'queued' && job.state === 'running') {
    // Moved back to the queue: its worker stopped (stall) or it failed once and waits for its retry.
    job.step = 0;
    job.tile = 0;
    job.startedAt = null;
    job.etaSeconds = null;
    job.preview = null;
  }
  job.state = next;
  if (next === 'running') {
    job.startedAt = bull.processedOn ? new Date(bull.processedOn) : (job.startedAt ?? new Date());
    applyProgress(job, bull.progress as Partial<StudioProgress>, Date.now());
  }
  if (next === 'done') {
    const result = bull.returnvalue;
    job.historyId = result.historyId;
    job.resultInfo = result.result;
    job.model = result.model;
    job.etaSeconds = 0;
  }
  if (error) {
    job.error = error;
    job.etaSeconds = null;
  }
  if (next === 'done' || next === 'failed' || next === 'cancelled') {
    job.finishedAt = new Date(bull.finishedOn ?? Date.now());
    job.startedAt ??= bull.processedOn ? new Date(bull.processedOn) : null;
    job.preview = null;
    // The last progress (steps done before a cancel) comes with the job, not only with the events.
    const progress = bull.progress as Partial<StudioProgress>;
    if (progress && typeof progress.step === 'number') {
      job.step = progress.step;
      job.totalSteps = progress.totalSteps ?? job.totalSteps;
      job.tile = progress.tile ?? job.tile;
      job.totalTiles = progress.totalTiles ?? job.totalTiles;
    }
  }
  return before !== JSON.stringify([job.state, job.step, job.tile, job.error, job.historyId, job.model, job.startedAt]);
}

/** A cancelled queued job is removed from BullMQ; this record (in Redis for a day) answers for it afterwards. */
export interface CancelledRecord { spec: JobSpec; inputInfo: ImageInfo; createdAt: string; finishedAt: string; model: string; reason: string }

export function cancelledJob(id: string, record: CancelledRecord): Job {
  const job = newJob(id, record.spec, null as never, record.inputInfo);
  Object.assign(job, {
    input: null, state: 'cancelled', model: record.model, createdAt: new Date(record.createdAt), finishedAt: new Date(record.finishedAt),
    error: { code: 'CANCELLED', message: record.reason },
  });
  return job;
}
