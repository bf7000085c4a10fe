import {
  canvasRect,
  eightToPs16,
  full16ToEight,
  full16ToPs16,
  intersect,
  normalizeMask,
  normalizeRead,
  padToBounds,
  ps16ToEight,
  ps16ToFull16,
  toDocumentSamples,
  toRgba,
} from '../../../../plugin/src/host/pixels';

describe('16-bit ranges', () => {
  // Photoshop's 16-bit samples span 0..32768; the wire uses 0..65535. Expected values: round(v·65535/32768).
  it.each([
    [0, 0],
    [1, 2],
    [128, 256],
    [16384, 32768],
    [32767, 65533],
    [32768, 65535],
  ])('Photoshop %i → full range %i', (ps, full) => {
    expect(Array.from(ps16ToFull16(new Uint16Array([ps])))).toEqual([full]);
  });

  it.each([
    [0, 0],
    [2, 1],
    [32768, 16384],
    [65535, 32768],
    [65534, 32767],
  ])('full range %i → Photoshop %i', (full, ps) => {
    expect(Array.from(full16ToPs16(new Uint16Array([full])))).toEqual([ps]);
  });

  it('full16ToPs16 inverts ps16ToFull16 on every Photoshop value', () => {
    const all = new Uint16Array(32769).map((_, i) => i);
    expect(Array.from(full16ToPs16(ps16ToFull16(all)))).toEqual(Array.from(all));
  });

  it.each([
    [0, 0],
    [255, 32768],
    [128, 16448],
  ])('8-bit %i → Photoshop 16-bit %i', (eight, ps) => {
    expect(Array.from(eightToPs16(new Uint8Array([eight])))).toEqual([ps]);
  });

  it.each([
    [0, 0],
    [65535, 255],
    [32896, 128],
  ])('full 16-bit %i → 8-bit %i', (full, eight) => {
    expect(Array.from(full16ToEight(new Uint16Array([full])))).toEqual([eight]);
  });

  it('clamps out-of-range Photoshop samples and maps masks to 8 bits', () => {
    expect(Array.from(ps16ToFull16(new Uint16Array([40000])))).toEqual([65535]);
    expect(Array.from(ps16ToEight(new Uint16Array([0, 16384, 32768])))).toEqual([0, 128, 255]);
  });
});

describe('toRgba', () => {
  it('adds an opaque alpha to RGB', () => {
    expect(Array.from(toRgba(new Uint8Array([1, 2, 3, 4, 5, 6]), 3, 255))).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
    const sixteen = toRgba(new Uint16Array([1, 2, 3]), 3, 32768);
    expect(sixteen).toBeInstanceOf(Uint16Array);
    expect(Array.from(sixteen)).toEqual([1, 2, 3, 32768]);
  });

  it('keeps RGBA as it is and refuses other layouts', () => {
    const rgba = new Uint8Array([1, 2, 3, 4]);
    expect(toRgba(rgba, 4, 255)).toBe(rgba);
    expect(() => toRgba(new Uint8Array(2), 2, 255)).toThrow('2 components');
  });
});

describe('padToBounds (getPixels trimmed the empty part of the request)', () => {
  const wanted = { left: 10, top: 20, width: 4, height: 3 };

  it('returns the data untouched when nothing was trimmed', () => {
    const data = new Uint8Array(12).map((_, i) => i + 1);
    expect(padToBounds(data, 1, wanted, wanted)).toBe(data);
  });

  // Each case: what Photoshop returned (bounds and one-component values) → the 4×3 grid expected.
  const cases: [string, { left: number; top: number; width: number; height: number }, number[], number[]][] = [
    ['left columns trimmed', { left: 12, top: 20, width: 2, height: 3 }, [1, 2, 3, 4, 5, 6], [0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 5, 6]],
    ['top row trimmed', { left: 10, top: 21, width: 4, height: 2 }, [1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]],
    ['only the centre has pixels', { left: 11, top: 21, width: 2, height: 1 }, [7, 9], [0, 0, 0, 0, 0, 7, 9, 0, 0, 0, 0, 0]],
    ['a bottom-right corner', { left: 13, top: 22, width: 1, height: 1 }, [5], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]],
    ['data reaching outside the wanted area is clipped', { left: 12, top: 19, width: 3, height: 2 }, [1, 2, 3, 4, 5, 6], [0, 0, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['nothing overlapping', { left: 0, top: 0, width: 2, height: 1 }, [1, 2], new Array(12).fill(0)],
  ];

  it.each(cases)('%s', (_name, got, values, expected) => {
    expect(Array.from(padToBounds(new Uint8Array(values), 1, got, wanted))).toEqual(expected);
  });

  it('pads multi-component 16-bit data with zeros (transparent)', () => {
    const got = { left: 11, top: 20, width: 1, height: 1 };
    const out = padToBounds(new Uint16Array([1, 2, 3, 4]), 4, got, { left: 10, top: 20, width: 2, height: 1 });
    expect(out).toBeInstanceOf(Uint16Array);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('refuses data whose length does not match its bounds', () => {
    expect(() => padToBounds(new Uint8Array(5), 1, { left: 0, top: 0, width: 2, height: 2 }, wanted)).toThrow('2×2×1');
  });
});

describe('geometry', () => {
  it.each([
    [{ left: 10.4, top: 5.6, right: 20.2, bottom: 9.1 }, { left: 10, top: 5, width: 11, height: 5 }],
    [{ left: -5, top: -3, right: 8, bottom: 7 }, { left: 0, top: 0, width: 8, height: 7 }],
    [{ left: 90, top: 40, right: 130, bottom: 70 }, { left: 90, top: 40, width: 10, height: 10 }],
    [{ left: 120, top: 0, right: 130, bottom: 10 }, null],
  ])('canvasRect(%j) on a 100×50 canvas = %j', (bounds, expected) => {
    expect(canvasRect(bounds, { width: 100, height: 50 })).toEqual(expected);
  });

  it('intersects rectangles', () => {
    expect(intersect({ left: 0, top: 0, width: 10, height: 10 }, { left: 5, top: 8, width: 10, height: 10 })).toEqual({ left: 5, top: 8, width: 5, height: 2 });
    expect(intersect({ left: 0, top: 0, width: 1, height: 1 }, { left: 1, top: 0, width: 1, height: 1 })).toBeNull();
  });
});

describe('normalizeRead / normalizeMask / toDocumentSamples', () => {
  it('turns a trimmed 16-bit RGB read into full-range RGBA at the wanted bounds', () => {
    const got = { left: 1, top: 0, width: 1, height: 1 };
    const wanted = { left: 0, top: 0, width: 2, height: 1 };
    const pixels = normalizeRead(new Uint16Array([32768, 16384, 0]), 3, got, wanted);
    expect(pixels).toMatchObject({ width: 2, height: 1, bitDepth: 16 });
    expect(Array.from(pixels.data)).toEqual([0, 0, 0, 0, 65535, 32768, 0, 65535]);
  });

  it('keeps 8-bit reads 8-bit', () => {
    const r = { left: 0, top: 0, width: 1, height: 1 };
    const pixels = normalizeRead(new Uint8Array([9, 8, 7, 6]), 4, r, r);
    expect(pixels.bitDepth).toBe(8);
    expect(Array.from(pixels.data)).toEqual([9, 8, 7, 6]);
  });

  it('normalizes a 16-bit selection to 8 bits over the wanted bounds', () => {
    const mask = normalizeMask(new Uint16Array([32768]), { left: 1, top: 0, width: 1, height: 1 }, { left: 0, top: 0, width: 2, height: 1 });
    expect(Array.from(mask)).toEqual([0, 255]);
  });

  it.each([
    [8, new Uint8Array([0, 255]), 8, [0, 255]],
    [8, new Uint8Array([0, 255]), 16, [0, 32768]],
    [16, new Uint16Array([0, 65535]), 8, [0, 255]],
    [16, new Uint16Array([0, 65535]), 16, [0, 32768]],
  ] as const)('a %i-bit result into a %s… document', (bitDepth, data, documentDepth, expected) => {
    expect(Array.from(toDocumentSamples({ width: 1, height: 1, bitDepth, data }, documentDepth))).toEqual(expected);
  });
});
