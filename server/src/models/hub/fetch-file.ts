/**
 * One file from the Hub into place: written to `<file>.part`, resumed with `Range` after a cut or a
 * stall, verified against the Hub's size and digest, and renamed into place only when it matches. A
 * part that fails verification is deleted, so no bad file is ever left where the loader would read it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { hubHttpError, HubError } from './errors';
import { checkFile } from './hash';
import { header, type HubClient } from './http';
import { parseRetryAfter, RetryAfter, withRetries, type RetryPolicy } from './retry';
import type { RepoFile } from './tree';

export interface FetchFileOptions {
  client: HubClient;
  url: string;
  /** Where the verified file goes. */
  dest: string;
  file: RepoFile;
  retry: RetryPolicy;
  signal?: AbortSignal;
  /** Bytes that arrived (negative when a part had to be thrown away). */
  onBytes?: (delta: number) => void;
  onRetry?: (reason: string, waitMs: number) => void;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return 0;
  }
}

/** `bytes START-END/TOTAL` → START, or null. */
export function contentRangeStart(value: string | undefined): number | null {
  const m = value ? /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(value.trim()) : null;
  return m ? Number(m[1]) : null;
}

/** One attempt: asks for what the part lacks and appends what arrives, chunk by chunk, so a cut loses nothing. */
async function attempt(o: FetchFileOptions, part: string): Promise<void> {
  const { file } = o;
  let have = await sizeOf(part);
  if (have > file.size) {
    await fs.promises.truncate(part, 0);
    o.onBytes?.(-have);
    have = 0;
  }
  if (have === file.size && file.size > 0) return;
  const res = await o.client.get(o.url, have > 0 ? { range: `bytes=${have}-` } : {}, o.signal);
  const status = res.status;
  if (status === 429) {
    res.body.resume();
    throw new RetryAfter(parseRetryAfter(header(res.headers, 'retry-after')) ?? 5000, 'HTTP 429 (too many requests)');
  }
  if (status >= 500 || status === 408) {
    res.body.resume();
    throw new Error(`HTTP ${status}`);
  }
  if (status === 416) {
    // Our part no longer matches what the server holds: start that file again.
    res.body.resume();
    await fs.promises.truncate(part, 0);
    o.onBytes?.(-have);
    throw new Error('HTTP 416 for the resumed range; restarting the file');
  }
  if (status !== 200 && status !== 206) {
    res.body.resume();
    throw hubHttpError(status, header(res.headers, 'x-error-code'), file.path, file.path);
  }
  // Only a 206 that starts exactly where our part ends can be appended; anything else restarts the file.
  const append = have > 0 && status === 206 && contentRangeStart(header(res.headers, 'content-range')) === have;
  if (!append && status === 206 && contentRangeStart(header(res.headers, 'content-range')) !== 0) {
    res.body.destroy();
    await fs.promises.truncate(part, 0).catch(() => undefined);
    o.onBytes?.(-have);
    throw new Error(`a partial answer that does not start at byte ${have}; restarting the file`);
  }
  if (!append && have > 0) o.onBytes?.(-have);
  const handle = await fs.promises.open(part, append ? 'a' : 'w');
  let written = append ? have : 0;
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (written + buf.length > file.size) {
        throw new HubError('download', `${file.path}: the server sent more than the ${file.size} bytes the Hub lists`, file.path);
      }
      await handle.write(buf);
      written += buf.length;
      o.onBytes?.(buf.length);
    }
  } finally {
    await handle.close();
  }
  if (written !== file.size) throw new Error(`the connection ended after ${written} of ${file.size} bytes`);
}

export async function fetchFile(o: FetchFileOptions): Promise<void> {
  const part = `${o.dest}.part`;
  await fs.promises.mkdir(path.dirname(o.dest), { recursive: true });
  try {
    await withRetries(o.file.path, o.retry, () => attempt(o, part), o.signal, o.onRetry);
  } catch (err) {
    if (o.signal?.aborted) throw new HubError('cancelled', 'cancelled', o.file.path);
    if (err instanceof HubError && err.kind === 'download' && !err.message.startsWith(o.file.path)) {
      throw new HubError('download', `${o.file.path}: ${err.message}`, o.file.path);
    }
    throw err;
  }
  const bad = await checkFile(part, o.file);
  if (bad) {
    await fs.promises.rm(part, { force: true });
    throw new HubError('download', `${o.file.path}: ${bad}; the bad download was deleted (run the same pull again to fetch it anew)`, o.file.path);
  }
  await fs.promises.rename(part, o.dest);
}
