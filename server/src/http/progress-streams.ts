/**
 * Server-Sent Events fan-out for `GET /v1/jobs/:id/events`, built so that no number of streams, fast or
 * never read, can stall the server or grow its memory:
 * - one queue subscription per job, not per stream; a change only marks the job dirty;
 * - coalesced: at most one event per `minIntervalMs` per job (latest state wins), serialised once and
 *   written to every stream of that job; the terminal state is sent at once;
 * - back-pressure: a stream whose socket buffer is full is skipped (it gets the latest state when it
 *   drains), and one that stays full for `stalledMs` is dropped, so each stream buffers at most one event
 *   beyond its socket's high-water mark;
 * - caps per job and in total, answered with 429 TOO_MANY_STREAMS naming the limit.
 * It relies only on the queue's `subscribe`/`status`, so it works for any queue that emits the same changes.
 */
import type { Response } from 'express';
import { ApiError, JOB_EVENT_NAME, type JobStatus } from '../../../shared/src';
import type { Job } from '../jobs/job';
import { isTerminal } from '../jobs/queue';

/** What the fan-out needs from a queue. */
export interface ProgressSource {
  subscribe(job: Job, listener: (status: JobStatus) => void): () => void;
  status(job: Job): JobStatus;
}

export interface ProgressStreamOptions {
  maxPerJob: number;
  maxTotal: number;
  /** Shortest time between two progress events of one job (the terminal event is never held back). */
  minIntervalMs?: number;
  /** SSE comment lines keep idle proxies and clients from timing the stream out. */
  heartbeatMs?: number;
  /** A stream whose socket buffer stays full this long is closed. */
  stalledMs?: number;
}

/** Sent with the 429, in seconds: streams end with their jobs, so a slot frees up soon. */
export const STREAMS_RETRY_AFTER_S = 5;

interface Stream {
  res: Response;
  /** The last frame not written because the socket buffer was full; written on 'drain'. */
  pending: string | null;
  /** When the socket buffer became full (0 = it is not). */
  fullSince: number;
}

interface JobStreams {
  job: Job;
  streams: Set<Stream>;
  unsubscribe: () => void;
  latest: JobStatus | null;
  timer: NodeJS.Timeout | null;
  lastSent: number;
}

function frame(status: JobStatus): string {
  return `event: ${JOB_EVENT_NAME}\ndata: ${JSON.stringify(status)}\n\n`;
}

export class ProgressStreams {
  private readonly byJob = new Map<Job, JobStreams>();
  private total = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly minIntervalMs: number;
  private readonly stalledMs: number;

  constructor(
    private readonly source: ProgressSource,
    private readonly options: ProgressStreamOptions,
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.stalledMs = options.stalledMs ?? 30_000;
    // One timer for every stream: keep-alives, and closing streams that stopped reading.
    this.heartbeat = setInterval(() => this.sweep(), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get openStreams(): number {
    return this.total;
  }

  /** Answers the request as an event stream of the job's status; throws 429 when a cap is reached. */
  open(job: Job, res: Response): void {
    const entry = this.byJob.get(job);
    const { maxPerJob, maxTotal } = this.options;
    if (entry && entry.streams.size >= maxPerJob) {
      throw new ApiError('TOO_MANY_STREAMS', `too many event streams for job "${job.id}": at most ${maxPerJob} per job; poll GET /v1/jobs/${job.id} instead, or try again later`);
    }
    if (this.total >= maxTotal) {
      throw new ApiError('TOO_MANY_STREAMS', `too many event streams: at most ${maxTotal} open at once; poll GET /v1/jobs/:id instead, or try again later`);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
    });
    const current = this.source.status(job);
    if (isTerminal(job)) {
      res.end(frame(current));
      return;
    }
    const stream: Stream = { res, pending: null, fullSince: 0 };
    const streams = entry ?? this.watch(job);
    streams.streams.add(stream);
    this.total += 1;
    res.on('drain', () => this.onDrain(stream));
    // The response closing (client gone) is the signal; the request's own 'close' only means its body was read.
    res.on('close', () => this.remove(streams, stream));
    this.write(stream, frame(current));
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const streams of [...this.byJob.values()]) {
      for (const stream of streams.streams) stream.res.end();
    }
  }

  private watch(job: Job): JobStreams {
    const streams: JobStreams = { job, streams: new Set(), unsubscribe: () => undefined, latest: null, timer: null, lastSent: 0 };
    this.byJob.set(job, streams);
    streams.unsubscribe = this.source.subscribe(job, (status) => this.onChange(streams, status));
    return streams;
  }

  /** Latest state wins: a change is only remembered; the timer sends whatever is latest when it fires. */
  private onChange(streams: JobStreams, status: JobStatus): void {
    streams.latest = status;
    if (isTerminal(streams.job)) {
      this.finish(streams);
      return;
    }
    if (streams.timer) return;
    const wait = Math.max(0, streams.lastSent + this.minIntervalMs - Date.now());
    streams.timer = setTimeout(() => this.flush(streams), wait);
  }

  private flush(streams: JobStreams): void {
    streams.timer = null;
    const status = streams.latest;
    if (!status) return;
    streams.latest = null;
    streams.lastSent = Date.now();
    // Serialised once for all the job's streams.
    const text = frame(status);
    for (const stream of streams.streams) this.write(stream, text);
  }

  /** The final state goes to every stream, even a slow one (one frame more), and the streams end. */
  private finish(streams: JobStreams): void {
    if (streams.timer) clearTimeout(streams.timer);
    streams.timer = null;
    const text = frame(streams.latest ?? this.source.status(streams.job));
    for (const stream of [...streams.streams]) {
      stream.pending = null;
      stream.res.end(text);
      // A client that never reads would keep the ended socket (and its buffer) forever.
      if (stream.res.writableNeedDrain) setTimeout(() => stream.res.destroy(), this.stalledMs).unref();
    }
  }

  private write(stream: Stream, text: string): void {
    if (stream.res.writableEnded) return;
    if (stream.res.writableNeedDrain) {
      // Skipped: only the newest frame waits for the drain, older ones are dropped.
      stream.pending = text;
      if (stream.fullSince === 0) stream.fullSince = Date.now();
      return;
    }
    stream.res.write(text);
  }

  private onDrain(stream: Stream): void {
    stream.fullSince = 0;
    const text = stream.pending;
    stream.pending = null;
    if (text) this.write(stream, text);
  }

  private remove(streams: JobStreams, stream: Stream): void {
    if (!streams.streams.delete(stream)) return;
    this.total -= 1;
    if (streams.streams.size === 0) {
      if (streams.timer) clearTimeout(streams.timer);
      streams.unsubscribe();
      this.byJob.delete(streams.job);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const streams of this.byJob.values()) {
      for (const stream of streams.streams) {
        if (stream.fullSince !== 0 && now - stream.fullSince >= this.stalledMs) stream.res.destroy();
        else if (!stream.res.writableNeedDrain) stream.res.write(': keep-alive\n\n');
      }
    }
  }
}
