import { channelStats, matchColorStats, MAX_CONTRAST_GAIN } from '../../../../../server/src/pipeline/tiles/color-match';
import { tensor } from '../../../../../server/src/tensor';

/** A deterministic pseudo-random sequence (LCG), so the test needs no seed machinery. */
function sequence(length: number, seed: number, scale: number, offset: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return (state / 2 ** 32) * scale + offset;
  });
}

describe('colour matching', () => {
  it('computes per-channel mean and population std', () => {
    const stats = channelStats(tensor(Float32Array.from([0, 1, 2, 3, 5, 5, 5, 5]), [1, 2, 2, 2]));
    expect(stats[0].mean).toBeCloseTo(1.5, 12);
    expect(stats[0].std).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(stats[1]).toEqual({ mean: 5, std: 0 });
  });

  const n = 64 * 48;
  const dims = [1, 3, 48, 64];
  // Spreads chosen so that the reference/tile std ratios are about 0.95, 1.08 and 3.
  const tile = tensor(Float32Array.from([...sequence(n, 1, 0.6, -0.5), ...sequence(n, 2, 0.5, 0.3), ...sequence(n, 3, 0.2, -0.7)]), dims);
  const reference = tensor(Float32Array.from([...sequence(n, 4, 0.57, -0.2), ...sequence(n, 5, 0.54, -0.6), ...sequence(n, 6, 0.6, 0.1)]), dims);

  it('moves each channel to the reference mean', () => {
    const target = channelStats(reference);
    channelStats(matchColorStats(tile, reference)).forEach((stats, c) => {
      expect(Math.abs(channelStats(tile)[c].mean - target[c].mean)).toBeGreaterThan(0.05); // the test moves something
      expect(stats.mean).toBeCloseTo(target[c].mean, 5);
    });
  });

  it('moves the std to the reference within ±10 %, and by 10 % towards it beyond', () => {
    const before = channelStats(tile);
    const target = channelStats(reference);
    const after = channelStats(matchColorStats(tile, reference));
    const ratios = target.map((t, c) => t.std / before[c].std);
    expect(ratios[0]).toBeGreaterThan(1 / MAX_CONTRAST_GAIN);
    expect(ratios[0]).toBeLessThan(1);
    expect(ratios[1]).toBeGreaterThan(1);
    expect(ratios[1]).toBeLessThan(MAX_CONTRAST_GAIN);
    expect(ratios[2]).toBeGreaterThan(2);
    expect(after[0].std).toBeCloseTo(target[0].std, 5);
    expect(after[1].std).toBeCloseTo(target[1].std, 5);
    expect(after[2].std / before[2].std).toBeCloseTo(MAX_CONTRAST_GAIN, 5);
  });

  it('only shifts a flat channel (no division by a zero spread)', () => {
    const tile = tensor(new Float32Array(2 * 3 * 2).fill(0.25), [1, 3, 2, 2]);
    const reference = tensor(Float32Array.from([0, 0.5, 0, 0.5, 1, 1, 1, 1, -1, -1, -1, -1]), [1, 3, 2, 2]);
    expect(Array.from(matchColorStats(tile, reference).data)).toEqual([0.25, 0.25, 0.25, 0.25, 1, 1, 1, 1, -1, -1, -1, -1]);
  });

  it('refuses tensors of different shapes', () => {
    expect(() => matchColorStats(tensor(new Float32Array(12), [1, 3, 2, 2]), tensor(new Float32Array(24), [1, 3, 2, 4]))).toThrow(
      /equal shapes, got \[1,3,2,2\] and \[1,3,2,4\]/,
    );
  });
});
