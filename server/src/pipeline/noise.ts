import { PhiloxGenerator } from '../rng/philox';

/**
 * Where a job's random numbers come from. Draw 0 is the initial latent noise; DDIM's variance noise for
 * step i is draw i + 1 (DESIGN §4). A tile cuts its window out of one noise field over the whole latent
 * canvas, so overlapping tiles see the same noise.
 */
export interface NoiseSource {
  draw(drawIndex: number, dims: readonly number[]): Float32Array;
}

/** Noise for one whole image: draw k is the generator's k-th randn call (counter[0] = k). */
export function philoxNoise(seed: number): NoiseSource {
  return {
    draw(drawIndex, dims) {
      const generator = new PhiloxGenerator(seed);
      // An empty draw only advances counter[0]: this reaches offset drawIndex without generating anything.
      for (let k = 0; k < drawIndex; k++) generator.randn([0]);
      return generator.randn(dims);
    },
  };
}
