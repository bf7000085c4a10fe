import type { RawImage } from '../engine/types';
import { maxSample } from './convert';
import { clampIndex, computeTaps, type Taps } from './resample';

// A module-level alias: inside jest's vm sandbox `Math.round` in a per-sample loop is a slow global lookup.
const { fround, round } = Math;

type Samples = Uint8Array | Uint16Array;

/**
 * Lanczos-3 resize of interleaved 8/16-bit pixels. Every channel, alpha included, goes through the same
 * filter independently (no premultiplication, so the colour under transparent pixels survives; sharp
 * premultiplies, see test/unit/server/image/sharp-paths.test.ts), and 16-bit stays 16-bit.
 *
 * Separable and streamed: each output row is the weighted sum of a few horizontally resized input rows,
 * kept in a small ring (taps + 1 rows), so the float scratch is a few rows, not the image, and every pass
 * walks memory in order. The arithmetic is that of `resizeLanczos` (resample.ts) per channel, in the same
 * order and precision (double sums across a row, float32 sums down a column), so the pixels are identical
 * to resizing each channel as a plane (test/unit/server/image/resize-raw.test.ts checks that).
 */
export function resizeRawLanczos(image: RawImage, width: number, height: number): RawImage {
  const { channels, data } = image;
  if (width === image.width && height === image.height) return { ...image, data: data.slice() };
  const max = maxSample(image.bitDepth);
  const out = image.bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  const columns = clampedTaps(computeTaps(image.width, width), image.width);
  const rows = computeTaps(image.height, height);
  const rowLength = width * channels;
  const ringSize = rows.count + 1;
  const ring = Array.from({ length: ringSize }, () => new Float32Array(rowLength));
  const ringRow = new Int32Array(ringSize).fill(-1);
  const lines: Float32Array[] = [];
  const lineWeights = new Float32Array(rows.count);
  for (let o = 0; o < height; o++) {
    lines.length = 0;
    for (let k = 0; k < rows.count; k++) {
      const w = rows.weights[o * rows.count + k];
      if (w === 0) continue;
      const y = clampIndex(rows.start[o] + k, image.height);
      const slot = y % ringSize;
      if (ringRow[slot] !== y) {
        resizeRow(data, y * image.width * channels, channels, columns, ring[slot]);
        ringRow[slot] = y;
      }
      lineWeights[lines.length] = w;
      lines.push(ring[slot]);
    }
    sumLines(lines, lineWeights, max, out, o * rowLength);
  }
  return { width, height, channels, bitDepth: image.bitDepth, data: out };
}

/** Horizontal taps with their input indices clamped to the row. */
interface ClampedTaps {
  count: number;
  weights: Float32Array;
  /** Input column of each tap, clamped to [0, width). */
  index: Int32Array;
}

function clampedTaps(taps: Taps, inSize: number): ClampedTaps {
  const { count, start, weights } = taps;
  const index = new Int32Array(weights.length);
  for (let o = 0; o < start.length; o++) {
    for (let k = 0; k < count; k++) index[o * count + k] = clampIndex(start[o] + k, inSize);
  }
  return { count, weights, index };
}

/**
 * Output row = Σ weight × line, summed in float32 one line at a time (resample.ts's vertical pass adds each
 * line into a Float32Array), then clipped (Lanczos overshoots at edges) and rounded into `out`.
 */
function sumLines(lines: Float32Array[], weights: Float32Array, max: number, out: Samples, offset: number): void {
  if (lines.length === 6) {
    sumSixLines(lines, weights, max, out, offset);
    return;
  }
  const n = lines.length;
  const rowLength = lines[0].length;
  for (let x = 0; x < rowLength; x++) {
    let v = 0;
    for (let k = 0; k < n; k++) v = fround(v + weights[k] * lines[k][x]);
    out[offset + x] = v <= 0 ? 0 : v >= max ? max : round(v);
  }
}

/** sumLines unrolled for six lines: what Lanczos-3 reads per output row when enlarging by any factor. */
function sumSixLines(lines: Float32Array[], weights: Float32Array, max: number, out: Samples, offset: number): void {
  const [l0, l1, l2, l3, l4, l5] = lines;
  const [w0, w1, w2, w3, w4, w5] = weights;
  for (let x = 0; x < l0.length; x++) {
    let v = fround(w0 * l0[x]);
    v = fround(v + w1 * l1[x]);
    v = fround(v + w2 * l2[x]);
    v = fround(v + w3 * l3[x]);
    v = fround(v + w4 * l4[x]);
    v = fround(v + w5 * l5[x]);
    out[offset + x] = v <= 0 ? 0 : v >= max ? max : round(v);
  }
}

/** One input row (interleaved samples from `offset`) resized horizontally into `into`, all channels at once. */
function resizeRow(data: Samples, offset: number, channels: 3 | 4, taps: ClampedTaps, into: Float32Array): void {
  if (channels === 4) resizeRow4(data, offset, taps, into);
  else resizeRow3(data, offset, taps, into);
}

// Double sums stored as float32: resample.ts's horizontal pass, sample for sample, one loop per channel
// count so that each channel's sum stays in a register.
function resizeRow4(data: Samples, offset: number, taps: ClampedTaps, into: Float32Array): void {
  const { count, weights, index } = taps;
  for (let o = 0, base = 0; o < into.length; o += 4, base += count) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let k = base; k < base + count; k++) {
      const w = weights[k];
      if (w === 0) continue;
      const s = offset + index[k] * 4;
      r += w * data[s];
      g += w * data[s + 1];
      b += w * data[s + 2];
      a += w * data[s + 3];
    }
    into[o] = r;
    into[o + 1] = g;
    into[o + 2] = b;
    into[o + 3] = a;
  }
}

function resizeRow3(data: Samples, offset: number, taps: ClampedTaps, into: Float32Array): void {
  const { count, weights, index } = taps;
  for (let o = 0, base = 0; o < into.length; o += 3, base += count) {
    let r = 0, g = 0, b = 0;
    for (let k = base; k < base + count; k++) {
      const w = weights[k];
      if (w === 0) continue;
      const s = offset + index[k] * 3;
      r += w * data[s];
      g += w * data[s + 1];
      b += w * data[s + 2];
    }
    into[o] = r;
    into[o + 1] = g;
    into[o + 2] = b;
  }
}
