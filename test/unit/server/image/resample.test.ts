import { resizeLanczos } from '../../../../server/src/image/resample';

describe('resizeLanczos', () => {
  it('keeps a constant image constant (weights are normalised)', () => {
    const src = new Float32Array(2 * 7 * 5).fill(0.25);
    const out = resizeLanczos(src, 2, 7, 5, 20, 13);
    expect(out.length).toBe(2 * 20 * 13);
    for (const v of out) expect(v).toBeCloseTo(0.25, 6);
  });

  it('reproduces a linear ramp in the interior when enlarging (Lanczos nearly reproduces linear functions away from edges)', () => {
    const w = 32;
    const src = Float32Array.from({ length: w }, (_, x) => x);
    const out = resizeLanczos(src, 1, w, 1, 2 * w, 1);
    // output pixel o samples input position (o + 0.5) / 2 − 0.5
    // (normalised Lanczos-3 reproduces a ramp to within ~0.02 of a pixel step, not exactly)
    for (let o = 8; o < 2 * w - 8; o++) expect(Math.abs(out[o] - ((o + 0.5) / 2 - 0.5))).toBeLessThan(0.03);
  });

  it('shrinks with antialiasing: a 1-px checkerboard averages to its mean', () => {
    const w = 64;
    const src = Float32Array.from({ length: w * w }, (_, i) => ((i % w) + Math.floor(i / w)) % 2);
    const out = resizeLanczos(src, 1, w, w, 16, 16);
    for (let y = 3; y < 13; y++) for (let x = 3; x < 13; x++) expect(out[y * 16 + x]).toBeCloseTo(0.5, 2);
  });

  it('is the identity at the same size', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i * 0.1);
    expect(Array.from(resizeLanczos(src, 1, 4, 3, 4, 3))).toEqual(Array.from(src));
  });
});
