import { PhiloxGenerator } from '../rng/philox';

/**
 * Where a job's random numbers come from. Draw 0 is the initial latent noise; the noise a sampler adds
 * after model call i (DDIM's variance noise, Euler a's ancestral noise, LCM's re-noising) is draw i + 1
 * (DESIGN §4). A tile cuts its window out of one noise field over the whole latent
 * canvas, so overlapping tiles see the same noise.
 */
export interface NoiseSource {
  draw(drawIndex: number, dims: readonly number[]): Float32Array;
  /**
   * The [1,C,h,w] window at latent cell (x, y) of draw `drawIndex` over a [1,C,H,W] field: what cutting it
   * out of draw(drawIndex, fieldDims) gives, at the cost of the window only.
   */
  drawWindow(drawIndex: number, fieldDims: readonly number[], window: LatentWindow): Float32Array;
}

/** A window in latent cells. */
export interface LatentWindow {
  x: number;
  y: number;
  width: number;
  height: number;
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
    drawWindow(drawIndex, fieldDims, window) {
      return new PhiloxGenerator(seed).randnWindow(drawIndex, fieldDims, window);
    },
  };
}
