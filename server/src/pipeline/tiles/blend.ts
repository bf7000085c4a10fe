import type { Tile, TileLayout } from './layout';

/**
 * Blend weights of a tile layout.
 *
 * The layout is a grid, so a tile's weight is the product of a column profile and a row profile, and the
 * sum over all tiles is (Σ column profiles) × (Σ row profiles). Normalising each axis to sum 1 therefore
 * makes the 2-D weights sum to 1 at every pixel without any canvas-sized weight map: the whole state is
 * one short profile per tile column and per tile row.
 *
 * - 'cosine': a tile's weight rises as sin²(π/2 · t) across the *whole* overlap with its left (upper)
 *   neighbour and falls the same way across the whole overlap with its right (lower) one; t runs over
 *   pixel centres, so the weight is never exactly 0 inside a tile. Two overlapping ramps already sum to
 *   1 (sin² + cos²); normalising only matters where three tiles overlap.
 * - 'none': hard cuts: each pixel belongs to the tile whose centre is nearest (used to show that the
 *   seam tests see seams).
 */
export type BlendMode = 'cosine' | 'none';

export interface BlendWeights {
  /** Per tile column: normalised weights over the tile's width. */
  readonly columns: readonly Float32Array[];
  /** Per tile row: normalised weights over the tile's height. */
  readonly rows: readonly Float32Array[];
}

export function blendWeights(layout: TileLayout, mode: BlendMode = 'cosine'): BlendWeights {
  return {
    columns: axisWeights(layout.columnOrigins, layout.tileWidth, layout.canvasWidth, mode),
    rows: axisWeights(layout.rowOrigins, layout.tileHeight, layout.canvasHeight, mode),
  };
}

/** The tile's weight map (height × width, row-major); for tests and inspection: the assembler multiplies the profiles on the fly. */
export function tileWeightMap(weights: BlendWeights, tile: Tile): Float32Array {
  const columnWeights = weights.columns[tile.column];
  const rowWeights = weights.rows[tile.row];
  const { width, height } = tile.rect;
  const map = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) map[y * width + x] = rowWeights[y] * columnWeights[x];
  }
  return map;
}

/** Normalised 1-D weights of each tile along one axis. */
export function axisWeights(
  origins: readonly number[],
  extent: number,
  canvasExtent: number,
  mode: BlendMode,
): Float32Array[] {
  const raw = origins.map((_, i) => rawAxisWeights(origins, i, extent, mode));
  const sum = new Float64Array(canvasExtent);
  raw.forEach((weights, i) => {
    for (let p = 0; p < extent; p++) sum[origins[i] + p] += weights[p];
  });
  return raw.map((weights, i) => {
    const normalised = new Float32Array(extent);
    for (let p = 0; p < extent; p++) normalised[p] = weights[p] / sum[origins[i] + p];
    return normalised;
  });
}

function rawAxisWeights(origins: readonly number[], i: number, extent: number, mode: BlendMode): Float64Array {
  const start = origins[i];
  const weights = new Float64Array(extent);
  for (let p = 0; p < extent; p++) {
    const position = start + p + 0.5; // pixel centre
    weights[p] = mode === 'none' ? nearestCentreWeight(origins, i, extent, position) : cosineWeight(origins, i, extent, position);
  }
  return weights;
}

function cosineWeight(origins: readonly number[], i: number, extent: number, position: number): number {
  let weight = 1;
  if (i > 0) {
    const overlapEnd = origins[i - 1] + extent; // the overlap with the previous tile is [origin, overlapEnd)
    if (position < overlapEnd) weight *= raisedCosine((position - origins[i]) / (overlapEnd - origins[i]));
  }
  if (i < origins.length - 1) {
    const overlapStart = origins[i + 1];
    const end = origins[i] + extent;
    if (position > overlapStart) weight *= raisedCosine((end - position) / (end - overlapStart));
  }
  return weight;
}

/** 0 → 0 and 1 → 1 with zero slope at both ends; raisedCosine(t) + raisedCosine(1 − t) = 1. */
function raisedCosine(t: number): number {
  const s = Math.sin((Math.PI / 2) * t);
  return s * s;
}

function nearestCentreWeight(origins: readonly number[], i: number, extent: number, position: number): number {
  const distance = (j: number): number => Math.abs(position - (origins[j] + extent / 2));
  // Ties go to the earlier tile, so exactly one tile owns each pixel.
  for (let j = 0; j < origins.length; j++) {
    if (j !== i && (distance(j) < distance(i) || (distance(j) === distance(i) && j < i))) return 0;
  }
  return 1;
}
