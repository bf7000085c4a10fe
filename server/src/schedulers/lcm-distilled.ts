/**
 * LCM for LCM-distilled UNets (a `timestep_cond` input, e.g. Dreamshaper v7 LCM), as diffusers runs
 * them: `LCMScheduler` (scheduling_lcm.py) with the img2img pipeline's timesteps, and the guidance given
 * as an embedding of w = cfg − 1 (`get_guidance_scale_embedding`) instead of a CFG pass.
 *
 *   timesteps: the 50 distillation steps k·i − 1 (k = 1000 // 50) up to int(50·strength), descending,
 *     then N of them at indices ⌊linspace(0, len, N, endpoint=False)⌋
 *   x̂₀ = c_out·pred_x0 + c_skip·x_t (s = 10·t, c_skip = 0.25/(s² + 0.25), c_out = s/√(s² + 0.25))
 *   x_{next} = √ᾱ_{next}·x̂₀ + √(1 − ᾱ_{next})·z, and x̂₀ itself after the last step
 *
 * Deviation: diffusers refuses N > int(50·strength); we run min(N, int(50·strength)) steps instead, so
 * the usual 50 steps at strength 0.3 run LCM's 15.
 */
import type { SamplerId } from '../../../shared/src/samplers';
import { alphasCumprod } from './ddim';
import { lcmScalings } from './lcm';
import { reuse, type Sampler, type SamplingStep, type StepNoise } from './sampler';
import type { SchedulerConfig } from './scheduler';
import { linspace } from './sigmas';

const ORIGINAL_STEPS = 50;

/** The img2img timesteps of `LCMScheduler.set_timesteps(N, strength=…)`, clamped to what exists. */
export function lcmTimesteps(trainSteps: number, numInferenceSteps: number, strength: number): number[] {
  const k = Math.floor(trainSteps / ORIGINAL_STEPS);
  const available = Math.trunc(ORIGINAL_STEPS * strength);
  const origin = Array.from({ length: available }, (_, i) => (i + 1) * k - 1).reverse();
  const n = Math.min(numInferenceSteps, origin.length);
  if (n === 0) return [];
  const indices = linspace(0, origin.length, n + 1).slice(0, n).map(Math.floor); // endpoint=False
  return indices.map((i) => origin[i]);
}

/**
 * diffusers' `get_guidance_scale_embedding(w, embedding_dim)`: w·1000 times frequencies
 * exp(−i·log(10000)/(half − 1)), as [sin ‖ cos], zero-padded to an odd width.
 */
export function guidanceScaleEmbedding(w: number, embeddingDim: number): Float32Array {
  const half = Math.floor(embeddingDim / 2);
  const scale = Math.log(10000) / (half - 1);
  const out = new Float32Array(embeddingDim);
  for (let i = 0; i < half; i++) {
    const angle = w * 1000 * Math.exp(-i * scale);
    out[i] = Math.sin(angle);
    out[half + i] = Math.cos(angle);
  }
  return out;
}

export class LcmDistilledSampler implements Sampler {
  readonly id: SamplerId = 'lcm';
  readonly steps: readonly SamplingStep[];
  private readonly alphas: Float64Array;
  private readonly timesteps: readonly number[];
  // Output arrays reused from call to call (sampler.ts: reuse).
  private denoisedOut: Float32Array | null = null;
  private stepOut: Float32Array | null = null;

  constructor(private readonly config: SchedulerConfig, numInferenceSteps: number, strength: number) {
    if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must lie in [0, 1], got ${strength}`);
    this.alphas = alphasCumprod(config);
    this.timesteps = lcmTimesteps(config.num_train_timesteps, numInferenceSteps, strength);
    this.steps = this.timesteps.map((timestep) => ({ timestep, sigma: Math.sqrt((1 - this.alphas[timestep]) / this.alphas[timestep]) }));
  }

  /** `add_noise` at the first timestep: √ᾱ·x₀ + √(1 − ᾱ)·ε. */
  noiseLatents(clean: Float32Array, noise: Float32Array): Float32Array {
    const alpha = this.alphas[this.timesteps[0]];
    const a = Math.sqrt(alpha);
    const b = Math.sqrt(1 - alpha);
    return clean.map((value, i) => a * value + b * noise[i]);
  }

  pureNoiseLatents(noise: Float32Array): Float32Array {
    return noise;
  }

  /** `scale_model_input` is the identity. */
  modelInput(x: Float32Array): Float32Array {
    return x;
  }

  denoised(modelOutput: Float32Array, x: Float32Array, index: number): Float32Array {
    const timestep = this.timesteps[index];
    const alpha = this.alphas[timestep];
    const sqrtAlpha = Math.sqrt(alpha);
    const sqrtBeta = Math.sqrt(1 - alpha);
    const { c_skip, c_out } = lcmScalings(timestep);
    const vPrediction = this.config.prediction_type === 'v_prediction';
    const out = (this.denoisedOut = reuse(this.denoisedOut, x.length));
    for (let i = 0; i < x.length; i++) {
      const predictedOriginal = vPrediction ? sqrtAlpha * x[i] - sqrtBeta * modelOutput[i] : (x[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
      out[i] = c_out * predictedOriginal + c_skip * x[i];
    }
    return out;
  }

  step(_x: Float32Array, denoised: Float32Array, index: number, noise: StepNoise): Float32Array {
    const out = (this.stepOut = reuse(this.stepOut, denoised.length));
    if (index === this.timesteps.length - 1) {
      out.set(denoised);
      return out;
    }
    const alphaNext = this.alphas[this.timesteps[index + 1]];
    const a = Math.sqrt(alphaNext);
    const b = Math.sqrt(1 - alphaNext);
    const z = noise();
    for (let i = 0; i < out.length; i++) out[i] = a * denoised[i] + b * z[i];
    return out;
  }
}
