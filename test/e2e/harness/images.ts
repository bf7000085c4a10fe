/** Pixels for the e2e tests: a synthetic test picture as PNG, and screenshots decoded to RGBA. */
import sharp from 'sharp';
import type { Rect } from '../../../plugin/src/host/host';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A 320×240 test picture: colour ramps, a ring and stripes, so any change inside a selection shows. */
export async function testPicturePng(width = 320, height = 240): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ring = math.abs(math.hypot(x - width / 2, y - height / 2) - 70) < 12 ? 1 : 0;
      const stripe = math.floor(x / 16) % 2;
      data.set([40 + (x * 170) / width + ring * 40, 60 + (y * 150) / height, ring ? 220 : 90 + stripe * 60, 255], (y * width + x) * 4);
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

export async function decodePng(png: Buffer): Promise<Rgba> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const inside = (r: Rect, x: number, y: number) => x >= r.left && y >= r.top && x < r.left + r.width && y < r.top + r.height;

/** Compares two equally sized images: RGB pixels that differ outside `rect`, and the mean |Δ| inside `inner`. */
export function compareAround(before: Rgba, after: Rgba, rect: Rect, inner: Rect): { changedOutside: number; meanInside: number } {
  if (before.width !== after.width || before.height !== after.height) throw new Error('screenshots differ in size');
  let changedOutside = 0;
  let sumInside = 0;
  let countInside = 0;
  for (let y = 0; y < before.height; y++) {
    for (let x = 0; x < before.width; x++) {
      const i = (y * before.width + x) * 4;
      const delta = math.abs(before.data[i] - after.data[i]) + math.abs(before.data[i + 1] - after.data[i + 1]) + math.abs(before.data[i + 2] - after.data[i + 2]);
      if (!inside(rect, x, y)) {
        if (delta > 0) changedOutside++;
      } else if (inside(inner, x, y)) {
        sumInside += delta / 3;
        countInside++;
      }
    }
  }
  return { changedOutside, meanInside: countInside ? sumInside / countInside : 0 };
}

/** RGB pixels that differ anywhere between two equally sized images. */
export function changedPixels(before: Rgba, after: Rgba): number {
  const none = { left: 0, top: 0, width: 0, height: 0 };
  return compareAround(before, after, none, none).changedOutside;
}
