/**
 * One Lanczos resize (and crop) on its own thread, started by resize-off-thread.ts: the image comes in
 * shared memory and the result goes back in shared memory, so neither crossing copies on the main thread,
 * and a job that takes the result posts it to the inference worker without a copy either.
 */
import { parentPort, workerData } from 'worker_threads';
import type { RawImage } from '../engine/types';
import { resizeRawLanczos } from './resize-raw';

export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ResizeRequest {
  image: RawImage;
  width: number;
  height: number;
  /** Taken from the resized image (A1111's "crop and resize"). */
  crop?: CropRect;
}

/** The rectangle of `image` (or all of it) copied into shared memory. */
function sharedCrop(image: RawImage, rect: CropRect): RawImage {
  const { channels } = image;
  const samples = rect.width * rect.height * channels;
  const shared = new SharedArrayBuffer(samples * (image.bitDepth / 8));
  const data = image.bitDepth === 16 ? new Uint16Array(shared) : new Uint8Array(shared);
  for (let row = 0; row < rect.height; row++) {
    const start = ((rect.y + row) * image.width + rect.x) * channels;
    data.set(image.data.subarray(start, start + rect.width * channels), row * rect.width * channels);
  }
  return { ...image, width: rect.width, height: rect.height, data };
}

if (!parentPort) throw new Error('image/resize-thread.ts must run in a worker thread');
const { image, width, height, crop } = workerData as ResizeRequest;
const resized = resizeRawLanczos(image, width, height);
parentPort.postMessage(sharedCrop(resized, crop ?? { x: 0, y: 0, width, height }));
