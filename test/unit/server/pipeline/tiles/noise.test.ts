import { philoxNoise } from '../../../../../server/src/pipeline/noise';
import { planTiles } from '../../../../../server/src/pipeline/tiles/layout';
import { cutNoiseWindow, noiseFieldDims, TiledNoise } from '../../../../../server/src/pipeline/tiles/noise';
import { rect } from '../../../../../server/src/pipeline/tiles/rect';
import { tensor } from '../../../../../server/src/tensor';

/** A field whose every value names its own place: c · 1e6 + y · 1e3 + x. */
function labelledField(height: number, width: number) {
  const data = new Float32Array(4 * height * width);
  for (let c = 0; c < 4; c++) {
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[(c * height + y) * width + x] = c * 1e6 + y * 1e3 + x;
  }
  return tensor(data, [1, 4, height, width]);
}

describe('noise field windows', () => {
  it('sizes the field to the latent canvas', () => {
    expect(noiseFieldDims(planTiles(1500, 401, { tileSize: 512, overlap: 64 }))).toEqual([1, 4, 51, 188]);
  });

  it('cuts the latent window under a pixel rectangle', () => {
    const window = cutNoiseWindow(labelledField(20, 30), rect(16, 8, 24, 16));
    expect(window.dims).toEqual([1, 4, 2, 3]);
    expect(Array.from(window.data)).toEqual([
      1002, 1003, 1004, 2002, 2003, 2004,
      1001002, 1001003, 1001004, 1002002, 1002003, 1002004,
      2001002, 2001003, 2001004, 2002002, 2002003, 2002004,
      3001002, 3001003, 3001004, 3002002, 3002003, 3002004,
    ]);
  });

  it('gives overlapping tiles identical noise where they overlap', () => {
    const layout = planTiles(700, 600, { tileSize: 512, overlap: 64 });
    const field = labelledField(...(noiseFieldDims(layout).slice(2) as [number, number]));
    const [a, b] = layout.tiles.map((tile) => cutNoiseWindow(field, tile.rect));
    // Columns 0 and 1: origins 0 and 192 px = 24 latents; the overlap is latent columns 24…63 of tile a.
    const tileCells = 64;
    for (let c = 0; c < 4; c++) {
      for (let y = 0; y < tileCells; y += 7) {
        for (let x = 24; x < 64; x++) {
          expect(a.data[(c * tileCells + y) * tileCells + x]).toBe(b.data[(c * tileCells + y) * tileCells + x - 24]);
        }
      }
    }
  });

  it.each([
    [rect(4, 0, 16, 16), /must lie on the 8-px latent grid/],
    [rect(0, 0, 20, 16), /must lie on the 8-px latent grid/],
    [rect(160, 0, 128, 16), /lies outside the field of 240×160 px/],
  ])('refuses %o', (area, message) => {
    expect(() => cutNoiseWindow(labelledField(20, 30), area)).toThrow(message);
  });
});

describe('TiledNoise', () => {
  it('hands each tile its window of every draw: exactly a cut of the whole field at that draw', () => {
    const source = philoxNoise(77);
    const dims = [1, 4, 20, 30];
    const noise = new TiledNoise(source, dims);
    for (const area of [rect(8, 16, 16, 8), rect(0, 0, 64, 64), rect(176, 120, 64, 40)]) {
      const tile = noise.forTile(area);
      const tileDims = [1, 4, area.height / 8, area.width / 8];
      for (const drawIndex of [0, 1, 3]) {
        const whole = cutNoiseWindow(tensor(source.draw(drawIndex, dims), dims), area).data;
        expect(Array.from(tile.draw(drawIndex, tileDims))).toEqual(Array.from(whole));
      }
    }
    expect(() => noise.forTile(rect(8, 16, 16, 8)).draw(0, [1, 4, 2, 2])).toThrow(/asked for noise \[1,4,2,2\] but its window is \[1,4,1,2\]/);
  });
});
