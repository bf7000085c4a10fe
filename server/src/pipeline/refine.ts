import { UPSCALE_DEFAULTS } from '../../../shared/src/defaults';
import type { Img2ImgParams, Progress, RawImage } from '../engine/types';
import { cropTensor, modelTensorToRaw, rawToModelTensor, reflectPad } from '../image/convert';
import { resizeLanczos } from '../image/resample';
import { createSampler } from '../schedulers';
import type { SchedulerConfig } from '../schedulers/scheduler';
import { Tensor, tensor } from '../tensor';
import type { ChunkTokenizer } from '../text/chunks';
import { encodeScheduledConditioning } from './scheduled-conditioning';
import { img2imgTensor } from './denoise';
import { FitPlan, planFit, roundUpTo, SIZE_MULTIPLE } from './fit';
import { philoxNoise } from './noise';
import { refineTiled } from './tiled-refine';
import { cropPreview, type PreviewSource } from './preview';
import type { DiffusionRuntime } from './runtime';

/** A loaded model as the pipelines see it. */
export interface PipelineContext {
  runtime: DiffusionRuntime;
  tokenizer: ChunkTokenizer;
  schedulerConfig: SchedulerConfig;
  latentScale: number;
  /**
   * Buffers kept from one job to the next for data no job keeps (the worker runs one job at a time).
   * Fresh memory costs its first touch: a 512² model image (3 MB) took 11–17 ms of page faults on the
   * 2-core VM, against 0.1 ms to write it again.
   */
  scratch?: Map<string, Float32Array>;
}

/** `context.scratch`'s buffer of `length` floats under `key` (made or remade to fit), or undefined without one. */
export function scratchFloats(context: PipelineContext, key: string, length: number): Float32Array | undefined {
  const { scratch } = context;
  if (!scratch) return undefined;
  let buffer = scratch.get(key);
  if (buffer?.length !== length) {
    buffer = new Float32Array(length);
    scratch.set(key, buffer);
  }
  return buffer;
}

export interface JobHooks {
  isCancelled(): boolean;
  onProgress(progress: Progress): void;
  /**
   * Whether to make a live preview now (the worker allows about one a second); absent = every step.
   * Asked before the picture is made, so a skipped preview costs nothing.
   */
  previewDue?(): boolean;
  /**
   * Where set, a due preview is not made on this thread: the step's progress and a copy of its latents
   * go here instead, and the receiver makes the picture (the inference worker hands it to the engine's
   * thread, which makes it while the next step runs). Absent: made here, into `progress.preview`.
   */
  deferPreview?(progress: Progress, source: PreviewSource): void;
}

/**
 * One denoising step's progress, with a live preview of the latents when one is due. `timings.preview`
 * is this thread's part: the picture, or (deferred) the copy of the latents handed on.
 */
export function reportStep(hooks: JobHooks, progress: Progress, latents: Tensor, visibleWidth: number, visibleHeight: number, timings: Record<string, number>): void {
  if (!(hooks.previewDue ? hooks.previewDue() : true)) {
    hooks.onProgress(progress);
    return;
  }
  const started = performance.now();
  if (hooks.deferPreview) {
    const copy: Tensor = { data: new Float32Array(latents.data), dims: latents.dims };
    addTime(timings, 'preview', started);
    hooks.deferPreview(progress, { latents: copy, visibleWidth, visibleHeight });
  } else {
    const preview = cropPreview(latents, visibleWidth, visibleHeight);
    addTime(timings, 'preview', started);
    hooks.onProgress({ ...progress, preview });
  }
}

/** The seed already resolved (never −1 here). */
export type ResolvedImg2ImgParams = Img2ImgParams & { seed: number };

function addTime(timings: Record<string, number>, key: string, since: number): number {
  const now = performance.now();
  timings[key] = (timings[key] ?? 0) + (now - since);
  return now;
}

/** The crop as the model sees it: enlarged and/or reflection-padded to multiples of 64. */
export function toModelSize(rgb: Tensor, plan: Exclude<FitPlan, { kind: 'tiles' }>): Tensor {
  const [, , height, width] = rgb.dims;
  let t = rgb;
  if (plan.kind === 'enlarge') {
    t = tensor(resizeLanczos(rgb.data, 3, width, height, plan.scaledWidth, plan.scaledHeight), [1, 3, plan.scaledHeight, plan.scaledWidth]);
  }
  return reflectPad(t, plan.paddedWidth, plan.paddedHeight);
}

/** The model's output back at the crop's exact size: crop the padding, undo the enlargement. */
export function fromModelSize(out: Tensor, plan: Exclude<FitPlan, { kind: 'tiles' }>, width: number, height: number): Tensor {
  if (plan.kind === 'native') return cropTensor(out, width, height);
  const cropped = cropTensor(out, plan.scaledWidth, plan.scaledHeight);
  return tensor(resizeLanczos(cropped.data, 3, plan.scaledWidth, plan.scaledHeight, width, height), [1, 3, height, width]);
}

/**
 * Generating from noise, the picture is made at its own size, never enlarged: padded to what the UNet takes
 * (multiples of 64, or the size a static export is fixed to) and cropped back.
 */
function planFromNoise(width: number, height: number, fixed: [number, number] | null): FitPlan {
  if (!fixed) return { kind: 'native', paddedWidth: roundUpTo(width, SIZE_MULTIPLE), paddedHeight: roundUpTo(height, SIZE_MULTIPLE) };
  const [fixedHeight, fixedWidth] = [fixed[0] * 8, fixed[1] * 8];
  if (width > fixedWidth || height > fixedHeight) {
    throw new RangeError(`this model is fixed to ${fixedWidth}×${fixedHeight} px; it cannot generate ${width}×${height} px from noise`);
  }
  return { kind: 'native', paddedWidth: fixedWidth, paddedHeight: fixedHeight };
}

/**
 * img2img of one crop (DESIGN §4): fit to the model, run the job's sampler, fit back to the exact input size. Alpha
 * and bit depth pass through; zero steps give the input back byte for byte.
 */
export async function refineCrop(
  context: PipelineContext,
  image: RawImage,
  params: ResolvedImg2ImgParams,
  hooks: JobHooks,
  timings: Record<string, number>,
): Promise<{ image: RawImage; stepsRun: number }> {
  const fixed = context.runtime.fixedLatentSize;
  const fromNoise = params.init === 'noise';
  const plan = fromNoise ? planFromNoise(image.width, image.height, fixed) : planFit(image.width, image.height, fixed ? Math.min(fixed[0], fixed[1]) * 8 : null);
  if (plan.kind === 'tiles') {
    // Too large for one pass: tile by tile at native size, with the upscaler's defaults for overlap and
    // colour matching. A copy, because tiles are assembled in place.
    const tiles = { tileSize: plan.tileSize, tileOverlap: UPSCALE_DEFAULTS.tileOverlap, colorMatch: UPSCALE_DEFAULTS.colorMatch };
    return refineTiled(context, { ...image, data: image.data.slice() }, { ...params, ...tiles }, hooks, timings);
  }
  // From noise every step runs: strength 1 plans the whole schedule for every sampler.
  const sampler = createSampler(fromNoise ? { ...params, strength: 1 } : params, context.schedulerConfig, {
    guidanceEmbedding: Boolean(context.runtime.timestepCondDim),
  });
  const totalSteps = sampler.steps.length;
  if (totalSteps === 0) return { image: { ...image, data: image.data.slice() }, stepsRun: 0 };

  let t = performance.now();
  // Only the VAE encoder reads it (the result is the decoder's), so it can live in the scratch buffer.
  const modelImage = toModelSize(rawToModelTensor(image, scratchFloats(context, 'modelImage', 3 * image.width * image.height)), plan);
  t = addTime(timings, 'imageConversion', t);
  const conditioning = await encodeScheduledConditioning(context.runtime, context.tokenizer, params, params.steps, timings);
  hooks.onProgress({ step: 0, totalSteps, tile: 1, totalTiles: 1 });

  const result = await img2imgTensor(context.runtime, sampler, conditioning, modelImage, {
    guidanceScale: params.guidanceScale,
    noise: philoxNoise(params.seed),
    latentScale: context.latentScale,
    fromNoise,
    isCancelled: hooks.isCancelled,
    onStep: (step, total, latents) => {
      const [visibleWidth, visibleHeight] = plan.kind === 'enlarge' ? [plan.scaledWidth, plan.scaledHeight] : [image.width, image.height];
      reportStep(hooks, { step, totalSteps: total, tile: 1, totalTiles: 1 }, latents, visibleWidth, visibleHeight, timings);
    },
    timings,
  });
  t = performance.now();
  const output = modelTensorToRaw(fromModelSize(result.image, plan, image.width, image.height), image.bitDepth, image);
  addTime(timings, 'imageConversion', t);
  return { image: output, stepsRun: result.stepsRun };
}
