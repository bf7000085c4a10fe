import type { Scheduler } from '../schedulers/scheduler';
import { Tensor, tensor } from '../tensor';
import { usesGuidance } from './conditioning';
import { fillLatents, keepUnmasked, LatentInpaint, repaintEverything, withInpaintChannels } from './inpaint/latents';
import type { NoiseSource } from './noise';
import type { DiffusionRuntime } from './runtime';

export class CancelledError extends Error {
  readonly code = 'CANCELLED';
  constructor() {
    super('cancelled');
  }
}

export interface DenoiseOptions {
  strength: number;
  steps: number;
  guidanceScale: number;
  eta: number;
  noise: NoiseSource;
  /** VAE latent scaling factor (0.18215 for SD 1.x). */
  latentScale: number;
  /** Checked before every step: a cancelled job stops within one step. */
  isCancelled(): boolean;
  onStep?(done: number, total: number, latents: Tensor): void;
  /** Milliseconds per stage, accumulated (tiles add up). */
  timings: Record<string, number>;
  /** Inpainting: the latent mask and how it acts on every step (pipeline/inpaint). */
  inpaint?: LatentInpaint;
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

/** noise_pred = uncond + g · (cond − uncond), from a [2, …] batch ordered [uncond, cond]. */
function classifierFreeGuidance(prediction: Float32Array, guidanceScale: number): Float32Array {
  const half = prediction.length / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const uncond = prediction[i];
    out[i] = uncond + guidanceScale * (prediction[half + i] - uncond);
  }
  return out;
}

/**
 * DDIM img2img on one model-sized image: encode, noise to the first timestep run, denoise, decode.
 * `image` is [1,3,H,W] in [-1,1] with H, W multiples of 8; `context` comes from encodeConditioning.
 * Strength too small for one step returns the input itself (stepsRun 0): no VAE round trip.
 */
export async function img2imgTensor(
  runtime: DiffusionRuntime,
  scheduler: Scheduler,
  context: Tensor,
  image: Tensor,
  options: DenoiseOptions,
): Promise<{ image: Tensor; stepsRun: number }> {
  const { timings } = options;
  const { timesteps, startTimestep } = scheduler.img2imgTimesteps(options.steps, options.strength);
  if (startTimestep === null || timesteps.length === 0) return { image, stepsRun: 0 };
  if (options.isCancelled()) throw new CancelledError();

  let t = performance.now();
  const encoded = await runtime.encodeImage(image);
  t = addTime(timings, 'vaeEncode', t);
  const dims = encoded.dims;
  // An inpainting checkpoint always needs its mask channels: without a mask, everything is repainted.
  const inpaint = options.inpaint ?? (runtime.unetInputChannels === 9 ? await repaintEverything(runtime, image.dims, options.latentScale) : undefined);
  const initialNoise = options.noise.draw(0, dims);
  const clean = inpaint ? fillLatents(scale(encoded.data, options.latentScale), initialNoise, inpaint) : scale(encoded.data, options.latentScale);
  let latents = scheduler.addNoise(clean, initialNoise, startTimestep);
  const guided = usesGuidance(options.guidanceScale);
  const rowLength = inpaint?.unetExtra ? latents.length + inpaint.unetExtra.length : latents.length;
  const batchDims = [guided ? 2 : 1, rowLength / (dims[2] * dims[3]), dims[2], dims[3]];
  const modelInput = new Float32Array(rowLength * (guided ? 2 : 1));
  t = addTime(timings, 'scheduler', t);

  for (let i = 0; i < timesteps.length; i++) {
    if (options.isCancelled()) throw new CancelledError();
    const timestep = timesteps[i];
    // Ordinary checkpoints: what lies outside the mask is the original, noised to this step's level.
    if (inpaint) latents = keepUnmasked(latents, clean, inpaint, (known) => scheduler.addNoise(known, initialNoise, timestep));
    const scaled = withInpaintChannels(scheduler.scaleModelInput(latents, timestep), inpaint);
    modelInput.set(scaled, 0);
    if (guided) modelInput.set(scaled, scaled.length);
    t = addTime(timings, 'scheduler', t);
    const prediction = await runtime.predictNoise(tensor(modelInput, batchDims), timestep, context);
    t = addTime(timings, 'unet', t);
    const noisePred = guided ? classifierFreeGuidance(prediction.data, options.guidanceScale) : prediction.data;
    const varianceNoise = options.eta > 0 ? options.noise.draw(i + 1, dims) : undefined;
    latents = scheduler.step(noisePred, timestep, latents, { eta: options.eta, varianceNoise });
    t = addTime(timings, 'scheduler', t);
    options.onStep?.(i + 1, timesteps.length, tensor(latents, dims));
    t = performance.now(); // preview callbacks are the caller's cost, not the scheduler's
  }

  // After the last step the original comes back clean (A1111's blend in StableDiffusionProcessingImg2Img.sample).
  if (inpaint) latents = keepUnmasked(latents, clean, inpaint, (known) => known);
  const decoded = await runtime.decodeLatents(tensor(scale(latents, 1 / options.latentScale), dims));
  addTime(timings, 'vaeDecode', t);
  return { image: decoded, stepsRun: timesteps.length };
}
