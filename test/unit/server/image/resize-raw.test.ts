import type { RawImage } from '../../../../server/src/engine/types';
import { resizeLanczos } from '../../../../server/src/image/resample';
import { resizeRawLanczos } from '../../../../server/src/image/resize-raw';
import { syntheticImage } from '../../../helpers/synthetic-image';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

/**
 * The previous implementation, kept as the reference: each channel as a float plane through the planar
 * resizeLanczos, then clipped and rounded. The streamed, all-channels-at-once resize must match it exactly.
 */
function resizePerPlane(image: RawImage, width: number, height: number): RawImage {
  const { channels, data } = image;
  const max = image.bitDepth === 16 ? 65535 : 255;
  const out = image.bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  const plane = new Float32Array(image.width * image.height);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane.length; i++) plane[i] = data[i * channels + c];
    const resized = resizeLanczos(plane, 1, image.width, image.height, width, height);
    for (let i = 0; i < resized.length; i++) out[i * channels + c] = math.min(max, math.max(0, math.round(resized[i])));
  }
  return { width, height, channels, bitDepth: image.bitDepth, data: out };
}

/** Noise-like content: every sample differs, so any change of weight, tap or rounding order shows. */
function busyImage(width: number, height: number, channels: 3 | 4, bitDepth: 8 | 16): RawImage {
  return syntheticImage(width, height, (x, y, c) => 0.5 + 0.5 * math.sin(x * 1.7 + y * 0.61 + c * 2.3) * math.cos(x * y * 0.013 + c), { channels, bitDepth });
}

describe('resizeRawLanczos', () => {
  it.each([
    { from: [64, 48], to: [128, 96], channels: 4, bitDepth: 8 },
    { from: [37, 23], to: [101, 50], channels: 3, bitDepth: 16 },
    { from: [200, 150], to: [77, 91], channels: 4, bitDepth: 16 },
    { from: [90, 60], to: [360, 17], channels: 3, bitDepth: 8 },
    { from: [5, 4], to: [9, 13], channels: 4, bitDepth: 8 },
  ] as const)('matches the per-plane resize sample for sample: $from → $to, $channels channels, $bitDepth-bit', ({ from, to, channels, bitDepth }) => {
    const image = busyImage(from[0], from[1], channels, bitDepth);
    const expected = resizePerPlane(image, to[0], to[1]);
    const actual = resizeRawLanczos(image, to[0], to[1]);
    expect([actual.width, actual.height, actual.channels, actual.bitDepth]).toEqual([to[0], to[1], channels, bitDepth]);
    let differing = 0;
    for (let i = 0; i < expected.data.length; i++) if (actual.data[i] !== expected.data[i]) differing++;
    expect(differing).toBe(0);
  });

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
