/**
 * Model downloads started over HTTP: one at a time, each a small job with an id, a state that listeners
 * follow (SSE), and a cancel. The work itself is `pull()`; this keeps only what the routes need.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import { ApiError, type CatalogAlias, type PullState } from '../../../shared/src';
import type { Logger } from '../logger';
import { listAliases } from './hub/aliases';
import { HubError } from './hub/errors';
import type { HubClient } from './hub/http';
import { listInstalled } from './hub/installed';
import { checkPullRequest, pull, type PullProgress } from './hub/pull';
import { RateMeter } from './hub/rate';
import type { RetryPolicy } from './hub/retry';

export interface PullManagerOptions {
  modelsDir: string;
  logger: Logger;
  /** Tests: a client for a loopback Hub, a retry policy without waits, a fake free-space answer. */
  client?: () => HubClient;
  retry?: RetryPolicy;
  freeBytes?: (dir: string) => Promise<number>;
}

interface PullJob {
  state: PullState;
  abort: AbortController;
  listeners: Set<(s: PullState) => void>;
}

/** Finished pulls kept for status requests. */
const KEEP_FINISHED = 8;

export class PullManager {
  private readonly jobs = new Map<string, PullJob>();
  private latest: PullJob | null = null;

  constructor(private readonly options: PullManagerOptions) {}

  get modelsDir(): string {
    return this.options.modelsDir;
  }

  /** The aliases, each with the name it is installed under (same repo, commit matching the pin). */
  async catalog(): Promise<CatalogAlias[]> {
    const installed = await listInstalled(this.options.modelsDir).catch(() => []);
    return listAliases().map((a) => {
      const found = installed.find((m) => !m.problem && m.manifest?.repo === a.repo && m.manifest.commit.startsWith(a.commit));
      const { checked: _checked, revision: _revision, ...rest } = a;
      return { ...rest, installed: found?.name ?? null };
    });
  }

  current(): PullState | null {
    return this.latest?.state ?? null;
  }

  /** Starts a pull; a bad request (unknown alias, licence not accepted, bad name) is refused before any download. */
  start(request: { spec: string; name?: string; acceptLicense?: boolean }): PullState {
    if (this.latest?.state.state === 'running') {
      throw new ApiError('PULL_BUSY', `a download is already under way (${this.latest.state.spec}, id ${this.latest.state.id}); wait for it or cancel it first`);
    }
    try {
      checkPullRequest(request);
    } catch (err) {
      if (err instanceof HubError) throw new ApiError('INVALID_REQUEST', err.message);
      throw err;
    }
    const job: PullJob = {
      state: {
        id: randomUUID(),
        spec: request.spec,
        state: 'running',
        phase: 'resolving',
        file: null,
        fileIndex: 0,
        fileCount: 0,
        bytesDone: 0,
        bytesTotal: 0,
        bytesPerSecond: 0,
        etaSeconds: null,
        model: null,
        error: null,
      },
      abort: new AbortController(),
      listeners: new Set(),
    };
    this.jobs.set(job.state.id, job);
    this.latest = job;
    this.prune();
    void this.run(job, request);
    return job.state;
  }

  get(id: string): PullState {
    return this.job(id).state;
  }

  cancel(id: string): PullState {
    const job = this.job(id);
    if (job.state.state === 'running') job.abort.abort();
    return job.state;
  }

  /** Calls `listener` on every change until the pull ends; returns the unsubscribe. */
  subscribe(id: string, listener: (s: PullState) => void): () => void {
    const job = this.job(id);
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }

  /** Cancels a running pull (server shutdown); what arrived stays for the next pull to resume. */
  async close(): Promise<void> {
    if (this.latest?.state.state !== 'running') return;
    const job = this.latest;
    const ended = new Promise<void>((resolve) => job.listeners.add((s) => s.state !== 'running' && resolve()));
    job.abort.abort();
    await ended;
  }

  private job(id: string): PullJob {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('UNKNOWN_JOB', `no model download with id "${id}"`);
    return job;
  }

  private update(job: PullJob, patch: Partial<PullState>): void {
    job.state = { ...job.state, ...patch };
    for (const l of [...job.listeners]) l(job.state);
  }

  private async run(job: PullJob, request: { spec: string; name?: string; acceptLicense?: boolean }): Promise<void> {
    const { logger } = this.options;
    const meter = new RateMeter();
    let lastEmit = 0;
    const onProgress = (p: PullProgress): void => {
      meter.add(p.bytesDone);
      const now = Date.now();
      // Listeners get at most ~5 updates a second, plus every change of file or phase.
      if (now - lastEmit < 200 && p.file === job.state.file && p.phase === job.state.phase) return;
      lastEmit = now;
      this.update(job, {
        phase: p.phase,
        file: p.file ?? null,
        fileIndex: p.fileIndex,
        fileCount: p.fileCount,
        bytesDone: p.bytesDone,
        bytesTotal: p.bytesTotal,
        bytesPerSecond: Math.round(meter.rate()),
        etaSeconds: meter.etaSeconds(p.bytesTotal - p.bytesDone),
      });
    };
    // A client made here is closed here (pull() closes only the ones it makes itself).
    const client = this.options.client?.();
    try {
      await fs.promises.mkdir(this.options.modelsDir, { recursive: true });
      const result = await pull({
        ...request,
        modelsDir: this.options.modelsDir,
        client,
        retry: this.options.retry,
        freeBytes: this.options.freeBytes,
        signal: job.abort.signal,
        onProgress,
        onNote: (line) => logger.warn({ pull: job.state.id }, line),
      });
      logger.info({ pull: job.state.id, model: result.name, repo: result.repo, commit: result.commit }, 'model downloaded and verified');
      this.update(job, { state: 'done', phase: 'done', model: result.name, bytesDone: result.bytes, bytesTotal: result.bytes, etaSeconds: 0 });
    } catch (err) {
      if (err instanceof HubError && err.kind === 'cancelled') {
        this.update(job, { state: 'cancelled', error: { code: 'CANCELLED', message: 'the download was cancelled; starting it again resumes from what arrived' } });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof HubError && err.kind === 'argument' ? 'INVALID_REQUEST' : 'DOWNLOAD_FAILED';
      logger.warn({ pull: job.state.id, err: message }, 'model download failed');
      this.update(job, { state: 'failed', error: { code, message } });
    } finally {
      await client?.close().catch(() => undefined);
    }
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state.state !== 'running' && j !== this.latest);
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.state.id);
  }
}
