/**
 * LCM as A1111 1.10 runs it (`modules/sd_samplers_lcm.py`), for models without a guidance embedding
 * (LCM-LoRA merges): a k-diffusion sampler over the 50 LCM timesteps, with ordinary CFG.
 *
 * `LCMCompVisDenoiser`: σ table of the 50 "valid" timesteps 19, 39, …, 999 (skip_steps = 1000 // 50 = 20);
 * `sigma_to_t` snaps σ to the nearest of them (argmin |log σ − log σ_i|·20 + 19: integral timesteps);
 * `t_to_sigma(t)` interpolates at (t − 19)/20 clamped to [0, 49]; `get_sigmas(n)` ("Automatic"/Uniform)
 * is σ at t = linspace(999, 19, n), then 0. Its output is LCM's boundary condition on the ε-prediction:
 *   x̂₀ = c_out·(x − σ·ε) + c_skip·x,  s = 10·t,  c_skip = 0.25/(s² + 0.25),  c_out = s/√(s² + 0.25)
 * (A1111 reads the model output as ε whatever the model's parameterisation).
 * `sample_lcm`: x ← x̂₀, then x ← x + σ_{i+1}·ε while σ_{i+1} > 0 (model call k uses draw k + 1).
 */
import type { ConcreteSchedule, SamplerId } from '../../../shared/src/samplers';
import { KDiffusionSampler } from './k-diffusion';
import { reuse, type StepNoise } from './sampler';
import { DiscreteSchedule, karrasSigmas, linspace } from './sigmas';

const ORIGINAL_STEPS = 50;
const SIGMA_DATA = 0.5;
const TIMESTEP_SCALING = 10;

/** The LCM denoiser's σ table and its σ ↔ t maps. */
export class LcmSchedule {
  readonly skipSteps: number;
  readonly valid: DiscreteSchedule;

  constructor(readonly modelSigmas: Float64Array) {
    const trainSteps = modelSigmas.length;
    this.skipSteps = Math.floor(trainSteps / ORIGINAL_STEPS);
    // alphas_cumprod_valid[49 − x] = alphas_cumprod[999 − 20x]: timesteps 20i + 19, ascending
    const valid = Float64Array.from({ length: ORIGINAL_STEPS }, (_, i) => modelSigmas[trainSteps - 1 - (ORIGINAL_STEPS - 1 - i) * this.skipSteps]);
    this.valid = new DiscreteSchedule(valid);
  }

  /** Quantized `sigma_to_t`: the nearest valid entry, as a training timestep. */
  sigmaToT(sigma: number): number {
    const logSigma = Math.log(sigma);
    let best = 0;
    for (let i = 1; i < this.valid.logSigmas.length; i++) {
      // torch argmin returns the first of equal minima: replace only on strictly smaller
      if (Math.abs(logSigma - this.valid.logSigmas[i]) < Math.abs(logSigma - this.valid.logSigmas[best])) best = i;
    }
    return best * this.skipSteps + (this.skipSteps - 1);
  }

  tToSigma(t: number): number {
    const index = Math.min(Math.max((t - (this.skipSteps - 1)) / this.skipSteps, 0), this.valid.sigmas.length - 1);
    return this.valid.tToSigma(index);
  }

  /** The n-step schedule: Uniform is the LCM denoiser's own `get_sigmas`, Karras spans its σ range. */
  sigmas(type: ConcreteSchedule, n: number): number[] {
    if (type === 'karras') return karrasSigmas(n, this.valid.sigmaMin, this.valid.sigmaMax);
    const start = this.sigmaToT(this.valid.sigmaMax);
    const end = this.sigmaToT(this.valid.sigmaMin);
    return [...linspace(start, end, n).map((t) => this.tToSigma(t)), 0];
  }
}

/** LCM's boundary-condition scalings (`get_scalings_for_boundary_condition_discrete`) at timestep t. */
export function lcmScalings(timestep: number): { c_skip: number; c_out: number } {
  const scaled = timestep * TIMESTEP_SCALING;
  return {
    c_skip: SIGMA_DATA ** 2 / (scaled ** 2 + SIGMA_DATA ** 2),
    c_out: scaled / Math.sqrt(scaled ** 2 + SIGMA_DATA ** 2),
  };
}

export class LcmSampler extends KDiffusionSampler {
  readonly id: SamplerId = 'lcm';

  constructor(sigmas: readonly number[], lcm: LcmSchedule) {
    super(sigmas, lcm, 'epsilon');
  }

  override denoised(modelOutput: Float32Array, x: Float32Array, index: number): Float32Array {
    const { sigma, timestep } = this.steps[index];
    const { c_skip, c_out } = lcmScalings(timestep);
    const out = (this.denoisedOut = reuse(this.denoisedOut, x.length));
    for (let i = 0; i < x.length; i++) out[i] = c_out * (x[i] - sigma * modelOutput[i]) + c_skip * x[i];
    return out;
  }

  step(_x: Float32Array, denoised: Float32Array, index: number, noise: StepNoise): Float32Array {
    const sigmaNext = this.sigmas[index + 1];
    const out = (this.stepOut = reuse(this.stepOut, denoised.length));
    out.set(denoised);
    if (sigmaNext > 0) {
      const epsilon = noise();
      for (let i = 0; i < out.length; i++) out[i] += sigmaNext * epsilon[i];
    }
    return out;
  }
}
