import { rect } from '../../../../../server/src/pipeline/tiles/rect';
import { cutSourceTile } from '../../../../../server/src/pipeline/tiles/source-tile';
import { syntheticImage } from '../../../../helpers/synthetic-image';

describe('cutSourceTile', () => {
  // Red = x / 10, green = y / 10, blue = 1 (8-bit, so values are exact multiples of 1/255 after rounding).
  const image = syntheticImage(10, 6, (x, y, c) => [x / 10, y / 10, 1, 0.5][c], { channels: 4 });
  const model = (v01: number): number => (Math.round(v01 * 255) / 255) * 2 - 1;

  it('gives the RGB of the rectangle in [-1,1], planar, alpha dropped', () => {
    const tile = cutSourceTile(image, rect(2, 1, 3, 2));
    expect(tile.dims).toEqual([1, 3, 2, 3]);
    const red = Array.from(tile.data.subarray(0, 6));
    const green = Array.from(tile.data.subarray(6, 12));
    [0.2, 0.3, 0.4, 0.2, 0.3, 0.4].forEach((v, i) => expect(red[i]).toBeCloseTo(model(v), 6));
    [0.1, 0.1, 0.1, 0.2, 0.2, 0.2].forEach((v, i) => expect(green[i]).toBeCloseTo(model(v), 6));
    expect(Array.from(tile.data.subarray(12)).every((v) => v === 1)).toBe(true);
  });

  it('mirrors the image past its right and bottom edges (canvas padding)', () => {
    const tile = cutSourceTile(image, rect(8, 0, 4, 8));
    const red = (x: number, y: number): number => tile.data[y * 4 + x];
    const green = (x: number, y: number): number => tile.data[32 + y * 4 + x];
    // Columns 8, 9, then 10 → 8 and 11 → 7; rows 6 → 4 and 7 → 3.
    expect([red(0, 0), red(1, 0), red(2, 0), red(3, 0)].map((v) => Math.round(((v + 1) / 2) * 10))).toEqual([8, 9, 8, 7]);
    expect([green(0, 5), green(0, 6), green(0, 7)].map((v) => Math.round(((v + 1) / 2) * 10))).toEqual([5, 4, 3]);
  });
});
