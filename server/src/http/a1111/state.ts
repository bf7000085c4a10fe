/**
 * A1111's global "state" (`shared.state`) over our queue: which jobs one A1111 request made, so that
 * `progress` can report job_no/job_count of the request being worked on, `interrupt` can stop the whole
 * request (as A1111 does) and `skip` only the image being made. Panel jobs are reported too, as one-job
 * requests: A1111 clients polling progress see the server busy whoever asked.
 */
import { encodePng } from '../../image/png';
import type { JobQueueApi } from '../../jobs/api';
import type { Job } from '../../jobs/job';
import { isTerminal } from '../../jobs/queue';

export interface Batch {
  jobs: Job[];
  /** A1111's `state.job`: "txt2img", "img2img", "extras". */
  name: string;
  startedAt: number;
  interrupted: boolean;
  skipped: boolean;
}

export function timestamp(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

export class A1111State {
  private readonly batches = new Set<Batch>();
  private previewCache: { job: Job; version: number; base64: string } | null = null;
  /** Jobs running now, in the order they started (one in-process; one per GPU worker in studio mode). */
  private readonly running = new Set<Job>();

  constructor(private readonly queue: JobQueueApi) {
    // The queue interface does not say which job runs: its status changes do.
    queue.onChange((status, job) => {
      if (status.state === 'running') this.running.add(job);
      else this.running.delete(job);
    });
  }

  private cancel(job: Job, reason: string): void {
    // Studio queues answer asynchronously; a cancel that fails leaves the job to finish, nothing to report.
    void Promise.resolve(this.queue.cancel(job, reason)).catch(() => undefined);
  }

  begin(name: string): Batch {
    const batch: Batch = { jobs: [], name, startedAt: Date.now(), interrupted: false, skipped: false };
    this.batches.add(batch);
    return batch;
  }

  end(batch: Batch): void {
    this.batches.delete(batch);
  }

  /** The request the running job belongs to, else the oldest request still waiting. */
  private active(): { batch: Batch | null; running: Job | null } {
    const running = [...this.running][0] ?? null;
    for (const batch of this.batches) {
      const own = batch.jobs.find((job) => this.running.has(job));
      if (own) return { batch, running: own };
    }
    if (running) return { batch: null, running };
    const waiting = [...this.batches].find((b) => b.jobs.some((j) => !isTerminal(j)));
    return { batch: waiting ?? null, running: null };
  }

  /** `POST interrupt`: stops the running job and the rest of its request. */
  interrupt(): void {
    const { batch, running } = this.active();
    if (batch) batch.interrupted = true;
    for (const job of batch?.jobs ?? (running ? [running] : [])) {
      if (!isTerminal(job)) this.cancel(job, 'interrupted (POST /sdapi/v1/interrupt)');
    }
  }

  /** `POST skip`: stops the image being made; the rest of its request goes on. */
  skip(): void {
    const { batch, running } = this.active();
    if (!running) return;
    if (batch) batch.skipped = true;
    this.cancel(running, 'skipped (POST /sdapi/v1/skip)');
  }

  /** `GET progress`, computed as A1111's `progressapi` does from job_no/job_count and sampling_step/steps. */
  async progress(skipCurrentImage: boolean): Promise<object> {
    const { batch, running } = this.active();
    const jobs = batch?.jobs ?? (running ? [running] : []);
    const jobCount = jobs.length;
    const startedAt = batch?.startedAt ?? running?.startedAt?.getTime() ?? Date.now();
    const jobNo = running ? Math.max(0, jobs.indexOf(running)) : jobs.filter(isTerminal).length;
    // An upscale's tiles all run the same steps: its sampling progress spans them all.
    const steps = running ? running.totalSteps * Math.max(1, running.totalTiles) : 0;
    const step = running && running.totalSteps > 0 ? (Math.max(1, running.tile) - 1) * running.totalSteps + running.step : 0;
    const state = {
      skipped: batch?.skipped ?? false,
      interrupted: batch?.interrupted ?? false,
      stopping_generation: false,
      job: jobCount > 0 ? (batch?.name ?? running?.spec.kind ?? '') : '',
      job_count: jobCount,
      job_timestamp: timestamp(new Date(startedAt)),
      job_no: jobNo,
      sampling_step: step,
      sampling_steps: steps,
    };
    if (jobCount === 0) return { progress: 0, eta_relative: 0, state, current_image: null, textinfo: null };
    let progress = 0.01 + jobNo / jobCount;
    if (steps > 0) progress += (1 / jobCount) * (step / steps);
    const elapsed = (Date.now() - startedAt) / 1000;
    const eta = elapsed / progress - elapsed;
    const current_image = skipCurrentImage || !running ? null : await this.previewBase64(running);
    return { progress: Math.min(progress, 1), eta_relative: Math.max(0, eta), state, current_image, textinfo: null };
  }

  private async previewBase64(job: Job): Promise<string | null> {
    if (!job.preview) return null;
    const cached = this.previewCache;
    if (cached && cached.job === job && cached.version === job.previewVersion) return cached.base64;
    const base64 = (await encodePng(job.preview)).toString('base64');
    this.previewCache = { job, version: job.previewVersion, base64 };
    return base64;
  }
}
