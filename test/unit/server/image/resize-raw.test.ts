import { resizeRawLanczos } from '../../../../server/src/image/resize-raw';
import { syntheticImage } from '../../../helpers/synthetic-image';

describe('resizeRawLanczos', () => {
  it('keeps a flat image flat, at the exact size, in its bit depth', () => {
    for (const bitDepth of [8, 16] as const) {
      const image = syntheticImage(37, 23, (_x, _y, c) => [0.2, 0.5, 0.9, 0.6][c], { channels: 4, bitDepth });
      const out = resizeRawLanczos(image, 74, 46);
      expect([out.width, out.height, out.channels, out.bitDepth]).toEqual([74, 46, 4, bitDepth]);
      for (let c = 0; c < 4; c++) {
        const values = new Set(Array.from({ length: 74 * 46 }, (_, i) => out.data[i * 4 + c]));
        expect([...values]).toEqual([image.data[c]]);
      }
    }
  });

  it('filters each channel on its own: colour under transparent pixels survives', () => {
    const image = syntheticImage(20, 10, (x, _y, c) => (c === 3 ? (x < 10 ? 0 : 1) : [0.8, 0.4, 0.1][c]), { channels: 4 });
    const out = resizeRawLanczos(image, 40, 20);
    expect([out.data[0], out.data[1], out.data[2], out.data[3]]).toEqual([204, 102, 26, 0]);
    expect(out.data[(5 * 40 + 39) * 4 + 3]).toBe(255);
  });

  it('enlarges a 16-bit ramp smoothly, without 8-bit steps', () => {
    const image = syntheticImage(64, 2, (x) => x / 63, { bitDepth: 16 });
    const out = resizeRawLanczos(image, 256, 2);
    const red = Array.from({ length: 256 }, (_, x) => out.data[x * 3]);
    for (let x = 8; x < 248; x++) {
      expect(red[x]).toBeGreaterThan(red[x - 1]);
    }
    expect(red.filter((v) => v % 257 !== 0).length).toBeGreaterThan(200); // not 8-bit values widened
  });
});
