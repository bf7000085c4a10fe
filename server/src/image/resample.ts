/**
 * Lanczos-3 resampling of planar float images, separable (rows, then columns).
 * Ours rather than sharp's: sharp (0.35) truncates raw 16-bit and float input to 8 bits, and crop fitting
 * must resample the model's float output back to the crop without quantising it twice.
 */

const LOBES = 3;

// Module-level aliases: inside jest's vm sandbox a `Math.sin` per tap is a slow global lookup.
const { ceil, floor, PI, sin } = Math;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = PI * x;
  return sin(px) / px;
}

function lanczos(x: number): number {
  return x > -LOBES && x < LOBES ? sinc(x) * sinc(x / LOBES) : 0;
}

/** For each output index: the first input index it reads and its normalised weights (edges clamped). */
export interface Taps {
  start: Int32Array;
  count: number;
  weights: Float32Array;
}

export function computeTaps(inSize: number, outSize: number): Taps {
  const scale = outSize / inSize;
  // When shrinking, widen the kernel so every input pixel contributes (antialiasing), as libvips does.
  const support = scale < 1 ? LOBES / scale : LOBES;
  const filterScale = scale < 1 ? scale : 1;
  const count = ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const weights = new Float32Array(outSize * count);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) / scale - 0.5; // pixel centres aligned, as every image library does
    const first = floor(center - support) + 1;
    start[o] = first;
    let sum = 0;
    for (let k = 0; k < count; k++) {
      const w = lanczos((first + k - center) * filterScale);
      weights[o * count + k] = w;
      sum += w;
    }
    for (let k = 0; k < count; k++) weights[o * count + k] /= sum;
  }
  return { start, count, weights };
}

export function clampIndex(i: number, size: number): number {
  return i < 0 ? 0 : i >= size ? size - 1 : i;
}

/** Resample `channels` planes of width×height to outWidth×outHeight. */
export function resizeLanczos(
  planes: Float32Array,
  channels: number,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Float32Array {
  if (outWidth === width && outHeight === height) return planes.slice();
  const tx = computeTaps(width, outWidth);
  const ty = computeTaps(height, outHeight);
  const rows = new Float32Array(channels * height * outWidth);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const src = (c * height + y) * width;
      const dst = (c * height + y) * outWidth;
      for (let o = 0; o < outWidth; o++) {
        let acc = 0;
        const base = o * tx.count;
        const first = tx.start[o];
        for (let k = 0; k < tx.count; k++) {
          const w = tx.weights[base + k];
          if (w !== 0) acc += w * planes[src + clampIndex(first + k, width)];
        }
        rows[dst + o] = acc;
      }
    }
  }
  const out = new Float32Array(channels * outHeight * outWidth);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * outWidth;
    for (let o = 0; o < outHeight; o++) {
      const dst = (c * outHeight + o) * outWidth;
      const base = o * ty.count;
      const first = ty.start[o];
      for (let k = 0; k < ty.count; k++) {
        const w = ty.weights[base + k];
        if (w === 0) continue;
        const src = plane + clampIndex(first + k, height) * outWidth;
        for (let x = 0; x < outWidth; x++) out[dst + x] += w * rows[src + x];
      }
    }
  }
  return out;
}
