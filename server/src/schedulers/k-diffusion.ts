/**
 * What every k-diffusion sampler shares (A1111 1.10's `KDiffusionSampler` around k-diffusion's
 * `CompVisDenoiser` / `CompVisVDenoiser`): variance-exploding latents x = x₀ + σ·ε, the UNet fed
 * x·c_in at the fractional timestep `sigma_to_t(σ)`, and its output turned into the denoised x̂₀.
 * A sampler file adds only its update rule (`step`).
 */
import type { SamplerId } from '../../../shared/src/samplers';
import { reuse, type Sampler, type SamplingStep, type StepNoise } from './sampler';
import type { PredictionType } from './scheduler';

/** The σ → UNet timestep map (`sigma_to_t`) of the denoiser a sampler wraps. */
export interface TimestepMap {
  sigmaToT(sigma: number): number;
}

export abstract class KDiffusionSampler implements Sampler {
  abstract readonly id: SamplerId;
  readonly steps: readonly SamplingStep[];
  // Output arrays reused from call to call (sampler.ts: reuse); `stepOut` is the subclasses' step result.
  private inputOut: Float32Array | null = null;
  protected denoisedOut: Float32Array | null = null;
  protected stepOut: Float32Array | null = null;

  /**
   * `sigmas`: the img2img tail of the schedule, ending in 0 (img2imgSigmas); one model call per σ but
   * the last. `timesteps`: the denoiser's `sigma_to_t` (the model's σ table; A1111 LCM's quantized one).
   */
  constructor(
    protected readonly sigmas: readonly number[],
    timesteps: TimestepMap,
    private readonly predictionType: PredictionType,
  ) {
    this.steps = sigmas.slice(0, -1).map((sigma) => ({ sigma, timestep: timesteps.sigmaToT(sigma) }));
  }

  /** `sample_img2img`: xi = x + noise · σ_sched[0]. */
  noiseLatents(clean: Float32Array, noise: Float32Array): Float32Array {
    const sigma = this.sigmas[0];
    const out = new Float32Array(clean.length);
    for (let i = 0; i < clean.length; i++) out[i] = clean[i] + noise[i] * sigma;
    return out;
  }

  /** txt2img: x = noise · σ_0. */
  pureNoiseLatents(noise: Float32Array): Float32Array {
    const sigma = this.sigmas[0];
    return noise.map((value) => value * sigma);
  }

  /** c_in = 1/√(σ² + σ_data²), σ_data = 1 (`DiscreteEpsDDPMDenoiser` / `DiscreteVDDPMDenoiser.get_scalings`). */
  modelInput(x: Float32Array, index: number): Float32Array {
    const sigma = this.steps[index].sigma;
    const c_in = 1 / Math.sqrt(sigma * sigma + 1);
    const out = (this.inputOut = reuse(this.inputOut, x.length));
    for (let i = 0; i < x.length; i++) out[i] = x[i] * c_in;
    return out;
  }

  /**
   * ε-prediction: x̂₀ = x + c_out·ε with c_out = −σ. v-prediction: x̂₀ = c_skip·x + c_out·v with
   * c_skip = 1/(σ² + 1), c_out = −σ/√(σ² + 1).
   */
  denoised(modelOutput: Float32Array, x: Float32Array, index: number): Float32Array {
    const sigma = this.steps[index].sigma;
    const out = (this.denoisedOut = reuse(this.denoisedOut, x.length));
    if (this.predictionType === 'v_prediction') {
      const c_skip = 1 / (sigma * sigma + 1);
      const c_out = -sigma / Math.sqrt(sigma * sigma + 1);
      for (let i = 0; i < x.length; i++) out[i] = c_skip * x[i] + c_out * modelOutput[i];
    } else {
      for (let i = 0; i < x.length; i++) out[i] = x[i] - sigma * modelOutput[i];
    }
    return out;
  }

  abstract step(x: Float32Array, denoised: Float32Array, index: number, noise: StepNoise, modelOutput: Float32Array | null): Float32Array;
}
