/**
 * Euler (k-diffusion `sample_euler`, Karras et al. 2022, algorithm 2 with s_churn = 0, A1111's default):
 * d = (x − x̂₀)/σ_i (`to_d`), x ← x + d·(σ_{i+1} − σ_i). Deterministic: no noise after the start.
 */
import type { SamplerId } from '../../../shared/src/samplers';
import { KDiffusionSampler } from './k-diffusion';
import { reuse } from './sampler';

export class EulerSampler extends KDiffusionSampler {
  readonly id: SamplerId = 'euler';

  step(x: Float32Array, denoised: Float32Array, index: number): Float32Array {
    const sigma = this.sigmas[index];
    const dt = this.sigmas[index + 1] - sigma;
    const out = (this.stepOut = reuse(this.stepOut, x.length));
    for (let i = 0; i < x.length; i++) {
      const d = (x[i] - denoised[i]) / sigma;
      out[i] = x[i] + d * dt;
    }
    return out;
  }
}
