/**
 * Retries with backoff for transient failures (connection cut, stall, 5xx), and the waits a 429 asks
 * for. Sleeping is injected so tests can check the waits without spending them.
 */
import { HubError } from './errors';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** First backoff; doubles each retry, capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** The longest Retry-After honoured (a longer one fails rather than hang a pull for hours). */
  maxRetryAfterMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HubError('cancelled', 'cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new HubError('cancelled', 'cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 10 * 60_000,
  sleep,
};

/** Thrown by an attempt to ask for a specific wait before the next one (429 Retry-After). */
export class RetryAfter extends Error {
  constructor(
    readonly waitMs: number,
    message: string,
  ) {
    super(message);
  }
}

/** `Retry-After` as seconds or an HTTP date; missing or unreadable → undefined. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Runs `attempt` until it succeeds. HubErrors other than transient ones are final; any other error
 * (network, stall, a 5xx turned into an Error) is retried after a backoff.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  signal?: AbortSignal,
  onRetry?: (reason: string, waitMs: number) => void,
): Promise<T> {
  let lastReason = '';
  for (let n = 0; n < policy.attempts; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (signal?.aborted) throw new HubError('cancelled', 'cancelled');
      if (err instanceof HubError) throw err;
      let wait: number;
      if (err instanceof RetryAfter) {
        if (err.waitMs > policy.maxRetryAfterMs) {
          throw new HubError('download', `${what}: the Hub asks to wait ${Math.round(err.waitMs / 1000)} s (HTTP 429); try again later`);
        }
        wait = err.waitMs;
        lastReason = err.message;
      } else {
        wait = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** n);
        lastReason = (err as Error).message || String(err);
      }
      if (n + 1 < policy.attempts) {
        onRetry?.(lastReason, wait);
        await policy.sleep(wait, signal);
      }
    }
  }
  throw new HubError('download', `${what}: gave up after ${policy.attempts} attempts (${lastReason})`);
}
