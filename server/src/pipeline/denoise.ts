import { reuse, type Sampler, type SamplingHooks, type StepContext } from '../schedulers/sampler';
import { Tensor, tensor } from '../tensor';
import { guidanceEmbeddingFor, usesCfgBatch } from './conditioning';
import { fillLatents, keepUnmasked, LatentInpaint, repaintEverything, withInpaintChannels } from './inpaint/latents';
import type { NoiseSource } from './noise';
import type { DiffusionRuntime } from './runtime';
import { ConditioningSchedule, constantConditioning } from './scheduled-conditioning';

export class CancelledError extends Error {
  readonly code = 'CANCELLED';
  constructor() {
    super('cancelled');
  }
}

export interface DenoiseOptions {
  guidanceScale: number;
  noise: NoiseSource;
  /** VAE latent scaling factor (0.18215 for SD 1.x). */
  latentScale: number;
  /** Checked before every step: a cancelled job stops within one step. */
  isCancelled(): boolean;
  onStep?(done: number, total: number, latents: Tensor): void;
  /** Per-model-call hooks for every sampler (inpaint's mask blend); see schedulers/sampler.ts. */
  hooks?: SamplingHooks;
  /** Milliseconds per stage, accumulated (tiles add up). */
  timings: Record<string, number>;
  /**
   * Inpainting (pipeline/inpaint): latent fill modes, the 9-channel UNet input, and the clean original
   * put back outside the mask after the last step. The per-step blend goes through `hooks`.
   */
  inpaint?: LatentInpaint;
  /**
   * Start from pure noise instead of the image (txt2img): the image gives only the size (no VAE encode).
   * Plan the sampler with strength 1 so that every step runs.
   */
  fromNoise?: boolean;
}

function addTime(timings: Record<string, number>, key: string, since: number): number {
  const now = performance.now();
  timings[key] = (timings[key] ?? 0) + (now - since);
  return now;
}

function scale(data: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * factor;
  return out;
}

/** noise_pred = uncond + g · (cond − uncond), from a [2, …] batch ordered [uncond, cond], into `out`. */
function classifierFreeGuidance(prediction: Float32Array, guidanceScale: number, out: Float32Array): Float32Array {
  const half = prediction.length / 2;
  for (let i = 0; i < half; i++) {
    const uncond = prediction[i];
    out[i] = uncond + guidanceScale * (prediction[half + i] - uncond);
  }
  return out;
}

/**
 * img2img on one model-sized image with any sampler: encode, noise to the first step's level, run the
 * sampler's model calls, decode. `image` is [1,3,H,W] in [-1,1] with H, W multiples of 8; `context` comes
 * from encodeConditioning, or per model call from encodeScheduledConditioning (prompt editing). A plan of
 * no steps returns the input itself (stepsRun 0): no VAE round trip.
 *
 * Per model call i: x → [hooks.blendLatents] → UNet (CFG batch [uncond, cond]) → sampler.denoised →
 * [hooks.blendDenoised] → sampler.step, whose noise, if it needs any, is the job's draw i + 1.
 */
export async function img2imgTensor(
  runtime: DiffusionRuntime,
  sampler: Sampler,
  context: Tensor | ConditioningSchedule,
  image: Tensor,
  options: DenoiseOptions,
): Promise<{ image: Tensor; stepsRun: number }> {
  const { timings, hooks } = options;
  const conditioning = 'at' in context ? context : constantConditioning(context);
  const steps = sampler.steps;
  if (steps.length === 0) return { image, stepsRun: 0 };
  if (options.isCancelled()) throw new CancelledError();

  let t = performance.now();
  let dims: readonly number[];
  let clean: Float32Array;
  let latents: Float32Array;
  // An inpainting checkpoint always needs its mask channels: without a mask, everything is repainted.
  const inpaint = options.inpaint ?? (runtime.unetInputChannels === 9 ? await repaintEverything(runtime, image.dims, options.latentScale) : undefined);
  if (options.fromNoise) {
    // SD's VAE: 4 latent channels at 1/8 of the pixel size; the "clean" latents the hooks see are zero.
    dims = [1, 4, image.dims[2] / 8, image.dims[3] / 8];
    clean = new Float32Array(dims[1] * dims[2] * dims[3]);
    latents = sampler.pureNoiseLatents(options.noise.draw(0, dims));
  } else {
    const encoded = await runtime.encodeImage(image);
    t = addTime(timings, 'vaeEncode', t);
    dims = encoded.dims;
    const initialNoise = options.noise.draw(0, dims);
    const scaled = scale(encoded.data, options.latentScale);
    clean = inpaint ? fillLatents(scaled, initialNoise, inpaint) : scaled;
    latents = sampler.noiseLatents(clean, initialNoise);
  }
  const guided = usesCfgBatch(runtime, options.guidanceScale);
  const timestepCond = guidanceEmbeddingFor(runtime, options.guidanceScale);
  const rowLength = latents.length + (inpaint?.unetExtra?.length ?? 0);
  const batchDims = [guided ? 2 : 1, rowLength / (dims[2] * dims[3]), dims[2], dims[3]];
  const modelInput = new Float32Array(rowLength * (guided ? 2 : 1));
  // The CFG result, written over every step (like the sampler's own arrays, see sampler.ts).
  let guidedOutput: Float32Array | null = null;
  t = addTime(timings, 'scheduler', t);

  for (let i = 0; i < steps.length; i++) {
    if (options.isCancelled()) throw new CancelledError();
    const { timestep, sigma } = steps[i];
    const stepContext: StepContext = { index: i, total: steps.length, sigma, timestep, initLatents: clean, dims };
    if (hooks?.blendLatents) latents = hooks.blendLatents(latents, stepContext);
    const scaled = withInpaintChannels(sampler.modelInput(latents, i), inpaint);
    modelInput.set(scaled, 0);
    if (guided) modelInput.set(scaled, scaled.length);
    t = addTime(timings, 'scheduler', t);
    const prediction = await runtime.predictNoise(tensor(modelInput, batchDims), timestep, conditioning.at(i), timestepCond);
    t = addTime(timings, 'unet', t);
    if (guided) guidedOutput = reuse(guidedOutput, prediction.data.length / 2);
    const modelOutput = guidedOutput ? classifierFreeGuidance(prediction.data, options.guidanceScale, guidedOutput) : prediction.data;
    let denoised = sampler.denoised(modelOutput, latents, i);
    const blended = hooks?.blendDenoised ? hooks.blendDenoised(denoised, stepContext) : denoised;
    const replaced = blended !== denoised;
    denoised = blended;
    latents = sampler.step(latents, denoised, i, () => options.noise.draw(i + 1, dims), replaced ? null : modelOutput);
    t = addTime(timings, 'scheduler', t);
    options.onStep?.(i + 1, steps.length, tensor(latents, dims));
    t = performance.now(); // preview callbacks are the caller's cost, not the scheduler's
  }

  // The clean original outside the mask at the end (A1111's blend in StableDiffusionProcessingImg2Img.sample):
  // DDIM's last step lands on ᾱ_0 < 1, not exactly on x̂₀.
  if (inpaint) latents = keepUnmasked(latents, clean, inpaint);
  const decoded = await runtime.decodeLatents(tensor(scale(latents, 1 / options.latentScale), dims));
  addTime(timings, 'vaeDecode', t);
  return { image: decoded, stepsRun: steps.length };
}
