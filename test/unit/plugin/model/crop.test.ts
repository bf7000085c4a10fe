/** The context ring's geometry and the feather warning, against hand-computed tables. */
import { growRect } from '../../../../plugin/src/host/pixels';
import { contextRingPx, erf, featheredPeak, featherReachPx, featherWarning } from '../../../../plugin/src/model/crop';

describe('the context ring', () => {
  it.each([
    // contextPx, featherPx, ring: the setting, or the feather's 3σ reach when that is larger
    [32, 12, 36],
    [32, 8, 32],
    [0, 0, 0],
    [16, 0.5, 16],
    [0, 2.4, 8],
  ])('context %d px with a %d px feather reads a %d px ring', (contextPx, featherPx, ring) => {
    expect(contextRingPx(contextPx, featherPx)).toBe(ring);
    expect(contextRingPx(contextPx, featherPx)).toBeGreaterThanOrEqual(2 * featherPx); // DESIGN §8's minimum
  });

  it.each([
    ['inside the canvas', { left: 50, top: 40, width: 20, height: 10 }, 32, { left: 18, top: 8, width: 84, height: 74 }],
    ['clipped at the top-left', { left: 10, top: 6, width: 20, height: 12 }, 36, { left: 0, top: 0, width: 66, height: 54 }],
    ['clipped at the bottom-right', { left: 180, top: 90, width: 20, height: 10 }, 8, { left: 172, top: 82, width: 28, height: 18 }],
    ['no ring', { left: 3, top: 4, width: 5, height: 6 }, 0, { left: 3, top: 4, width: 5, height: 6 }],
  ])('grows a rectangle %s', (_name, rect, ring, expected) => {
    expect(growRect(rect, ring, { width: 200, height: 100 })).toEqual(expected);
  });

  it('reaches 3σ, where the Gaussian has fallen below half an 8-bit level', () => {
    expect(featherReachPx(12)).toBe(36);
    expect(featherReachPx(0)).toBe(0);
    // 1 − Φ(3) = 0.00135 of 255 = 0.34 levels
    expect(0.5 * (1 - erf(3 / Math.SQRT2)) * 255).toBeLessThan(0.5);
  });
});

describe('the feather warning', () => {
  it('computes erf to 1e-6 (table values)', () => {
    expect(erf(0)).toBeCloseTo(0, 6);
    expect(erf(0.5)).toBeCloseTo(0.5204999, 6);
    expect(erf(1)).toBeCloseTo(0.8427008, 6);
    expect(erf(-1)).toBeCloseTo(-0.8427008, 6);
    expect(erf(2)).toBeCloseTo(0.9953223, 6);
  });

  it('knows how much of the result an 8×8 selection shows under a 12 px feather (the issue: ~7 %)', () => {
    // erf(8 / (2√2 · 12))² = erf(0.2357)² = 0.2611² = 0.0682
    expect(featheredPeak({ width: 8, height: 8 }, 12)).toBeCloseTo(0.0682, 3);
    expect(featheredPeak({ width: 400, height: 300 }, 12)).toBeCloseTo(1, 6);
    expect(featheredPeak({ width: 8, height: 8 }, 0)).toBe(1);
  });

  it('warns only when the feather hides most of the result, with the number', () => {
    expect(featherWarning({ width: 8, height: 8 }, 12)).toBe(
      'Feather 12 px on this 8×8 px selection shows at most 7 % of the result: lower Feather or select a larger area.',
    );
    expect(featherWarning({ width: 120, height: 80 }, 12)).toBeNull();
    expect(featherWarning(null, 12)).toBeNull();
  });
});
