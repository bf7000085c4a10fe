/**
 * DDIM behind the Sampler interface. The numerics stay in ddim.ts (diffusers' DDIMScheduler, unchanged);
 * this file only adds what the common loop needs: x̂₀ ("pred_original_sample", eq. 12 of the DDIM paper)
 * for the per-step hooks, and the way back from a replaced x̂₀ to the prediction DDIM steps from.
 */
import type { SamplerId } from '../../../shared/src/samplers';
import { DDIMScheduler } from './ddim';
import { reuse, type Sampler, type SamplingStep, type StepNoise } from './sampler';
import type { SchedulerConfig } from './scheduler';

export class DDIMSampler implements Sampler {
  readonly id: SamplerId = 'ddim';
  readonly steps: readonly SamplingStep[];
  private readonly scheduler: DDIMScheduler;
  private readonly timesteps: readonly number[];
  // Output arrays reused from step to step (sampler.ts: reuse).
  private denoisedOut: Float32Array | null = null;
  private predictionOut: Float32Array | null = null;
  private stepOut: Float32Array | null = null;

  /** diffusers' img2img rule: the last min(⌊N·strength⌋, N) of the N timesteps (ddim.ts). */
  constructor(config: SchedulerConfig, numInferenceSteps: number, strength: number, private readonly eta: number) {
    if (!(eta >= 0)) throw new Error(`eta must be ≥ 0, got ${eta}`);
    this.scheduler = new DDIMScheduler(config);
    this.timesteps = this.scheduler.img2imgTimesteps(numInferenceSteps, strength).timesteps;
    this.steps = this.timesteps.map((timestep) => {
      const alpha_prod_t = this.scheduler.alphasCumprod[timestep];
      return { timestep, sigma: Math.sqrt((1 - alpha_prod_t) / alpha_prod_t) };
    });
  }

  noiseLatents(clean: Float32Array, noise: Float32Array): Float32Array {
    return this.scheduler.addNoise(clean, noise, this.timesteps[0]);
  }

  pureNoiseLatents(noise: Float32Array): Float32Array {
    return noise;
  }

  modelInput(x: Float32Array, index: number): Float32Array {
    return this.scheduler.scaleModelInput(x, this.timesteps[index]);
  }

  /** pred_original_sample: (x_t − √(1−ᾱ_t)·ε) / √ᾱ_t, or √ᾱ_t·x_t − √(1−ᾱ_t)·v. */
  denoised(modelOutput: Float32Array, x: Float32Array, index: number): Float32Array {
    const { sqrtAlpha, sqrtBeta } = this.coefficients(index);
    const vPrediction = this.scheduler.config.prediction_type === 'v_prediction';
    const out = (this.denoisedOut = reuse(this.denoisedOut, x.length));
    for (let i = 0; i < x.length; i++) {
      out[i] = vPrediction ? sqrtAlpha * x[i] - sqrtBeta * modelOutput[i] : (x[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
    }
    return out;
  }

  step(x: Float32Array, denoised: Float32Array, index: number, noise: StepNoise, modelOutput: Float32Array | null): Float32Array {
    const prediction = modelOutput ?? this.predictionFrom(denoised, x, index);
    const varianceNoise = this.eta > 0 ? noise() : undefined;
    const out = (this.stepOut = reuse(this.stepOut, x.length));
    return this.scheduler.step(prediction, this.timesteps[index], x, { eta: this.eta, varianceNoise, out });
  }

  /** The ε (or v) that gives x̂₀ at x_t: ε = (x_t − √ᾱ_t·x̂₀) / √(1−ᾱ_t), v = (√ᾱ_t·x_t − x̂₀) / √(1−ᾱ_t). */
  private predictionFrom(denoised: Float32Array, x: Float32Array, index: number): Float32Array {
    const { sqrtAlpha, sqrtBeta } = this.coefficients(index);
    const vPrediction = this.scheduler.config.prediction_type === 'v_prediction';
    const out = (this.predictionOut = reuse(this.predictionOut, x.length));
    for (let i = 0; i < x.length; i++) {
      out[i] = vPrediction ? (sqrtAlpha * x[i] - denoised[i]) / sqrtBeta : (x[i] - sqrtAlpha * denoised[i]) / sqrtBeta;
    }
    return out;
  }

  private coefficients(index: number): { sqrtAlpha: number; sqrtBeta: number } {
    const alpha_prod_t = this.scheduler.alphasCumprod[this.timesteps[index]];
    return { sqrtAlpha: Math.sqrt(alpha_prod_t), sqrtBeta: Math.sqrt(1 - alpha_prod_t) };
  }
}
