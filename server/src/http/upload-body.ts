/**
 * Upload bodies without main-thread stalls. A raw RGBA body is copied chunk by chunk, as it arrives, into
 * a SharedArrayBuffer of exactly the size the query announces: the end of a 128 MiB upload has nothing
 * left to do, and the inference worker later reads the same memory (posting a shared buffer copies
 * nothing, where a 4096² 16-bit image posted as a plain buffer is a 0.5–1 s structured clone).
 */
import type { Request } from 'express';
import { ApiError, type Limits, type RawImageQuery } from '../../../shared/src';
import type { RawImage } from '../engine/types';
import { formatBytes } from './errors';

/**
 * Bytes copied per turn of the event loop when an in-memory image is moved into shared memory. Fresh
 * memory is slow to fill on the 2-core VM (~4 ms a MB the first time): 8 MB slices held the loop 32–40 ms,
 * 2 MB slices 8–16 ms.
 */
const COPY_SLICE_BYTES = 2 * 2 ** 20;

/**
 * Bytes of a raw upload copied into shared memory per turn of the event loop; past it the request is
 * paused until the next turn. libuv hands over up to 32 socket reads (2 MB) in one turn, and copying into
 * fresh memory costs ~4.7 ms a MB here (page faults: a 2048² upload's copies were 303 ms of CPU in all),
 * so one turn's copies held the loop 42 ms (profiled, scripts/bench/upscale-http-bench.ts's upload: 99 ms
 * on the quiet machine) before this budget.
 */
const UPLOAD_TURN_BYTES = 2 ** 20;

/** ES2024's constructor (Node ≥ 20 has it; the project's TypeScript lib is ES2022). */
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => SharedArrayBuffer;

/**
 * Bytes from which shared memory is reserved lazily (lazySharedBuffer) rather than taken from calloc.
 * Below it calloc is cheaper: it often hands back memory still mapped from earlier buffers (a 512² upload
 * cost the server 11.5–11.8 ms of CPU against 12.5–14.8 ms with every buffer lazily mapped, 40 uploads
 * each, interleaved), and clearing it in one go holds the loop a few ms at most.
 */
const LAZY_SHARED_BYTES = 4 * 2 ** 20;

/**
 * Shared memory whose pages cost nothing until they are written. A plain SharedArrayBuffer comes from
 * calloc; once glibc has raised its mmap threshold (after any large free, e.g. an earlier job's) calloc
 * clears reused heap memory up front, and a 16 MB upload's buffer took 67–91 ms of CPU in one turn (3 of
 * 7 runs of upscale-http-bench's 2048² upload, timed or profiled: all of it in the constructor). A
 * growable buffer is reserved and committed by V8's page allocator (mmap) instead: the kernel's zero
 * pages, faulted in by the per-turn copies that write them. Views of it must give their length: a view
 * without one tracks the buffer's length, and reading such a view element by element was 25× slower
 * (16 MB summed: 645–714 ms against 26–27 ms with a fixed length, Node 20).
 */
export function lazySharedBuffer(bytes: number): SharedArrayBuffer {
  if (bytes < LAZY_SHARED_BYTES) return new SharedArrayBuffer(bytes);
  return new GrowableSharedArrayBuffer(bytes, { maxByteLength: bytes });
}

/** Refuses, from the headers alone, a body that says it is over the limit (before any of it is read). */
export function checkDeclaredLength(req: Request, limit: number): number | null {
  const header = req.headers['content-length'];
  if (header === undefined) return null;
  const length = Number(header);
  if (length > limit) {
    throw new ApiError('BODY_TOO_LARGE', `the request body is ${formatBytes(length)}; the limit is ${formatBytes(limit)}`);
  }
  return length;
}

function rawMismatch(got: string, query: RawImageQuery, expected: number): ApiError {
  const { width, height, bitDepth } = query;
  return new ApiError('BAD_IMAGE', `got ${got} bytes, but ${width}×${height} RGBA at ${bitDepth} bits needs exactly ${expected} bytes`);
}

/** Reads a raw RGBA body straight into shared memory; the byte count must match the query exactly. */
export function readRawUpload(req: Request, query: RawImageQuery, limits: Limits): Promise<RawImage> {
  const { width, height, bitDepth } = query;
  const expected = width * height * 4 * (bitDepth / 8);
  const declared = checkDeclaredLength(req, limits.maxImageBytes);
  if (declared !== null && declared !== expected) throw rawMismatch(String(declared), query, expected);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body charset or content encoding (send UTF-8, uncompressed)');
  }
  const shared = lazySharedBuffer(expected);
  const bytes = new Uint8Array(shared, 0, expected);
  let offset = 0;
  let copiedThisTurn = 0;
  return new Promise((resolve, reject) => {
    const fail = (error: ApiError): void => {
      req.off('data', onData);
      // The rest of the body is not wanted; the error answer closes the connection.
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      if (offset + chunk.length > expected) {
        fail(rawMismatch(`more than ${expected}`, query, expected));
        return;
      }
      bytes.set(chunk, offset);
      offset += chunk.length;
      copiedThisTurn += chunk.length;
      if (copiedThisTurn >= UPLOAD_TURN_BYTES && !req.isPaused()) {
        // The rest waits in the socket (its buffer, then TCP's window) until the next turn.
        req.pause();
        setImmediate(() => {
          copiedThisTurn = 0;
          req.resume();
        });
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (offset !== expected) {
        reject(rawMismatch(String(offset), query, expected));
        return;
      }
      const data = bitDepth === 16 ? new Uint16Array(shared, 0, expected / 2) : bytes;
      resolve({ width, height, channels: 4, bitDepth, data });
    });
    req.once('aborted', () => reject(new ApiError('INVALID_REQUEST', 'the request was aborted before its body arrived')));
    req.once('error', () => reject(new ApiError('INVALID_REQUEST', 'the request was aborted before its body arrived')));
  });
}

/** Moves an image's pixels into shared memory in slices, yielding between them, so no copy stalls the loop. */
export async function toSharedImage(image: RawImage): Promise<RawImage> {
  if (image.data.buffer instanceof SharedArrayBuffer) return image;
  const source = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const shared = lazySharedBuffer(source.byteLength);
  const target = new Uint8Array(shared, 0, source.byteLength);
  for (let start = 0; start < source.byteLength; start += COPY_SLICE_BYTES) {
    if (start > 0) await new Promise((r) => setImmediate(r));
    target.set(source.subarray(start, start + COPY_SLICE_BYTES), start);
  }
  const data = image.bitDepth === 16 ? new Uint16Array(shared, 0, source.byteLength / 2) : target;
  return { ...image, data };
}
