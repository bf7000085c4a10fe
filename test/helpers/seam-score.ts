import type { RawImage } from '../../server/src/engine/types';
import type { TileLayout } from '../../server/src/pipeline/tiles/layout';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

/**
 * Seam score: how much steeper an image is along tile boundaries than in the tile interior beside them.
 *
 * The image is reduced to grey and blurred (two box passes, ≈ Gaussian) to wash out fine texture. For each
 * boundary (a column x or a row y), the mean absolute gradient across it (|∂/∂x| for a column, over the
 * whole image height) in a narrow band around it is divided by the same mean in the two strips of tile
 * interior just beside the band. Comparing with the neighbourhood, not the whole image, keeps a tile whose
 * overall contrast differs from the picture's average from counting as a seam; a step along the boundary
 * raises the score. ≈ 1: nothing happens at the boundaries.
 *
 * With a `reference` (ideally the same job run as one tile: same model texture, no boundaries), each
 * boundary's ratio is divided by the reference's, so that what the picture and the model's texture do
 * along a boundary line anyway does not count.
 */

// Module-level aliases: inside jest's vm sandbox every `math.x` in a per-pixel loop is a slow global lookup.
const { abs, min, max } = Math;

export interface SeamBoundaries {
  /** x positions: a seam lies between columns x − 1 and x. */
  columns: number[];
  /** y positions: between rows y − 1 and y. */
  rows: number[];
}

export interface SeamScoreOptions {
  /** Radius of each of the two box-blur passes, px. */
  blurRadius?: number;
  reference?: RawImage;
}

export interface SeamScore {
  /** The worst band. */
  score: number;
  columns: number[];
  rows: number[];
}

/**
 * Where seams can appear for a layout: where each tile starts and ends inside the image, and the middle of
 * each overlap (where hard cuts fall).
 */
export function tileBoundaries(layout: TileLayout): SeamBoundaries {
  const axis = (origins: readonly number[], extent: number, imageExtent: number): number[] => {
    const positions = new Set<number>();
    for (let i = 1; i < origins.length; i++) {
      const start = origins[i];
      const previousEnd = origins[i - 1] + extent;
      for (const p of [start, math.round((start + previousEnd) / 2), previousEnd]) {
        if (p > 0 && p < imageExtent) positions.add(p);
      }
    }
    return [...positions].sort((a, b) => a - b);
  };
  return {
    columns: axis(layout.columnOrigins, layout.tileWidth, layout.imageWidth),
    rows: axis(layout.rowOrigins, layout.tileHeight, layout.imageHeight),
  };
}

export function seamScore(image: RawImage, boundaries: SeamBoundaries, options: SeamScoreOptions = {}): SeamScore {
  const blurRadius = options.blurRadius ?? 2;
  const own = bandRatios(image, boundaries, blurRadius);
  const reference = options.reference ? bandRatios(options.reference, boundaries, blurRadius) : null;
  const relative = (ratios: number[], referenceRatios: number[] | undefined): number[] =>
    ratios.map((ratio, i) => (referenceRatios ? ratio / referenceRatios[i] : ratio));
  const columns = relative(own.columns, reference?.columns);
  const rows = relative(own.rows, reference?.rows);
  const bands = [...columns, ...rows];
  return { score: bands.length > 0 ? math.max(...bands) : 1, columns, rows };
}

function bandRatios(image: RawImage, boundaries: SeamBoundaries, blurRadius: number): { columns: number[]; rows: number[] } {
  const { width, height } = image;
  const grey = blurredGrey(image, blurRadius);
  // Mean |∂/∂x| per gap between columns x and x + 1, and mean |∂/∂y| per gap between rows.
  const columnGradient = new Float64Array(math.max(0, width - 1));
  const rowGradient = new Float64Array(math.max(0, height - 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = grey[y * width + x];
      if (x + 1 < width) columnGradient[x] += abs(grey[y * width + x + 1] - v) / height;
      if (y + 1 < height) rowGradient[y] += abs(grey[(y + 1) * width + x] - v) / width;
    }
  }
  // A step between pixels b − 1 and b sits in gap b − 1; the blur spreads it over 2 · 2r more gaps.
  const halfWidth = 2 * blurRadius + 1;
  return {
    columns: ratiosOf(columnGradient, boundaries.columns, halfWidth),
    rows: ratiosOf(rowGradient, boundaries.rows, halfWidth),
  };
}

/** Band [b − h, b + h) against the interior strips of 3h gaps on either side. */
function ratiosOf(gradient: Float64Array, positions: number[], halfWidth: number): number[] {
  const strip = 3 * halfWidth;
  return positions.map((p) => {
    const band = mean(gradient, p - halfWidth, p + halfWidth);
    const before = mean(gradient, p - halfWidth - strip, p - halfWidth);
    const after = mean(gradient, p + halfWidth, p + halfWidth + strip);
    const beside = before === null ? after : after === null ? before : (before + after) / 2;
    if (band === null || beside === null) return 1;
    return beside > 0 ? band / beside : band > 0 ? Infinity : 1;
  });
}

/** Mean of values[from, to) clipped to the array, or null when nothing is left. */
function mean(values: Float64Array, from: number, to: number): number | null {
  const start = max(0, from);
  const end = min(values.length, to);
  if (end <= start) return null;
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i];
  return sum / (end - start);
}

/** Mean of R, G, B in [0,1], box-blurred twice along each axis (edges clamped). */
function blurredGrey(image: RawImage, radius: number): Float32Array {
  const { width, height, channels, data } = image;
  const maxValue = image.bitDepth === 16 ? 65535 : 255;
  let grey: Float32Array = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    grey[i] = (data[i * channels] + data[i * channels + 1] + data[i * channels + 2]) / (3 * maxValue);
  }
  for (let pass = 0; pass < 2; pass++) {
    grey = boxBlur(grey, width, height, radius, 1, width); // along rows
    grey = boxBlur(grey, height, width, radius, width, 1); // along columns
  }
  return grey;
}

/** Box blur of `lines` lines of `length` samples; sample k of line l is at l · lineStride + k · step. */
function boxBlur(source: Float32Array, length: number, lines: number, radius: number, step: number, lineStride: number): Float32Array {
  const out = new Float32Array(source.length);
  const at = (line: number, k: number): number => source[line * lineStride + min(length - 1, max(0, k)) * step];
  for (let line = 0; line < lines; line++) {
    let sum = 0;
    for (let k = -radius; k <= radius; k++) sum += at(line, k);
    for (let k = 0; k < length; k++) {
      out[line * lineStride + k * step] = sum / (2 * radius + 1);
      sum += at(line, k + radius + 1) - at(line, k - radius);
    }
  }
  return out;
}
