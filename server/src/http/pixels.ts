/** Raw RGBA on the wire ↔ RawImage, and sending an image as PNG or raw bytes by the `Accept` header. */
import type { Request, Response } from 'express';
import { ApiError, RAW_HEADERS, type ImageInfo, type RawImageQuery } from '../../../shared/src';
import type { RawImage } from '../engine/types';

/** The wire format is little-endian (what every Windows and macOS machine is), so 16-bit data is copied as is. */
export function rawFromBytes(body: Uint8Array, query: RawImageQuery): RawImage {
  const { width, height, bitDepth } = query;
  const expected = width * height * 4 * (bitDepth / 8);
  if (body.byteLength !== expected) {
    throw new ApiError(
      'BAD_IMAGE',
      `got ${body.byteLength} bytes, but ${width}×${height} RGBA at ${bitDepth} bits needs exactly ${expected} bytes`,
    );
  }
  // Copies: the body buffer may be a slice of a shared pool and need not be 2-byte aligned.
  const data = bitDepth === 16 ? new Uint16Array(expected / 2) : new Uint8Array(expected);
  new Uint8Array(data.buffer).set(body);
  return { width, height, channels: 4, bitDepth, data };
}

/** RGB gets an opaque alpha; RGBA is returned as is. */
export function toRgba(image: RawImage): RawImage {
  if (image.channels === 4) return image;
  const pixels = image.width * image.height;
  const opaque = image.bitDepth === 16 ? 65535 : 255;
  const data = image.bitDepth === 16 ? new Uint16Array(pixels * 4) : new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    data[i * 4] = image.data[i * 3];
    data[i * 4 + 1] = image.data[i * 3 + 1];
    data[i * 4 + 2] = image.data[i * 3 + 2];
    data[i * 4 + 3] = opaque;
  }
  return { width: image.width, height: image.height, channels: 4, bitDepth: image.bitDepth, data };
}

export function imageInfo(image: RawImage): ImageInfo {
  return { width: image.width, height: image.height, bitDepth: image.bitDepth, channels: 4 };
}

/** 'raw' for `Accept: application/octet-stream`, 'png' otherwise (PNG is the default for `*\/*`). */
export function wantedFormat(req: Request): 'png' | 'raw' {
  const choice = req.accepts(['image/png', 'application/octet-stream']);
  if (choice === false) {
    throw new ApiError('NOT_ACCEPTABLE', 'images are sent as image/png or application/octet-stream (raw RGBA)');
  }
  return choice === 'application/octet-stream' ? 'raw' : 'png';
}

/** Pixels per write of a raw download: small enough that no single write holds the event loop for long. */
export const RAW_CHUNK_PIXELS = 64 * 1024;
/**
 * Bytes a download may queue before it waits for the socket to drain: a typical result (1 MB at 512²)
 * goes out without a wait per slice, a 4096² one still streams with bounded memory.
 */
const RAW_QUEUE_BYTES = 8 * 2 ** 20;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function drained(res: Response): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Sends the image as raw RGBA, one slice per turn of the event loop, with back-pressure past
 * RAW_QUEUE_BYTES queued: a 4096² result is 64–128 MB, and one write of it kept the event loop in the
 * kernel's socket copy for ~85 ms. Waiting for 'drain' alone is not enough: while the client's receive
 * buffer has room (up to 32 MB on Linux loopback) every write completes at once and 'drain' comes in the
 * same turn, so the slices ran back to back for 60–370 ms (upscale-http-bench's stored-entry download,
 * server profiled: all of it in the socket copy). An RGB image is widened to RGBA slice by slice for the
 * same reason. Stops early if the client goes away.
 */
export async function sendRaw(res: Response, image: RawImage): Promise<void> {
  const bytesPerSample = image.bitDepth / 8;
  const pixels = image.width * image.height;
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', String(pixels * 4 * bytesPerSample));
  res.setHeader(RAW_HEADERS.width, String(image.width));
  res.setHeader(RAW_HEADERS.height, String(image.height));
  res.setHeader(RAW_HEADERS.bitDepth, String(image.bitDepth));
  for (let first = 0; first < pixels && !res.destroyed; first += RAW_CHUNK_PIXELS) {
    if (first > 0) await nextTurn();
    const slice = rgbaSlice(image, first, Math.min(pixels, first + RAW_CHUNK_PIXELS));
    if (!res.write(Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength)) && res.writableLength >= RAW_QUEUE_BYTES) await drained(res);
  }
  res.end();
}

/** Pixels [first, end) of the image as RGBA samples: a view for RGBA, a widened copy for RGB. */
function rgbaSlice(image: RawImage, first: number, end: number): Uint8Array | Uint16Array {
  if (image.channels === 4) return image.data.subarray(first * 4, end * 4);
  const part: RawImage = { ...image, width: end - first, height: 1, data: image.data.subarray(first * 3, end * 3) };
  return toRgba(part).data;
}
