/**
 * Where the image code uses sharp and where it keeps its own, decided by these tests (issue 14, goal 5):
 * - PNG encode and decode: sharp, exact at 8 and 16 bits with and without alpha (round trips below).
 * - Lanczos resize (image/resample.ts, image/resize-raw.ts): our own, because sharp's enlargement is not
 *   Lanczos-3 on the pixel-centre grid (it misses the interpolation property below by tens of levels) and
 *   it premultiplies alpha, losing the colour under transparent pixels that we must pass through.
 */
import * as zlib from 'zlib';
import sharp from 'sharp';
import type { RawImage } from '../../../../server/src/engine/types';
import { decodePng, encodePng } from '../../../../server/src/image/png';
import { resizeRawLanczos } from '../../../../server/src/image/resize-raw';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

/** A smooth picture with noise on top: every sample value class, no flat areas. */
function picture(width: number, height: number, channels: 3 | 4, bitDepth: 8 | 16): RawImage {
  const max = bitDepth === 16 ? 65535 : 255;
  const data = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  let s = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        s = (s * 1103515245 + 12345) >>> 0;
        const smooth = (math.sin(x / 7 + c) * 0.4 + math.cos(y / 5 - c) * 0.4 + 0.5) * max;
        data[(y * width + x) * channels + c] = math.max(0, math.min(max, math.round(smooth + (s / 2 ** 32 - 0.5) * max * 0.1)));
      }
    }
  }
  return { width, height, channels, bitDepth, data };
}

/** The PNG's IHDR bit depth and colour type, and the filter type byte of every row. */
function pngLayout(png: Buffer): { depth: number; colourType: number; filters: number[] } {
  const depth = png[24];
  const colourType = png[25];
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const rows = zlib.inflateSync(Buffer.concat(idat));
  const stride = (width * (colourType === 6 ? 4 : 3) * depth) / 8 + 1;
  return { depth, colourType, filters: Array.from({ length: height }, (_, y) => rows[y * stride]) };
}

describe('PNG through sharp', () => {
  it.each([
    [8, 3],
    [8, 4],
    [16, 3],
    [16, 4],
  ] as const)('writes %i-bit, %i channels exactly, at that depth, with adaptive row filters', async (bitDepth, channels) => {
    const image = picture(301, 203, channels, bitDepth);
    const png = await encodePng(image);
    const layout = pngLayout(png);
    expect([layout.depth, layout.colourType]).toEqual([bitDepth, channels === 4 ? 6 : 2]);
    // Adaptive filtering picks per row; on a smooth picture some rows use a predictor (not all None).
    expect(layout.filters.some((f) => f !== 0)).toBe(true);
    const back = await decodePng(png);
    expect([back.width, back.height, back.channels, back.bitDepth]).toEqual([301, 203, channels, bitDepth]);
    expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(image.data.buffer))).toBe(true);
  });
});

describe('Lanczos resize stays ours (sharp is wrong for what we need)', () => {
  // Enlarging 3×: output pixel 3i+1 has its centre exactly on input pixel i, where the Lanczos-3 kernel is
  // 1 and every other tap 0, so a Lanczos-3 resize must reproduce the input there.
  it.each([
    [8, 3],
    [8, 4],
    [16, 3],
    [16, 4],
  ] as const)('Lanczos-3 interpolates (%i-bit, %i channels): ours reproduces the input where centres coincide, sharp does not', async (bitDepth, channels) => {
    const image = picture(40, 30, channels, bitDepth);
    const ours = resizeRawLanczos(image, 120, 90);
    const raw = { width: 40, height: 30, channels };
    const { data } =
      bitDepth === 16
        ? await sharp(image.data as Uint16Array, { raw }).toColourspace('rgb16').resize(120, 90, { kernel: 'lanczos3', fit: 'fill' }).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true })
        : await sharp(image.data as Uint8Array, { raw }).resize(120, 90, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const theirs = bitDepth === 16 ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) : data;
    let ourError = 0;
    let sharpError = 0;
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 40; x++) {
        for (let c = 0; c < channels; c++) {
          const want = image.data[(y * 40 + x) * channels + c];
          const at = ((3 * y + 1) * 120 + 3 * x + 1) * channels + c;
          ourError = math.max(ourError, math.abs(ours.data[at] - want));
          sharpError = math.max(sharpError, math.abs(theirs[at] - want));
        }
      }
    }
    expect(ourError).toBe(0);
    // If this fails, sharp's enlargement has become a true Lanczos-3: switch resize-raw.ts to it.
    expect(sharpError).toBeGreaterThan(bitDepth === 16 ? 2000 : 8);
  });

  it('sharp premultiplies alpha: the colour under fully transparent pixels is lost; ours keeps it', async () => {
    const width = 20;
    const height = 10;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([204, 102, 26, i % width < 10 ? 0 : 255], i * 4);
    const image: RawImage = { width, height, channels: 4, bitDepth: 8, data };
    const ours = resizeRawLanczos(image, 40, 20);
    const { data: theirs } = await sharp(data, { raw: { width, height, channels: 4 } }).resize(40, 20, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(ours.data.subarray(0, 4))).toEqual([204, 102, 26, 0]);
    expect(Array.from(theirs.subarray(0, 3))).not.toEqual([204, 102, 26]);
  });
});
