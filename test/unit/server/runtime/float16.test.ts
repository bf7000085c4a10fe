import { fromHalf, toHalf } from '../../../../server/src/runtime/float16';

// Bit patterns from the IEEE 754 binary16 definition.
describe('float16 conversion', () => {
  it.each([
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest half
    [2 ** -24, 0x0001], // smallest subnormal
    [1e6, 0x7c00], // overflow → inf
    [0.1, 0x2e66], // rounded to nearest
  ])('%p ↔ 0x%s', (value, bits) => {
    expect(toHalf(value)).toBe(bits);
    if (Number.isFinite(fromHalf(bits)) && value !== 1e6) expect(fromHalf(bits)).toBeCloseTo(value, 3);
  });
});
