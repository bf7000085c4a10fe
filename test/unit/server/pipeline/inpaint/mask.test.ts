import sharp from 'sharp';
import * as zlib from 'zlib';
import { decodePng } from '../../../../../server/src/image/png';
import {
  blurMask,
  blurReach,
  checkMaskSize,
  compositeOver,
  gaussianKernel,
  invertMask,
  maskBounds,
  maskFromImage,
  MaskPlane,
  overlayMask,
  paddedRegion,
} from '../../../../../server/src/pipeline/inpaint/mask';
import { rect } from '../../../../../server/src/pipeline/tiles/rect';
import type { RawImage } from '../../../../../server/src/engine/types';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

function plane(width: number, height: number, value: (x: number, y: number) => number): MaskPlane {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  return { width, height, data };
}

/** A 16-bit greyscale PNG written by hand (colour type 0): sharp cannot write one from raw samples. */
function grey16Png(width: number, height: number, samples: number[]): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  ihdr[9] = 0;
  const rows = Buffer.alloc(height * (1 + width * 2));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.writeUInt16BE(samples[y * width + x], y * (1 + width * 2) + 1 + x * 2);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const raw8 = (width: number, height: number, channels: 1 | 3 | 4, values: number[]) =>
  sharp(Buffer.from(values), { raw: { width, height, channels } });

describe('maskFromImage: every PNG kind, A1111 rules', () => {
  it('greyscale 8-bit: the grey level, not rounded', async () => {
    const png = await raw8(4, 1, 1, [0, 64, 128, 255]).toColourspace('b-w').png().toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(1);
    const mask = maskFromImage(await decodePng(png));
    expect(Array.from(mask.data)).toEqual([0, 64 / 255, 128 / 255, 1].map(math.fround));
  });

  it('greyscale 16-bit: the full precision', async () => {
    const mask = maskFromImage(await decodePng(grey16Png(3, 1, [0, 1000, 65535])));
    expect(mask.data[0]).toBe(0);
    expect(mask.data[1]).toBeCloseTo(1000 / 65535, 6);
    expect(mask.data[2]).toBe(1);
  });

  it('RGB: ITU-R 601 luminance, as PIL convert("L")', async () => {
    const png = await raw8(3, 1, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255]).png().toBuffer();
    const mask = maskFromImage(await decodePng(png));
    expect(mask.data[0]).toBeCloseTo(0.299, 5);
    expect(mask.data[1]).toBeCloseTo(0.587, 5);
    expect(mask.data[2]).toBeCloseTo(0.114, 5);
  });

  it('palette: the luminance of its colours', async () => {
    const png = await raw8(2, 1, 3, [255, 255, 255, 0, 0, 0]).png({ palette: true }).toBuffer();
    expect((await sharp(png).metadata()).isPalette).toBe(true);
    const mask = maskFromImage(await decodePng(png));
    expect(Array.from(mask.data)).toEqual([1, 0]);
  });

  it('RGBA with transparency: the alpha, rounded at 128 whatever the colour', async () => {
    const alphas = [0, 128, 129, 200, 255];
    const values = alphas.flatMap((a) => [0, 0, 0, a]); // black everywhere: luminance would say 0
    const png = await raw8(5, 1, 4, values).png().toBuffer();
    const mask = maskFromImage(await decodePng(png));
    expect(Array.from(mask.data)).toEqual([0, 0, 1, 1, 1]);
  });

  it('RGBA fully opaque: the luminance, as if there were no alpha', async () => {
    const png = await raw8(2, 1, 4, [255, 255, 255, 255, 51, 51, 51, 255]).png().toBuffer();
    const mask = maskFromImage(await decodePng(png));
    expect(mask.data[0]).toBeCloseTo(1, 6);
    expect(mask.data[1]).toBeCloseTo(0.2, 6);
  });

  it('a mask of another size is refused with both sizes', () => {
    expect(() => checkMaskSize({ width: 10, height: 20 }, { width: 10, height: 21 })).toThrow('the mask is 10×20 px but the image is 10×21 px');
    expect(() => checkMaskSize({ width: 10, height: 20 }, { width: 10, height: 20 })).not.toThrow();
  });

  it('invert: white ↔ black', () => {
    expect(Array.from(invertMask(plane(3, 1, (x) => x / 2)).data)).toEqual([1, 0.5, 0]);
  });
});

describe('blurMask: A1111 mask blur (cv2.GaussianBlur, σ = mask blur)', () => {
  it('uses cv2 kernel sizes 2·int(2.5σ + 0.5) + 1', () => {
    expect([0, 0.5, 1, 4, 8].map(blurReach)).toEqual([0, 1, 3, 10, 20]);
  });

  it('has cv2.getGaussianKernel(7, 1)', () => {
    // exp(−x²/2) for x = 0…3, normalised, worked out by hand: 1, 0.60653, 0.13534, 0.01111 / 2.50595
    const expected = [0.0044330, 0.0540056, 0.2420362, 0.3990503, 0.2420362, 0.0540056, 0.0044330];
    Array.from(gaussianKernel(1)).forEach((w, i) => expect(w).toBeCloseTo(expected[i], 6));
  });

  it('spreads an impulse as the outer product of the kernel, and nothing beyond the reach', () => {
    const size = 31;
    const blurred = blurMask(plane(size, size, (x, y) => (x === 15 && y === 15 ? 1 : 0)), 2);
    const kernel = gaussianKernel(2);
    const reach = blurReach(2); // 5
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x - 15;
        const dy = y - 15;
        const value = blurred.data[y * size + x];
        if (math.abs(dx) > reach || math.abs(dy) > reach) expect(value).toBe(0);
        else expect(value).toBeCloseTo(kernel[dx + reach] * kernel[dy + reach], 7);
      }
    }
  });

  it('mirrors at the border without repeating the edge (cv2 BORDER_REFLECT_101)', () => {
    // Only x = 0 is white, σ = 1. Reflect-101 maps −1 → 1, −2 → 2, so x = 0 sees itself once (centre weight)
    // and x = 1 sees it once (weight of distance 1); edge replication would add the outer weights too.
    const blurred = blurMask(plane(9, 1, (x) => (x === 0 ? 1 : 0)), 1);
    const k = gaussianKernel(1);
    expect(blurred.data[0]).toBeCloseTo(k[3], 6);
    expect(blurred.data[1]).toBeCloseTo(k[2], 6);
  });

  it('agrees with sharp (libvips) blur of the same σ on a disc, within 8-bit rounding of the tails', async () => {
    const size = 64;
    const disc = plane(size, size, (x, y) => ((x - 32) ** 2 + (y - 32) ** 2 <= 144 ? 1 : 0));
    const ours = blurMask(disc, 4);
    const bytes = Buffer.from(disc.data.map((v) => v * 255));
    const { data } = await sharp(bytes, { raw: { width: size, height: size, channels: 1 } })
      .blur({ sigma: 4, precision: 'float', minAmplitude: 0.01 })
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = math.max(worst, math.abs(data[i] / 255 - ours.data[i]));
    expect(worst).toBeLessThan(3 / 255);
  });
});

describe('crop geometry', () => {
  it('finds the bounds of everything above 0', () => {
    expect(maskBounds(plane(10, 10, () => 0))).toBeNull();
    expect(maskBounds(plane(10, 10, (x, y) => (x === 3 && y === 7 ? 0.01 : 0)))).toEqual(rect(3, 7, 1, 1));
    expect(maskBounds(plane(10, 10, (x, y) => (x >= 2 && x <= 5 && y >= 1 && y <= 8 ? 1 : 0)))).toEqual(rect(2, 1, 4, 8));
  });

  it.each([
    // bounds, padding, image → region (worked out by hand: grow by padding, clip to the image)
    [rect(40, 30, 10, 20), 32, [200, 100], rect(8, 0, 74, 82)],
    [rect(0, 0, 10, 10), 5, [100, 100], rect(0, 0, 15, 15)],
    [rect(90, 90, 10, 10), 32, [100, 100], rect(58, 58, 42, 42)],
    [rect(50, 50, 1, 1), 0, [100, 100], rect(47, 47, 8, 8)], // grown to the 8 px minimum: 3 px before, 4 after
    [rect(0, 50, 1, 2), 0, [100, 100], rect(0, 47, 8, 8)], // …inside the image
    [rect(1, 1, 2, 2), 0, [5, 100], rect(0, 0, 5, 8)], // the image itself is narrower than 8
  ])('%o padded by %i in %o', (bounds, padding, [w, h], expected) => {
    expect(paddedRegion(bounds, padding, w, h)).toEqual(expected);
  });
});

describe('paste back', () => {
  it('overlay: A1111 doubles the mask for the whole picture, not for "only masked"', () => {
    const m = plane(4, 1, (x) => [0, 0.25, 0.5, 0.9][x]);
    expect(Array.from(overlayMask(m, 'whole').data)).toEqual([0, 0.5, 1, 1]);
    expect(overlayMask(m, 'masked')).toBe(m);
  });

  it.each([8, 16] as const)('keeps the input exactly where the mask is 0, blends elsewhere, keeps alpha (%i-bit)', (bitDepth) => {
    const max = bitDepth === 16 ? 65535 : 255;
    const make = (v: number[]) => (bitDepth === 16 ? Uint16Array.from(v) : Uint8Array.from(v));
    const input: RawImage = { width: 3, height: 1, channels: 4, bitDepth, data: make([10, 20, 30, 40, 11, 21, 31, 41, 12, 22, 32, 42]) };
    const generated: RawImage = { width: 2, height: 1, channels: 4, bitDepth, data: make([max, max, max, 7, 100, 0, 51, 7]) };
    const out = compositeOver(input, generated, plane(2, 1, (x) => [1, 0.5][x]), rect(1, 0, 2, 1));
    expect(Array.from(out.data.subarray(0, 4))).toEqual([10, 20, 30, 40]); // outside the area
    expect(Array.from(out.data.subarray(4, 8))).toEqual([max, max, max, 41]);
    expect(Array.from(out.data.subarray(8, 12))).toEqual([56, 11, 42, 42]); // (12+100)/2, (22+0)/2, (32+51)/2 rounded
    expect(Array.from(input.data.subarray(4, 8))).toEqual([11, 21, 31, 41]); // the input itself untouched
  });
});
