import { Rect, rect } from './rect';

/**
 * Tile layout of the tiled upscale.
 *
 * Rules:
 * - The layout covers a *canvas*: the image padded on the right and bottom to a multiple of `canvasAlign`
 *   (8 by default: one latent cell). The caller fills the padding (by reflection) when cutting tiles and
 *   drops it when assembling. So tile rectangles always lie inside the canvas, and stick out of the image
 *   by less than `canvasAlign` pixels only where the image size is not a multiple of it.
 * - Along each axis tiles are `tileSize` long, except when the canvas is shorter than that: then one tile
 *   spans the whole axis.
 * - Tile origins are multiples of 8, so each tile is an exact window of one shared latent noise field
 *   and two tiles see the same noise where they overlap.
 * - Adjacent tiles overlap by at least `overlap`. The count along an axis is the smallest one for which
 *   8-aligned origins can keep that overlap: with S = (canvas − tile) / 8 and m = floor((tile − overlap) / 8)
 *   (the longest step in latent cells), n = 1 + ceil(S / m).
 * - The n − 1 steps are spread evenly (they differ by at most 8 px), so there is no sliver tile; the last
 *   tile ends exactly at the canvas edge.
 */

export interface TileOptions {
  /** Side of a tile in pixels: a multiple of 8, at least 64. */
  tileSize: number;
  /** Least overlap of adjacent tiles in pixels: 0 ≤ overlap < tileSize / 2. */
  overlap: number;
  /**
   * The canvas is the image padded to a multiple of this (8 by default). A model whose UNet needs latents
   * divisible by 8 can ask for 64, so that a single small tile is a multiple of 64 too.
   */
  canvasAlign?: number;
}

export interface Tile {
  /** Position in `TileLayout.tiles` (row-major). */
  readonly index: number;
  readonly row: number;
  readonly column: number;
  /** In canvas pixels. */
  readonly rect: Rect;
}

export interface TileLayout {
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly canvasWidth: number;
  readonly canvasHeight: number;
  /** Actual tile extents: tileSize, or the canvas extent where the canvas is smaller. */
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** The requested options. */
  readonly tileSize: number;
  readonly overlap: number;
  /** Left edges of the tile columns and top edges of the tile rows, ascending. */
  readonly columnOrigins: readonly number[];
  readonly rowOrigins: readonly number[];
  /** Row by row, left to right. */
  readonly tiles: readonly Tile[];
}

/** One latent cell: SD's VAE maps 8×8 pixels to one latent. */
export const LATENT_CELL = 8;
export const MIN_TILE_SIZE = 64;

export function planTiles(width: number, height: number, options: TileOptions): TileLayout {
  const { tileSize, overlap } = options;
  const canvasAlign = options.canvasAlign ?? LATENT_CELL;
  validate(width, height, tileSize, overlap, canvasAlign);

  const canvasWidth = roundUp(width, canvasAlign);
  const canvasHeight = roundUp(height, canvasAlign);
  const columnOrigins = axisOrigins(canvasWidth, tileSize, overlap);
  const rowOrigins = axisOrigins(canvasHeight, tileSize, overlap);
  const tileWidth = Math.min(tileSize, canvasWidth);
  const tileHeight = Math.min(tileSize, canvasHeight);

  const tiles: Tile[] = [];
  rowOrigins.forEach((y, row) => {
    columnOrigins.forEach((x, column) => {
      tiles.push({ index: tiles.length, row, column, rect: rect(x, y, tileWidth, tileHeight) });
    });
  });
  return {
    imageWidth: width,
    imageHeight: height,
    canvasWidth,
    canvasHeight,
    tileWidth,
    tileHeight,
    tileSize,
    overlap,
    columnOrigins,
    rowOrigins,
    tiles,
  };
}

/** Evenly spread, 8-aligned origins of the fewest tiles that cover `canvasExtent` (a multiple of 8). */
export function axisOrigins(canvasExtent: number, tileSize: number, overlap: number): number[] {
  if (canvasExtent <= tileSize) return [0];
  const count = axisTileCount(canvasExtent, tileSize, overlap);
  const cells = (canvasExtent - tileSize) / LATENT_CELL;
  const steps = count - 1;
  // round(i · cells / steps) in exact integer arithmetic: consecutive origins differ by ⌊cells/steps⌋ or ⌈…⌉.
  return Array.from(
    { length: count },
    (_, i) => LATENT_CELL * Math.floor((2 * i * cells + steps) / (2 * steps)),
  );
}

/** The tile count along one axis (see the module comment for the formula). */
export function axisTileCount(canvasExtent: number, tileSize: number, overlap: number): number {
  if (canvasExtent <= tileSize) return 1;
  const longestStepCells = Math.floor((tileSize - overlap) / LATENT_CELL);
  return 1 + Math.ceil((canvasExtent - tileSize) / LATENT_CELL / longestStepCells);
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

function validate(width: number, height: number, tileSize: number, overlap: number, canvasAlign: number): void {
  if (!isPositiveInteger(width) || !isPositiveInteger(height)) {
    throw new Error(`image size must be positive whole pixels, got ${width}×${height}`);
  }
  if (!isPositiveInteger(tileSize) || tileSize < MIN_TILE_SIZE || tileSize % LATENT_CELL !== 0) {
    throw new Error(`tile size must be a multiple of ${LATENT_CELL} of at least ${MIN_TILE_SIZE} px, got ${tileSize}`);
  }
  // Below half a tile, a step of one tile minus the overlap is still longer than the overlap itself.
  if (!Number.isInteger(overlap) || overlap < 0 || overlap * 2 >= tileSize) {
    throw new Error(
      `tile overlap must be a whole number of pixels from 0 to ${tileSize / 2 - 1} (less than half the ` +
        `tile size ${tileSize}), got ${overlap}`,
    );
  }
  if (!isPositiveInteger(canvasAlign) || canvasAlign % LATENT_CELL !== 0) {
    throw new Error(`canvas alignment must be a positive multiple of ${LATENT_CELL} px, got ${canvasAlign}`);
  }
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}
