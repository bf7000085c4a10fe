/** One job's record: what was asked, where it is, and what came out. Plain data plus a status view. */
import type { ErrorBody, ImageInfo, JobSpec, JobState, JobStatus } from '../../../shared/src';
import type { JobOutput, RawImage } from '../engine/types';

export interface Job {
  readonly id: string;
  readonly spec: JobSpec;
  /** The uploaded pixels; dropped once the job ends so memory stays bounded. */
  input: RawImage | null;
  /** The inpaint mask's pixels (img2img with `mask`); dropped with the input. */
  mask: RawImage | null;
  readonly inputInfo: ImageInfo;
  state: JobState;
  step: number;
  totalSteps: number;
  tile: number;
  totalTiles: number;
  etaSeconds: number | null;
  model: string | null;
  error: ErrorBody | null;
  readonly createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Kept for the most recent jobs only (see JobQueue); older results are read back from history. */
  output: JobOutput | null;
  resultInfo: ImageInfo | null;
  historyId: string | null;
  preview: RawImage | null;
  /** Bumped whenever `preview` changes, so an encoded PNG can be cached per version. */
  previewVersion: number;
  abort: AbortController | null;
  /** Milliseconds of the main thread's parts of a finished job (engine round trip, history save), for the log. */
  phases: Record<string, number> | null;
}

export function newJob(id: string, spec: JobSpec, input: RawImage, inputInfo: ImageInfo, mask: RawImage | null = null): Job {
  return {
    id,
    spec,
    input,
    mask,
    inputInfo,
    state: 'queued',
    step: 0,
    totalSteps: 0,
    tile: 0,
    totalTiles: 0,
    etaSeconds: null,
    model: null,
    error: null,
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
    output: null,
    resultInfo: null,
    historyId: null,
    preview: null,
    previewVersion: 0,
    abort: null,
    phases: null,
  };
}

export function jobStatus(job: Job, queuePosition: number | null): JobStatus {
  return {
    id: job.id,
    kind: job.spec.kind,
    state: job.state,
    queuePosition,
    step: job.step,
    totalSteps: job.totalSteps,
    tile: job.tile,
    totalTiles: job.totalTiles,
    etaSeconds: job.etaSeconds,
    seed: job.spec.params.seed,
    model: job.model,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    result: job.resultInfo,
    historyId: job.historyId,
  };
}

/**
 * Seconds left, from the pace of the steps done so far in this job. Tiles run the same number of steps,
 * so the work is (tile − 1) × totalSteps + step of totalTiles × totalSteps.
 */
export function estimateEta(job: Job, now: number): number | null {
  if (!job.startedAt || job.totalSteps === 0 || job.totalTiles === 0) return null;
  const done = (job.tile - 1) * job.totalSteps + job.step;
  const total = job.totalTiles * job.totalSteps;
  if (done <= 0) return null;
  const elapsed = (now - job.startedAt.getTime()) / 1000;
  return Math.max(0, Math.round((elapsed / done) * (total - done) * 10) / 10);
}
