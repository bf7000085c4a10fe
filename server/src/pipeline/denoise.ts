import type { Scheduler } from '../schedulers/scheduler';
import { Tensor, tensor } from '../tensor';
import { usesGuidance } from './conditioning';
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
  /**
   * Start from pure noise instead of the image (txt2img): every step runs, the image gives only the size
   * (no VAE encode) and the initial latents are draw 0 × the scheduler's initial noise sigma.
   */
  fromNoise?: boolean;
}

/** The timesteps a run takes: all N from noise, or the img2img tail of them. */
export function runTimesteps(scheduler: Scheduler, options: Pick<DenoiseOptions, 'steps' | 'strength' | 'fromNoise'>): number[] {
  if (!options.fromNoise) return scheduler.img2imgTimesteps(options.steps, options.strength).timesteps;
  return [...scheduler.setTimesteps(options.steps)];
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
  const timesteps = runTimesteps(scheduler, options);
  if (timesteps.length === 0) return { image, stepsRun: 0 };
  if (options.isCancelled()) throw new CancelledError();

  let t = performance.now();
  let latents: Float32Array;
  let dims: readonly number[];
  if (options.fromNoise) {
    // SD's VAE: 4 latent channels at 1/8 of the pixel size.
    dims = [1, 4, image.dims[2] / 8, image.dims[3] / 8];
    latents = scale(options.noise.draw(0, dims), scheduler.initNoiseSigma);
  } else {
    const encoded = await runtime.encodeImage(image);
    t = addTime(timings, 'vaeEncode', t);
    dims = encoded.dims;
    const clean = scale(encoded.data, options.latentScale);
    latents = scheduler.addNoise(clean, options.noise.draw(0, dims), timesteps[0]);
  }
  const guided = usesGuidance(options.guidanceScale);
  const batchDims = [guided ? 2 : 1, ...dims.slice(1)];
  const modelInput = new Float32Array(latents.length * (guided ? 2 : 1));
  t = addTime(timings, 'scheduler', t);

  for (let i = 0; i < timesteps.length; i++) {
    if (options.isCancelled()) throw new CancelledError();
    const timestep = timesteps[i];
    const scaled = scheduler.scaleModelInput(latents, timestep);
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

  const decoded = await runtime.decodeLatents(tensor(scale(latents, 1 / options.latentScale), dims));
  addTime(timings, 'vaeDecode', t);
  return { image: decoded, stepsRun: timesteps.length };
}
