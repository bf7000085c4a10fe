import { axisOrigins, axisTileCount, planTiles, TileLayout, TileOptions } from '../../../../../server/src/pipeline/tiles/layout';
import { containsRect, rect } from '../../../../../server/src/pipeline/tiles/rect';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const SIZES: [number, number][] = [
  [512, 512],
  [513, 513],
  [700, 700],
  [1024, 1024],
  [1500, 400],
  [4000, 3000],
];
const OPTIONS: TileOptions[] = [
  { tileSize: 512, overlap: 64 },
  { tileSize: 512, overlap: 0 },
  { tileSize: 512, overlap: 100 },
  { tileSize: 512, overlap: 255 },
  { tileSize: 768, overlap: 128 },
  { tileSize: 256, overlap: 32 },
  { tileSize: 64, overlap: 8 },
  { tileSize: 512, overlap: 64, canvasAlign: 64 },
];

/** The count rule, written out independently of the implementation: n = 1 + ⌈S / m⌉ in latent cells. */
function expectedCount(canvas: number, tile: number, overlap: number): number {
  if (canvas <= tile) return 1;
  return 1 + math.ceil((canvas - tile) / 8 / math.floor((tile - overlap) / 8));
}

/** Brute force: fewest 8-aligned tiles inside [0, canvas) covering it with overlaps ≥ overlap (BFS). */
function bruteForceCount(canvas: number, tile: number, overlap: number): number {
  if (canvas <= tile) return 1;
  const last = canvas - tile; // the only origin that reaches the end while staying inside
  const tilesTo = new Map<number, number>([[0, 1]]);
  const queue = [0];
  while (queue.length > 0) {
    const origin = queue.shift() as number;
    if (origin === last) return tilesTo.get(origin) as number;
    for (let next = origin + 8; next <= math.min(last, origin + tile - overlap); next += 8) {
      if (!tilesTo.has(next)) {
        tilesTo.set(next, (tilesTo.get(origin) as number) + 1);
        queue.push(next);
      }
    }
  }
  throw new Error('unreachable');
}

/**
 * What is wrong with one axis's tile origins, in words (none: an empty list; values compared with
 * Object.is, as toBe does). Checked with one `toEqual([])` per axis rather than an expect per origin:
 * jest's expect costs more CPU than the layout.
 */
function axisProblems(origins: readonly number[], extent: number, canvas: number, overlap: number): string[] {
  const problems: string[] = [];
  if (!Object.is(origins[0], 0)) problems.push(`first origin ${origins[0]}`);
  // Covered to the end, never beyond.
  if (!Object.is(origins[origins.length - 1] + extent, canvas)) problems.push(`last tile ends at ${origins[origins.length - 1] + extent}, canvas ${canvas}`);
  for (const origin of origins) if (!Object.is(origin % 8, 0)) problems.push(`origin ${origin} not 8-aligned`);
  const steps = origins.slice(1).map((o, i) => o - origins[i]);
  for (const step of steps) {
    if (!(step > 0)) problems.push(`step ${step}`);
    if (!(extent - step >= overlap)) problems.push(`overlap ${extent - step} < ${overlap}`); // adjacent overlap ≥ requested
  }
  // Even spread: no sliver, steps differ by at most one latent cell.
  if (steps.length > 0 && !(math.max(...steps) - math.min(...steps) <= 8)) problems.push(`steps ${steps.join(', ')} differ by more than 8`);
  return problems;
}

function checkAxis(origins: readonly number[], extent: number, canvas: number, overlap: number): void {
  expect(axisProblems(origins, extent, canvas, overlap)).toEqual([]);
}

/**
 * The least number of tiles over any image pixel. The tiles are the grid of column × row origins (checked
 * below), so a pixel's count is (tiles over its column) × (tiles over its row).
 */
function minCoverage(layout: TileLayout): number {
  const axisMin = (origins: readonly number[], extent: number, imageExtent: number): number => {
    const counts = new Uint16Array(imageExtent);
    for (const origin of origins) {
      for (let p = origin; p < math.min(origin + extent, imageExtent); p++) counts[p]++;
    }
    return counts.reduce((a, b) => math.min(a, b), 65535);
  };
  return (
    axisMin(layout.columnOrigins, layout.tileWidth, layout.imageWidth) *
    axisMin(layout.rowOrigins, layout.tileHeight, layout.imageHeight)
  );
}

describe('planTiles', () => {
  const cases = SIZES.flatMap(([width, height]) => OPTIONS.map((options) => ({ width, height, options })));

  it.each(cases)('$width×$height with $options: covered, inside, aligned, overlapping, minimal', ({ width, height, options }) => {
    const layout = planTiles(width, height, options);
    const align = options.canvasAlign ?? 8;
    const { tileSize, overlap } = options;

    expect(layout.canvasWidth % align).toBe(0);
    expect(layout.canvasHeight % align).toBe(0);
    expect(layout.canvasWidth - width).toBeGreaterThanOrEqual(0);
    expect(layout.canvasWidth - width).toBeLessThan(align);
    expect(layout.canvasHeight - height).toBeLessThan(align);
    expect(layout.tileWidth).toBe(math.min(tileSize, layout.canvasWidth));
    expect(layout.tileHeight).toBe(math.min(tileSize, layout.canvasHeight));

    checkAxis(layout.columnOrigins, layout.tileWidth, layout.canvasWidth, overlap);
    checkAxis(layout.rowOrigins, layout.tileHeight, layout.canvasHeight, overlap);
    expect(layout.columnOrigins).toHaveLength(expectedCount(layout.canvasWidth, tileSize, overlap));
    expect(layout.rowOrigins).toHaveLength(expectedCount(layout.canvasHeight, tileSize, overlap));
    expect(layout.tiles).toHaveLength(layout.columnOrigins.length * layout.rowOrigins.length);

    // Each tile: its index, inside the canvas, at its column's and row's origins, tile-sized (the tiles
    // that are not, with what they are; one assertion for all of them).
    const canvas = rect(0, 0, layout.canvasWidth, layout.canvasHeight);
    const wrongTiles = layout.tiles.filter((tile, index) =>
      !Object.is(tile.index, index) ||
      !containsRect(canvas, tile.rect) ||
      !Object.is(tile.rect.x, layout.columnOrigins[tile.column]) ||
      !Object.is(tile.rect.y, layout.rowOrigins[tile.row]) ||
      !Object.is(tile.rect.width, layout.tileWidth) ||
      !Object.is(tile.rect.height, layout.tileHeight));
    expect(wrongTiles).toEqual([]);
    // Row-major order: the assembler relies on it.
    const order = layout.tiles.map((t) => t.row * layout.columnOrigins.length + t.column);
    expect(order).toEqual(order.map((_, i) => i));
    expect(minCoverage(layout)).toBeGreaterThanOrEqual(1);
  });

  // Expected origins worked out by hand: S latent cells between first and last origin, split into n − 1 steps.
  it.each([
    { size: [512, 512], columns: [0], rows: [0], tile: [512, 512] },
    { size: [510, 300], columns: [0], rows: [0], tile: [512, 304] }, // canvas 512×304: one tile
    { size: [513, 513], columns: [0, 8], rows: [0, 8], tile: [512, 512] }, // canvas 520
    { size: [700, 700], columns: [0, 192], rows: [0, 192], tile: [512, 512] }, // canvas 704
    { size: [1024, 1024], columns: [0, 256, 512], rows: [0, 256, 512], tile: [512, 512] },
    { size: [1500, 400], columns: [0, 328, 664, 992], rows: [0], tile: [512, 400] }, // canvas 1504: 124 cells / 3
    { size: [968, 512], columns: [0, 232, 456], rows: [0], tile: [512, 512] }, // 57 cells > 56: three tiles
    {
      size: [4000, 3000],
      columns: [0, 440, 872, 1312, 1744, 2184, 2616, 3056, 3488],
      rows: [0, 416, 832, 1248, 1656, 2072, 2488],
      tile: [512, 512],
    },
  ])('tile 512, overlap 64: $size → columns $columns, rows $rows', ({ size, columns, rows, tile }) => {
    const layout = planTiles(size[0], size[1], { tileSize: 512, overlap: 64 });
    expect(layout.columnOrigins).toEqual(columns);
    expect(layout.rowOrigins).toEqual(rows);
    expect([layout.tileWidth, layout.tileHeight]).toEqual(tile);
  });

  it('pads to the requested canvas alignment', () => {
    const layout = planTiles(513, 300, { tileSize: 512, overlap: 64, canvasAlign: 64 });
    expect([layout.canvasWidth, layout.canvasHeight]).toEqual([576, 320]);
    expect(layout.columnOrigins).toEqual([0, 64]);
    expect(layout.tileHeight).toBe(320);
  });

  it('the count formula equals a brute-force search for the fewest aligned tiles', () => {
    // Every disagreement and every bad axis, in one list: an expect per canvas size costs more than the search.
    const wrong: string[] = [];
    for (const [tile, overlap] of [[512, 64], [512, 100], [256, 0], [64, 31], [768, 300]]) {
      for (let canvas = 8; canvas <= 2400; canvas += 8) {
        const [count, fewest] = [axisTileCount(canvas, tile, overlap), bruteForceCount(canvas, tile, overlap)];
        if (!Object.is(count, fewest)) wrong.push(`canvas ${canvas}, tile ${tile}, overlap ${overlap}: ${count} tiles, fewest ${fewest}`);
        const problems = axisProblems(axisOrigins(canvas, tile, overlap), math.min(tile, canvas), canvas, overlap);
        if (problems.length > 0) wrong.push(`canvas ${canvas}, tile ${tile}, overlap ${overlap}: ${problems.join('; ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it.each([
    [{ width: 0, height: 10, tileSize: 512, overlap: 64 }, /image size must be positive whole pixels, got 0×10/],
    [{ width: 10.5, height: 10, tileSize: 512, overlap: 64 }, /image size/],
    [{ width: 100, height: 100, tileSize: 500, overlap: 64 }, /tile size must be a multiple of 8 of at least 64 px, got 500/],
    [{ width: 100, height: 100, tileSize: 56, overlap: 8 }, /at least 64 px, got 56/],
    [{ width: 100, height: 100, tileSize: NaN, overlap: 8 }, /tile size/],
    [{ width: 100, height: 100, tileSize: 512, overlap: 256 }, /from 0 to 255 \(less than half the tile size 512\), got 256/],
    [{ width: 100, height: 100, tileSize: 512, overlap: -1 }, /tile overlap/],
    [{ width: 100, height: 100, tileSize: 512, overlap: 1.5 }, /tile overlap/],
    [{ width: 100, height: 100, tileSize: 512, overlap: 64, canvasAlign: 12 }, /canvas alignment must be a positive multiple of 8 px, got 12/],
  ])('rejects %o', ({ width, height, ...options }, message) => {
    expect(() => planTiles(width, height, options)).toThrow(message);
  });
});
