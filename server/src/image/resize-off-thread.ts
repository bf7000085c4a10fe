/**
 * resizeRawLanczos (and a crop) on a worker thread, for resizes the HTTP side needs (the A1111 routes'
 * init images): a 2048² Lanczos resize is hundreds of milliseconds of the event loop otherwise. One
 * short-lived thread per resize: they are rare (an A1111 img2img whose init image is not the size asked
 * for), and a thread that exits when done needs no closing. The upscale's own resize runs in the
 * inference worker.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { RawImage } from '../engine/types';
import { toSharedImage } from '../http/upload-body';
import type { CropRect, ResizeRequest } from './resize-thread';

const ENTRY = path.join(__dirname, 'resize-thread-entry.js');

/** The image resized to width×height, then cropped to `crop` if given; the result is in shared memory. */
export async function resizeRawOffThread(image: RawImage, width: number, height: number, crop?: CropRect): Promise<RawImage> {
  // In shared memory the pixels cross to the thread without a structured-clone copy here.
  const request: ResizeRequest = { image: await toSharedImage(image), width, height, crop };
  return new Promise((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: request });
    let result: RawImage | null = null;
    worker.once('message', (resized: RawImage) => {
      result = resized;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the resize thread stopped (exit code ${code}) before answering`))));
  });
}
