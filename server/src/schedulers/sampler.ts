/**
 * The interface the denoise loop (pipeline/denoise.ts) drives, shared by every sampler. It is
 * k-diffusion's shape (Karras et al., "Elucidating the Design Space of Diffusion-Based Generative Models",
 * arXiv 2206.00364): each model call turns the latents x into a *denoised* estimate x̂₀, and the sampler
 * moves x from one noise level to the next using x̂₀. Expressing every sampler through x̂₀ is what lets one
 * per-step hook (A1111's inpaint mask blend, which works on x̂₀ after CFG) fit all of them, DDIM included.
 */
import type { SamplerId } from '../../../shared/src/samplers';

/** One model call of a job's plan. */
export interface SamplingStep {
  /** The UNet's timestep: fractional for the k-diffusion samplers (`sigma_to_t`), integral otherwise. */
  timestep: number;
  /** The noise level σ of x at this call, in variance-exploding terms: √((1 − ᾱ)/ᾱ). */
  sigma: number;
}

/** The noise for the step being taken: the job's draw `index + 1` (draw 0 is the initial noise). */
export type StepNoise = () => Float32Array;

/**
 * Arrays that `modelInput`, `denoised` and `step` return may be the sampler's own, written over by its next
 * call of the same method (the loop uses each result before that call; a caller that keeps one copies it).
 * `step` may also be given its own previous result as x: every update is element by element.
 */
export interface Sampler {
  readonly id: SamplerId;
  /** The model calls of this job, in order; empty when the strength is too small for one. */
  readonly steps: readonly SamplingStep[];
  /** x at the first model call, from the clean (scaled) latents and the job's draw 0. */
  noiseLatents(clean: Float32Array, noise: Float32Array): Float32Array;
  /**
   * x at the first model call of a run from pure noise (txt2img), from draw 0: the noise itself for the
   * variance-preserving samplers (DDIM, LCM-distilled: diffusers' init_noise_sigma 1), noise × σ of the
   * first call for the k-diffusion ones (A1111's txt2img, `x * sigmas[0]`).
   */
  pureNoiseLatents(noise: Float32Array): Float32Array;
  /** What the UNet sees for call `index` (x · c_in for the k-diffusion samplers). */
  modelInput(x: Float32Array, index: number): Float32Array;
  /** The model's prediction (after CFG) → the denoised estimate x̂₀ of call `index`. */
  denoised(modelOutput: Float32Array, x: Float32Array, index: number): Float32Array;
  /**
   * x after call `index`, from x and x̂₀. `modelOutput` is the prediction x̂₀ came from, or null when a
   * hook replaced x̂₀ (then a sampler that steps from the prediction derives it back from x̂₀).
   * `noise` is called at most once, only by samplers that inject noise on this step.
   */
  step(x: Float32Array, denoised: Float32Array, index: number, noise: StepNoise, modelOutput: Float32Array | null): Float32Array;
}

/** What a per-step hook knows about the model call it is called for. */
export interface StepContext {
  /** 0-based model call, of `total`. */
  index: number;
  total: number;
  sigma: number;
  timestep: number;
  /** The clean latents the job started from (VAE mean × latent scale): A1111's `init_latent`. */
  initLatents: Float32Array;
  /** [1, 4, h, w] of the latents. */
  dims: readonly number[];
}

/**
 * Per-step hooks, for every sampler. Inpainting keeps the unmasked area as A1111 does in
 * `sd_samplers_cfg_denoiser.py`: `blendDenoised` gets x̂₀ after CFG and returns
 * `x̂₀ · nmask + init_latent · mask` (`apply_blend`); `blendLatents` is its `mask_before_denoising`
 * variant, applied to x before the model call.
 */
export interface SamplingHooks {
  blendLatents?(x: Float32Array, context: StepContext): Float32Array;
  blendDenoised?(denoised: Float32Array, context: StepContext): Float32Array;
}

/**
 * A sampler's output array, reused from call to call: `buffer` when it has `length` elements, else a new
 * one. Fresh memory costs its first touch: a new 64 KB latent array took 0.2 ms of page faults on the
 * 2-core VM, against about 0.01 ms to write it again, and a 15-step job made 45 of them.
 */
export function reuse(buffer: Float32Array | null, length: number): Float32Array {
  return buffer?.length === length ? buffer : new Float32Array(length);
}

export function requireSameLength(what: string, array: Float32Array, sample: Float32Array): void {
  if (array.length !== sample.length) {
    throw new Error(`${what} has ${array.length} elements, the sample has ${sample.length}`);
  }
}
