import { axisWeights, blendWeights, BlendMode, tileWeightMap } from '../../../../../server/src/pipeline/tiles/blend';
import { planTiles, TileOptions } from '../../../../../server/src/pipeline/tiles/layout';

/** Sum of every tile's weight map over the canvas, accumulated in float64. */
function weightSum(width: number, height: number, options: TileOptions, mode: BlendMode): { sum: Float64Array; canvasWidth: number } {
  const layout = planTiles(width, height, options);
  const weights = blendWeights(layout, mode);
  const sum = new Float64Array(layout.canvasWidth * layout.canvasHeight);
  for (const tile of layout.tiles) {
    const map = tileWeightMap(weights, tile);
    const { x, y, width: w, height: h } = tile.rect;
    for (let ty = 0; ty < h; ty++) {
      for (let tx = 0; tx < w; tx++) sum[(y + ty) * layout.canvasWidth + x + tx] += map[ty * w + tx];
    }
  }
  return { sum, canvasWidth: layout.canvasWidth };
}

function maxError(values: Float64Array): number {
  let worst = 0;
  // An index loop with no global lookups inside: iterating a typed array with for…of, or reading `Math`
  // (a global of jest's sandbox, reached through its context) per element, is many times slower there.
  for (let i = 0; i < values.length; i++) {
    const error = values[i] > 1 ? values[i] - 1 : 1 - values[i];
    if (error > worst) worst = error;
  }
  return worst;
}

describe('blend weights', () => {
  it.each([
    { size: [512, 512], options: { tileSize: 512, overlap: 64 } },
    { size: [513, 513], options: { tileSize: 512, overlap: 64 } }, // overlap 504
    { size: [700, 700], options: { tileSize: 512, overlap: 64 } },
    { size: [968, 700], options: { tileSize: 512, overlap: 64 } }, // three tiles over one column range
    { size: [1500, 400], options: { tileSize: 512, overlap: 64 } },
    { size: [1500, 1100], options: { tileSize: 256, overlap: 100 } },
    { size: [2000, 1300], options: { tileSize: 512, overlap: 0 } },
    { size: [1200, 900], options: { tileSize: 128, overlap: 63 } },
  ])('sum to 1 at every pixel: $size, $options', ({ size, options }) => {
    for (const mode of ['cosine', 'none'] as const) {
      expect(maxError(weightSum(size[0], size[1], options, mode).sum)).toBeLessThan(1e-6);
    }
  });

  it('ramp as a raised cosine across the whole overlap of two tiles, flat 1 elsewhere', () => {
    // 700 px → canvas 704, tiles [0,512) and [192,704): overlap [192, 512), 320 px.
    const [left, right] = axisWeights([0, 192], 512, 704, 'cosine');
    expect(Array.from(left.subarray(0, 192)).every((w) => w === 1)).toBe(true);
    expect(Array.from(right.subarray(320)).every((w) => w === 1)).toBe(true);
    const overlap = 320;
    for (let p = 0; p < overlap; p++) {
      const t = (p + 0.5) / overlap; // pixel centres
      expect(right[p]).toBeCloseTo(Math.sin((Math.PI / 2) * t) ** 2, 6);
      expect(left[192 + p]).toBeCloseTo(Math.cos((Math.PI / 2) * t) ** 2, 6);
      if (p > 0) expect(right[p]).toBeGreaterThan(right[p - 1]);
    }
    // Nearly 0 at the tile's own edge, so the edge never shows.
    expect(right[0]).toBeLessThan(1e-4);
    expect(left[511]).toBeLessThan(1e-4);
  });

  it('keep every weight positive inside a tile where three tiles overlap', () => {
    const weights = axisWeights([0, 232, 456], 512, 968, 'cosine');
    for (const profile of weights) expect(Math.min(...profile)).toBeGreaterThan(0);
  });

  it('cut hard at the middle of the overlap with blending off', () => {
    const [left, right] = axisWeights([0, 192], 512, 704, 'none');
    // Centres 256 and 448: pixels whose centre is below 352 belong to the left tile.
    expect(Array.from(left.subarray(0, 352)).every((w) => w === 1)).toBe(true);
    expect(Array.from(left.subarray(352)).every((w) => w === 0)).toBe(true);
    expect(right[352 - 192 - 1]).toBe(0);
    expect(right[352 - 192]).toBe(1);
  });

  it('one tile: weight 1 everywhere', () => {
    const layout = planTiles(300, 200, { tileSize: 512, overlap: 64 });
    const map = tileWeightMap(blendWeights(layout), layout.tiles[0]);
    expect(map.every((w) => w === 1)).toBe(true);
  });
});
