import type { RawImage } from '../engine/types';
import { Tensor, tensor } from '../tensor';

// A module-level alias: inside jest's vm sandbox a `Math.round` per pixel is a slow global lookup.
const { round } = Math;

/** Largest sample value of a bit depth. */
export function maxSample(bitDepth: 8 | 16): number {
  return bitDepth === 16 ? 65535 : 255;
}

/**
 * Interleaved 8/16-bit RGB(A) → NCHW [1,3,H,W] in [-1, 1], as the VAE expects. Alpha is not part of it.
 * `into`, when its length fits, is written over instead of a new array (see PipelineContext.scratch).
 */
export function rawToModelTensor(image: RawImage, into?: Float32Array): Tensor {
  const { width, height, channels } = image;
  const out = into?.length === 3 * width * height ? into : new Float32Array(3 * width * height);
  // One loop per array type keeps each loop monomorphic (several times faster than a union-typed loop).
  if (image.data instanceof Uint16Array) deinterleave(image.data, channels, 2 / 65535, out);
  else deinterleave(image.data, channels, 2 / 255, out);
  return tensor(out, [1, 3, height, width]);
}

function deinterleave<T extends Uint8Array | Uint16Array>(data: T, channels: number, scale: number, out: Float32Array): void {
  const plane = out.length / 3;
  const g = plane;
  const b = 2 * plane;
  for (let i = 0, s = 0; i < plane; i++, s += channels) {
    out[i] = data[s] * scale - 1;
    out[g + i] = data[s + 1] * scale - 1;
    out[b + i] = data[s + 2] * scale - 1;
  }
}

/**
 * NCHW [1,3,H,W] in [-1,1] → interleaved pixels: round(clip((x + 1) / 2, 0, 1) × max), as diffusers does.
 * With `alphaFrom`, the alpha channel of that image is copied through untouched.
 */
export function modelTensorToRaw(t: Tensor, bitDepth: 8 | 16, alphaFrom?: RawImage): RawImage {
  const [, , height, width] = t.dims;
  const channels = alphaFrom && alphaFrom.channels === 4 ? 4 : 3;
  const plane = width * height;
  const data = bitDepth === 16 ? new Uint16Array(plane * channels) : new Uint8Array(plane * channels);
  quantize(t.data, plane, channels, maxSample(bitDepth), data);
  if (channels === 4 && alphaFrom) copyAlpha(alphaFrom, data, bitDepth);
  return { width, height, channels, bitDepth, data };
}

function quantize<T extends Uint8Array | Uint16Array>(src: Float32Array, plane: number, channels: number, max: number, out: T): void {
  const half = max / 2;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let i = 0, o = c; i < plane; i++, o += channels) {
      // (x + 1) / 2 · max, clipped, rounded half up: v ≥ 0 here, so truncating v + 0.5 is Math.round.
      const v = (src[base + i] + 1) * half;
      out[o] = v <= 0 ? 0 : v >= max ? max : (v + 0.5) | 0;
    }
  }
}

function copyAlpha(from: RawImage, into: Uint8Array | Uint16Array, bitDepth: 8 | 16): void {
  const plane = from.width * from.height;
  // Same depth: copy bits exactly. (Depth never changes in our pipelines; the rescale is for safety.)
  const factor = from.bitDepth === bitDepth ? 1 : maxSample(bitDepth) / maxSample(from.bitDepth);
  for (let i = 0; i < plane; i++) into[i * 4 + 3] = round(from.data[i * 4 + 3] * factor);
}

/** Mirror an index into [0, size) without repeating the edge sample (numpy's "reflect"). */
export function reflectIndex(i: number, size: number): number {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m < size ? m : period - m;
}

/** Pads an NCHW tensor on the right and bottom by reflection to outWidth×outHeight. */
export function reflectPad(t: Tensor, outWidth: number, outHeight: number): Tensor {
  const [n, c, height, width] = t.dims;
  if (outWidth === width && outHeight === height) return t;
  const out = new Float32Array(n * c * outHeight * outWidth);
  for (let p = 0; p < n * c; p++) {
    const src = p * height * width;
    const dst = p * outHeight * outWidth;
    for (let y = 0; y < outHeight; y++) {
      const row = src + reflectIndex(y, height) * width;
      const outRow = dst + y * outWidth;
      out.set(t.data.subarray(row, row + width), outRow);
      for (let x = width; x < outWidth; x++) out[outRow + x] = t.data[row + reflectIndex(x, width)];
    }
  }
  return tensor(out, [n, c, outHeight, outWidth]);
}

/** The top-left width×height window of an NCHW tensor (or any window with x, y). */
export function cropTensor(t: Tensor, width: number, height: number, x = 0, y = 0): Tensor {
  const [n, c, inHeight, inWidth] = t.dims;
  if (x === 0 && y === 0 && width === inWidth && height === inHeight) return t;
  const out = new Float32Array(n * c * height * width);
  for (let p = 0; p < n * c; p++) {
    for (let row = 0; row < height; row++) {
      const src = p * inHeight * inWidth + (y + row) * inWidth + x;
      out.set(t.data.subarray(src, src + width), (p * height + row) * width);
    }
  }
  return tensor(out, [n, c, height, width]);
}
