/**
 * Euler a (k-diffusion `sample_euler_ancestral`): an Euler step down to σ_down, then fresh noise back up
 * to σ_{i+1} (`get_ancestral_step`):
 *   σ_up = min(σ_{i+1}, η·√(σ_{i+1}²·(σ_i² − σ_{i+1}²)/σ_i²)),  σ_down = √(σ_{i+1}² − σ_up²)
 *   x ← x + (x − x̂₀)/σ_i · (σ_down − σ_i) + ε·σ_up   (s_noise = 1)
 * ε is drawn only while σ_{i+1} > 0, so the final step draws nothing; model call k uses draw k + 1.
 */
import type { SamplerId } from '../../../shared/src/samplers';
import { KDiffusionSampler, TimestepMap } from './k-diffusion';
import { reuse, type StepNoise } from './sampler';
import type { PredictionType } from './scheduler';

/** `get_ancestral_step(σ_from, σ_to, η)`: (σ_down, σ_up); η = 0 gives (σ_to, 0). */
export function ancestralStep(sigmaFrom: number, sigmaTo: number, eta: number): { sigmaDown: number; sigmaUp: number } {
  if (!eta) return { sigmaDown: sigmaTo, sigmaUp: 0 };
  const sigmaUp = Math.min(sigmaTo, eta * Math.sqrt((sigmaTo ** 2 * (sigmaFrom ** 2 - sigmaTo ** 2)) / sigmaFrom ** 2));
  return { sigmaDown: Math.sqrt(sigmaTo ** 2 - sigmaUp ** 2), sigmaUp };
}

export class EulerAncestralSampler extends KDiffusionSampler {
  readonly id: SamplerId = 'euler_a';

  constructor(sigmas: readonly number[], table: TimestepMap, predictionType: PredictionType, private readonly eta: number) {
    super(sigmas, table, predictionType);
    if (!(eta >= 0)) throw new Error(`eta must be ≥ 0, got ${eta}`);
  }

  step(x: Float32Array, denoised: Float32Array, index: number, noise: StepNoise): Float32Array {
    const sigma = this.sigmas[index];
    const sigmaNext = this.sigmas[index + 1];
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, this.eta);
    const dt = sigmaDown - sigma;
    const out = (this.stepOut = reuse(this.stepOut, x.length));
    for (let i = 0; i < x.length; i++) out[i] = x[i] + ((x[i] - denoised[i]) / sigma) * dt;
    if (sigmaNext > 0) {
      const epsilon = noise();
      for (let i = 0; i < x.length; i++) out[i] += epsilon[i] * sigmaUp;
    }
    return out;
  }
}
