/**
 * Studio mode's names in Redis and what travels through BullMQ. One BullMQ queue per model, so a worker takes
 * only jobs for the model it has loaded; everything of ours shares the `insaneres` prefix, so one Redis (or
 * one DB of it, `redis://host:6379/DB`) can serve other programs too.
 */
import IORedis, { type RedisOptions } from 'ioredis';
import type { ErrorBody, FastMode, ImageInfo, JobSpec } from '../../../../shared/src';

export const PREFIX = 'insaneres';

export const KEYS = {
  /** Set: every model queue ever used, so a restarted front finds jobs whose workers are all gone. */
  queues: `${PREFIX}:queues`,
  /** Hash: worker name → WorkerHeartbeat JSON. */
  workers: `${PREFIX}:workers`,
  /** Pub/sub channel: a job id whose run should stop. */
  cancelChannel: `${PREFIX}:cancel`,
  /** Set when a running job is cancelled, so a worker that starts it late (or missed the message) sees it. */
  cancelFlag: (jobId: string) => `${PREFIX}:cancel:${jobId}`,
  /** A queued job removed by a cancel: its last status, since BullMQ forgets removed jobs. */
  cancelled: (jobId: string) => `${PREFIX}:cancelled:${jobId}`,
  /** The latest preview of a running job (small: see encodePreview). */
  preview: (jobId: string) => `${PREFIX}:preview:${jobId}`,
  /** Hash per model queue: fair-queueing rounds (see fairness.ts). */
  fairness: (queueName: string) => `${PREFIX}:fair:${queueName}`,
  /** The model new jobs get when they name none (POST /v1/models/select on the front). */
  defaultModel: `${PREFIX}:default-model`,
} as const;

/** BullMQ refuses ':' in queue names; folder names may hold anything else. */
export function queueNameFor(model: string): string {
  return `model.${encodeURIComponent(model)}`;
}

export function modelOfQueue(queueName: string): string {
  return decodeURIComponent(queueName.slice('model.'.length));
}

/** Finished jobs stay in Redis this long (status and result link after a front restart), at most this many. */
export const KEEP_FINISHED = { age: 24 * 3600, count: 1000 };
/** Seconds a cancel flag, a cancelled record or a preview lives. */
export const FLAG_TTL_S = 24 * 3600;

/**
 * Lock and stall check: a worker killed mid-job (kill -9, power loss) stops renewing its lock; another worker's
 * stall check finds the job once the lock has expired (≤ lockDuration) and two checks have seen it
 * (≤ 2 × stalledInterval): at most 8 s here, under the 10 s a person waiting will accept (BullMQ's defaults,
 * 30 s each, take up to 90 s). The lock is renewed every lockDuration / 2 by the worker's main thread, which
 * stays free because inference runs in a worker thread, so 2.5 s of slack remain before a false stall.
 */
export const LOCK = { lockDuration: 5_000, stalledInterval: 1_500, maxStalledCount: 1 };
/** One retry for a job that failed with an error that another attempt (maybe on another GPU) could fix. */
export const ATTEMPTS = 2;
/** Worker heartbeat period, and after how long without one a worker shows as gone. */
export const HEARTBEAT_MS = 2_000;
export const GONE_AFTER_MS = 10_000;

/** What a BullMQ job carries: references and parameters, never pixels. */
export interface StudioJobData {
  spec: JobSpec;
  inputInfo: ImageInfo;
  /** The input's file, relative to the shared outputs folder. */
  input: string;
  /** An img2img job's inpaint mask (white = repaint), a file like the input. */
  mask?: string;
  client: string;
  /** The front's shared outputs folder: the default for a worker started without its own --shared-outputs. */
  sharedDir: string;
}

/** Sent with job.updateProgress: the engine's progress, plus who runs the job. */
export interface StudioProgress {
  step: number;
  totalSteps: number;
  tile: number;
  totalTiles: number;
  /** Bumped whenever a new preview is in Redis under KEYS.preview(jobId). */
  previewVersion: number;
  worker: string;
  model: string;
}

/** The job's return value: where its result is (the history entry in the shared outputs folder). */
export interface StudioResult {
  historyId: string;
  result: ImageInfo;
  stepsRun: number;
  worker: string;
  model: string;
  device: string;
}

/** A worker's heartbeat in the registry. */
export interface WorkerHeartbeat {
  name: string;
  model: string;
  device: string;
  demo: boolean;
  busy: boolean;
  job: string | null;
  /** Milliseconds since the epoch. */
  lastSeen: number;
  /** The model's fast mode, `default` being the worker's `--fast`; absent from workers older than fast mode. */
  fast?: FastMode;
}

/** Errors cross BullMQ as its failedReason string: our {code, message} as JSON. */
export function encodeError(error: ErrorBody): string {
  return JSON.stringify(error);
}

export function decodeError(failedReason: string | undefined): ErrorBody {
  if (failedReason) {
    try {
      const parsed = JSON.parse(failedReason) as Partial<ErrorBody>;
      if (typeof parsed.code === 'string' && typeof parsed.message === 'string') return parsed as ErrorBody;
    } catch {
      // BullMQ's own reasons are plain sentences, e.g. its stall limit.
    }
  }
  const reason = failedReason ?? 'unknown reason';
  if (/stalled more than allowable limit/i.test(reason)) {
    return {
      code: 'MODEL_FAILED',
      message: 'the worker running this job stopped responding, and so did the one that retried it; the job was given up',
    };
  }
  return { code: 'MODEL_FAILED', message: reason };
}

/**
 * A connection from `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS; extra CAs via Node's
 * NODE_EXTRA_CA_CERTS). `commands`: fail at once while Redis is unreachable (the front answers 503 instead of
 * hanging). `blocking`: BullMQ workers and event readers, which must wait and retry forever.
 */
export function connect(url: string, kind: 'commands' | 'blocking', name: string): IORedis {
  const options: RedisOptions = {
    connectionName: name,
    // Reconnect for ever, at most every 2 s: a Redis restart is picked up by itself.
    retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
    ...(kind === 'commands'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true }),
  };
  return new IORedis(url, options);
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

/** Checked before anything connects, so a typo exits 2 with one line. */
export function checkRedisUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--queue needs a URL like redis://HOST:6379 or rediss://:PASSWORD@HOST:6380/0, got "${url}"`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return `--queue must start with redis:// or rediss://, got "${parsed.protocol}//"`;
  }
  if (!parsed.hostname) return `--queue names no host: "${redactUrl(url)}"`;
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) return `--queue's database must be a number (redis://HOST:6379/0), got "/${db}"`;
  return null;
}
