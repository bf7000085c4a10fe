/** The SSE fan-out's rules with a fake queue and fake responses: coalescing, skipping full sockets, dropping stalled ones. */
import { EventEmitter } from 'events';
import type { Response } from 'express';
import type { JobStatus } from '../../../../shared/src';
import type { Job } from '../../../../server/src/jobs/job';
import { jobStatus, newJob } from '../../../../server/src/jobs/job';
import { ProgressStreams, type ProgressSource } from '../../../../server/src/http/progress-streams';

class FakeResponse extends EventEmitter {
  frames: string[] = [];
  writableNeedDrain = false;
  writableEnded = false;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  write(text: string): boolean {
    this.frames.push(text);
    return !this.writableNeedDrain;
  }
  end(text?: string): this {
    if (text) this.frames.push(text);
    this.writableEnded = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
  get steps(): number[] {
    return this.frames.filter((f) => f.startsWith('event:')).map((f) => (JSON.parse(f.split('\n')[1].slice(6)) as JobStatus).step);
  }
}

class FakeQueue implements ProgressSource {
  listeners = new Set<(s: JobStatus) => void>();
  subscribe(_job: Job, listener: (s: JobStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  status(job: Job): JobStatus {
    return jobStatus(job, null);
  }
  change(job: Job): void {
    for (const l of this.listeners) l(this.status(job));
  }
}

function makeJob(): Job {
  const job = newJob('j1', { kind: 'img2img', image: 'i', params: {} } as never, { width: 1, height: 1, channels: 4, bitDepth: 8, data: new Uint8Array(4) }, { width: 1, height: 1, bitDepth: 8, channels: 4 });
  job.state = 'running';
  return job;
}

describe('ProgressStreams', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('coalesces a burst of changes into the latest state, one subscription per job', () => {
    const queue = new FakeQueue();
    const streams = new ProgressStreams(queue, { maxPerJob: 10, maxTotal: 10, minIntervalMs: 250 });
    const job = makeJob();
    const a = new FakeResponse();
    const b = new FakeResponse();
    streams.open(job, a as unknown as Response);
    streams.open(job, b as unknown as Response);
    expect(queue.listeners.size).toBe(1);
    for (let step = 1; step <= 100; step++) {
      job.step = step;
      queue.change(job);
    }
    jest.advanceTimersByTime(250);
    expect(a.steps).toEqual([0, 100]);
    expect(b.steps).toEqual([0, 100]);
    job.state = 'done';
    queue.change(job);
    expect(a.writableEnded && b.writableEnded).toBe(true);
    a.emit('close');
    b.emit('close');
    expect(queue.listeners.size).toBe(0);
    expect(streams.openStreams).toBe(0);
    streams.close();
  });

  it('skips a stream whose socket buffer is full, sends it the newest state on drain, drops it when it stays full', () => {
    const queue = new FakeQueue();
    const streams = new ProgressStreams(queue, { maxPerJob: 10, maxTotal: 10, minIntervalMs: 100, heartbeatMs: 1000, stalledMs: 5000 });
    const job = makeJob();
    const slow = new FakeResponse();
    const fast = new FakeResponse();
    streams.open(job, slow as unknown as Response);
    streams.open(job, fast as unknown as Response);
    slow.writableNeedDrain = true;
    for (let step = 1; step <= 5; step++) {
      job.step = step;
      queue.change(job);
      jest.advanceTimersByTime(100);
    }
    expect(fast.steps).toEqual([0, 1, 2, 3, 4, 5]);
    expect(slow.steps).toEqual([0]);
    slow.writableNeedDrain = false;
    slow.emit('drain');
    expect(slow.steps).toEqual([0, 5]);

    slow.writableNeedDrain = true;
    job.step = 6;
    queue.change(job);
    jest.advanceTimersByTime(100);
    expect(slow.destroyed).toBe(false);
    jest.advanceTimersByTime(6000);
    expect(slow.destroyed).toBe(true);
    expect(fast.destroyed).toBe(false);
    expect(fast.frames.some((f) => f.startsWith(': keep-alive'))).toBe(true);
    expect(streams.openStreams).toBe(1);
    streams.close();
  });

  it('answers a finished job with its final state and ends at once', () => {
    const queue = new FakeQueue();
    const streams = new ProgressStreams(queue, { maxPerJob: 1, maxTotal: 1 });
    const job = makeJob();
    job.state = 'done';
    const res = new FakeResponse();
    streams.open(job, res as unknown as Response);
    expect(res.writableEnded).toBe(true);
    expect(streams.openStreams).toBe(0);
    streams.close();
  });
});
