/**
 * The one queue interface the HTTP routes (native /v1 and A1111) use, whatever runs the jobs: the in-process
 * queue (`queue.ts`, the default: one engine in this process) or the studio queue (`bull/`, BullMQ on Redis
 * with GPU worker processes). Routes never know which.
 *
 * Methods that may need a network round trip return `T | Promise<T>`: the in-process queue answers at once,
 * the studio queue asks Redis. Callers always `await`.
 */
import type { ImageInfo, JobSpec, JobStatus, WorkerInfo } from '../../../shared/src';
import type { ModelInfo, RawImage } from '../engine/types';
import type { Job } from './job';

export type MaybePromise<T> = T | Promise<T>;

export interface SubmitOptions {
  /**
   * Who asked (a client id header, else the remote address). The studio queue interleaves the jobs of
   * different clients; the in-process queue runs strictly first-in first-out and ignores it.
   */
  client?: string;
  /** The model to run with; the default model when absent. */
  model?: string;
  /** An img2img job's inpaint mask (its `params.mask` image), checked against the input's size. */
  mask?: RawImage;
}

/** Every status change of any job: the shape SSE fan-out and other observers subscribe to. */
export type JobChangeListener = (status: JobStatus, job: Job) => void;

export interface JobQueueApi {
  /** Jobs waiting (not running). */
  readonly queueLength: number;
  /** Whether a job is running. */
  readonly running: boolean;
  /** The model being loaded, for /v1/models (null when none). */
  readonly loading: string | null;

  /** Throws ApiError('UNAVAILABLE', why) when jobs cannot be accepted or looked up now (e.g. Redis down). */
  checkAvailable(): void;
  submit(spec: JobSpec, input: RawImage, inputInfo: ImageInfo, options?: SubmitOptions): MaybePromise<Job>;
  /** Throws ApiError('UNKNOWN_JOB') for an unknown id. */
  get(id: string): MaybePromise<Job>;
  status(job: Job): JobStatus;
  /** Calls `listener` with every change of one job's status, until the returned function is called. */
  subscribe(job: Job, listener: (status: JobStatus) => void): () => void;
  /** Calls `listener` with every change of any job's status (the queue's 'change' event). */
  onChange(listener: JobChangeListener): () => void;
  /** Removes a queued job, or stops a running one before its next step. Finished jobs stay as they are. */
  cancel(job: Job, reason?: string): MaybePromise<void>;
  /** In-process: loads the model. Studio: makes it the default for new jobs (a worker must serve it). */
  selectModel(name: string, dir: string): Promise<ModelInfo>;
  /** The GPU worker processes (studio mode); absent for the in-process queue. */
  workers?(): WorkerInfo[];
  /** In-process: cancels everything. Studio: only disconnects (queued and running jobs live on in Redis). */
  close(): Promise<void>;
}
