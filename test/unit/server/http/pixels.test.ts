import { ApiError } from '../../../../shared/src';
import { rawFromBytes, toRgba } from '../../../../server/src/http/pixels';

describe('rawFromBytes', () => {
  it('reads 8-bit RGBA', () => {
    const image = rawFromBytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), { width: 2, height: 1, bitDepth: 8 });
    expect(image).toMatchObject({ width: 2, height: 1, channels: 4, bitDepth: 8 });
    expect(Array.from(image.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reads 16-bit RGBA as little-endian, from an unaligned buffer', () => {
    const bytes = Buffer.alloc(9);
    [0x0100, 0xffff, 0x0000, 0x8000].forEach((v, i) => bytes.writeUInt16LE(v, 1 + i * 2));
    const image = rawFromBytes(bytes.subarray(1), { width: 1, height: 1, bitDepth: 16 });
    expect(image.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(image.data)).toEqual([0x0100, 0xffff, 0x0000, 0x8000]);
  });

  it.each([
    [7, 2, 1, 8],
    [9, 2, 1, 8],
    [8, 2, 1, 16],
  ])('refuses %i bytes for %i×%i at %i bits, naming the count', (count, width, height, bitDepth) => {
    const run = (): unknown => rawFromBytes(new Uint8Array(count), { width, height, bitDepth: bitDepth as 8 | 16 });
    expect(run).toThrow(ApiError);
    expect(run).toThrow(`got ${count} bytes`);
  });
});

describe('toRgba', () => {
  it('adds an opaque alpha to RGB', () => {
    const rgba = toRgba({ width: 2, height: 1, channels: 3, bitDepth: 16, data: Uint16Array.from([1, 2, 3, 4, 5, 6]) });
    expect(Array.from(rgba.data)).toEqual([1, 2, 3, 65535, 4, 5, 6, 65535]);
  });
});
