import type { RawImage } from '../engine/types';
import { maxSample } from './convert';
import { resizeLanczos } from './resample';

// A module-level alias: inside jest's vm sandbox `Math.round` in a per-sample loop is a slow global lookup.
const { round } = Math;

/**
 * Lanczos-3 resize of interleaved 8/16-bit pixels, one channel at a time: every channel, alpha included,
 * goes through the same filter independently (no premultiplication, so the colour under transparent
 * pixels survives), 16-bit stays 16-bit, and the float scratch is one channel's worth, not the image's.
 */
export function resizeRawLanczos(image: RawImage, width: number, height: number): RawImage {
  const { channels, data } = image;
  if (width === image.width && height === image.height) return { ...image, data: data.slice() };
  const max = maxSample(image.bitDepth);
  const out = image.bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  const plane = new Float32Array(image.width * image.height);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane.length; i++) plane[i] = data[i * channels + c];
    const resized = resizeLanczos(plane, 1, image.width, image.height, width, height);
    // Lanczos overshoots at edges: clip to the sample range.
    for (let i = 0; i < resized.length; i++) {
      const v = resized[i];
      out[i * channels + c] = v <= 0 ? 0 : v >= max ? max : round(v);
    }
  }
  return { width, height, channels, bitDepth: image.bitDepth, data: out };
}
