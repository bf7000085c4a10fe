import { approximateGaussian, fillMasked } from '../../../../../server/src/pipeline/inpaint/fill';
import { tensor } from '../../../../../server/src/tensor';

/** [1,3,h,w]: the left half red (1, −1, −1), the right half blue (−1, −1, 1). */
function halves(width: number, height: number) {
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const left = x < width / 2;
      data[i] = left ? 1 : -1;
      data[plane + i] = -1;
      data[2 * plane + i] = left ? -1 : 1;
    }
  }
  return tensor(data, [1, 3, height, width]);
}

describe('approximateGaussian (three boxes, as PIL GaussianBlur)', () => {
  it('keeps the sum and spreads an impulse with about the asked variance', () => {
    const n = 101;
    const impulse = new Float32Array(n * n);
    impulse[50 * n + 50] = 1;
    const blurred = approximateGaussian(impulse, n, n, 4);
    let sum = 0;
    let variance = 0;
    for (let x = 0; x < n; x++) {
      const v = blurred[50 * n + x];
      for (let y = 0; y < n; y++) sum += blurred[y * n + x];
      variance += v * (x - 50) ** 2;
    }
    const rowSum = Array.from(blurred.subarray(50 * n, 51 * n)).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
    // boxes of width 9 (r = 4): variance 3·(81 − 1)/12 = 20 per axis, near σ² = 16
    expect(variance / rowSum).toBeCloseTo(20, 3);
  });
});

describe('fillMasked (A1111 masking.fill)', () => {
  const width = 64;
  const height = 32;
  const image = halves(width, height);
  const plane = width * height;
  // A block inside the red half is masked.
  const inBlock = (x: number, y: number) => x >= 8 && x < 20 && y >= 10 && y < 22;
  const mask = { width, height, data: new Float32Array(plane) };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) mask.data[y * width + x] = inBlock(x, y) ? 1 : 0;
  const filled = fillMasked(image, mask);

  it('leaves every unmasked pixel exactly as it was', () => {
    for (let i = 0; i < 3 * plane; i++) if (!mask.data[i % plane]) expect(filled.data[i]).toBe(image.data[i]);
  });

  it('paints the masked block with the colour around it (red), not the far side (blue)', () => {
    const centre = 16 * width + 14;
    expect(filled.data[centre]).toBeGreaterThan(0.8); // red
    expect(filled.data[2 * plane + centre]).toBeLessThan(-0.8); // little blue
    expect(filled.data[plane + centre]).toBeCloseTo(-1, 5); // green is −1 everywhere
  });

  it('has nothing to borrow when everything is masked: black', () => {
    const all = fillMasked(image, { width, height, data: new Float32Array(plane).fill(1) });
    expect(Array.from(new Set(all.data))).toEqual([-1]);
  });
});
