import { philoxNoise } from '../../../../server/src/pipeline/noise';
import { PhiloxGenerator } from '../../../../server/src/rng/philox';

describe('a job’s noise draws (DESIGN §4: initial noise is draw 0, DDIM variance noise for step i is draw i + 1)', () => {
  it('draw k is the generator’s k-th randn call, whatever order the draws are asked in', () => {
    const dims = [1, 4, 3, 5];
    const generator = new PhiloxGenerator(1234);
    const sequential = [0, 1, 2, 3].map(() => generator.randn(dims));
    const noise = philoxNoise(1234);
    expect(Array.from(noise.draw(2, dims))).toEqual(Array.from(sequential[2]));
    expect(Array.from(noise.draw(0, dims))).toEqual(Array.from(sequential[0]));
    expect(Array.from(noise.draw(3, dims))).toEqual(Array.from(sequential[3]));
  });

  it('draw 0 of seed 0 starts with the documented known answer', () => {
    const first = philoxNoise(0).draw(0, [3, 4]);
    expect(first[0]).toBeCloseTo(-0.92466259, 5);
    expect(first[11]).toBeCloseTo(2.26550497, 5);
  });
});
