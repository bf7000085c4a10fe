import type { RawImage } from '../../server/src/engine/types';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

// A module-level alias: inside jest's vm sandbox `math.round` in a per-sample loop is a slow global lookup.
const { round } = Math;

/** A RawImage whose sample (x, y, channel) is `value(x, y, channel)`, given in [0,1] and quantised. */
export function syntheticImage(
  width: number,
  height: number,
  value: (x: number, y: number, channel: number) => number,
  { channels = 3, bitDepth = 8 }: { channels?: 3 | 4; bitDepth?: 8 | 16 } = {},
): RawImage {
  const max = bitDepth === 16 ? 65535 : 255;
  const data = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = value(x, y, c);
        data[(y * width + x) * channels + c] = round((v < 0 ? 0 : v > 1 ? 1 : v) * max);
      }
    }
  }
  return { width, height, channels, bitDepth, data };
}

export function copyImage(image: RawImage): RawImage {
  return { ...image, data: image.data.slice() };
}

export function blankLike(image: RawImage): RawImage {
  return { ...image, data: image.bitDepth === 16 ? new Uint16Array(image.data.length) : new Uint8Array(image.data.length) };
}
