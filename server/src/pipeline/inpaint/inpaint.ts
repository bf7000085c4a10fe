/**
 * Inpaint inside a mask with A1111 1.10's semantics (issue 13; `modules/processing.py`,
 * StableDiffusionProcessingImg2Img): prepare the mask (invert, blur), choose what the model sees (the whole
 * picture, or only the mask's box grown by the padding), fit that crop to the model as img2img does, run
 * img2img with the latent mask (blend for ordinary checkpoints, 9-channel conditioning for inpainting
 * ones), then paste the result over the input with the blurred mask: where that is 0, the input is kept
 * exactly, at any bit depth, alpha untouched.
 */
import type { InpaintParams, RawImage } from '../../engine/types';
import { UPSCALE_DEFAULTS } from '../../../../shared/src/defaults';
import { modelTensorToRaw, rawToModelTensor, reflectIndex, reflectPad } from '../../image/convert';
import { resizeLanczos } from '../../image/resample';
import { createSampler } from '../../schedulers';
import { Tensor, tensor } from '../../tensor';
import { encodeConditioning } from '../conditioning';
import { img2imgTensor } from '../denoise';
import { FitPlan, planFit } from '../fit';
import { philoxNoise } from '../noise';
import type { DiffusionRuntime } from '../runtime';
import { fromModelSize, JobHooks, PipelineContext, reportStep, ResolvedImg2ImgParams, toModelSize } from '../refine';
import { refineTiled } from '../tiled-refine';
import { Rect, rect } from '../tiles/rect';
import { fillMasked } from './fill';
import { inpaintUnetExtra, LatentInpaint, maskBlendHooks } from './latents';
import {
  blurMask,
  checkMaskSize,
  compositeOver,
  cropMask,
  invertMask,
  maskBounds,
  maskFromImage,
  MaskPlane,
  overlayMask,
  paddedRegion,
} from './mask';

export type ResolvedInpaintParams = ResolvedImg2ImgParams & { inpaint: InpaintParams };

function addTime(timings: Record<string, number>, key: string, since: number): number {
  const now = performance.now();
  timings[key] = (timings[key] ?? 0) + (now - since);
  return now;
}

/** The mask as the job uses it: A1111's reading of the PNG, inverted if asked, blurred. */
export function prepareMask(mask: RawImage, params: Pick<InpaintParams, 'invertMask' | 'maskBlur'>): MaskPlane {
  const plane = maskFromImage(mask);
  return blurMask(params.invertMask ? invertMask(plane) : plane, params.maskBlur);
}

/** What goes to the model: the whole image, or ("Only masked") the mask's box grown by the padding. */
export function inpaintRegion(blurred: MaskPlane, params: Pick<InpaintParams, 'inpaintArea' | 'padding'>): Rect | null {
  const bounds = maskBounds(blurred);
  if (!bounds) return null;
  if (params.inpaintArea === 'whole') return rect(0, 0, blurred.width, blurred.height);
  return paddedRegion(bounds, params.padding, blurred.width, blurred.height);
}

export function cropRaw(image: RawImage, area: Rect): RawImage {
  if (area.x === 0 && area.y === 0 && area.width === image.width && area.height === image.height) return image;
  const { channels } = image;
  const data = image.bitDepth === 16 ? new Uint16Array(area.width * area.height * channels) : new Uint8Array(area.width * area.height * channels);
  for (let row = 0; row < area.height; row++) {
    const source = ((area.y + row) * image.width + area.x) * channels;
    data.set(image.data.subarray(source, source + area.width * channels), row * area.width * channels);
  }
  return { width: area.width, height: area.height, channels, bitDepth: image.bitDepth, data };
}

/** The mask fitted exactly as the picture is (Lanczos enlargement, reflection padding), clipped to [0, 1]. */
export function maskToModelSize(mask: MaskPlane, plan: Exclude<FitPlan, { kind: 'tiles' }>): MaskPlane {
  let data = mask.data;
  let [width, height] = [mask.width, mask.height];
  if (plan.kind === 'enlarge') {
    data = resizeLanczos(data, 1, width, height, plan.scaledWidth, plan.scaledHeight);
    [width, height] = [plan.scaledWidth, plan.scaledHeight];
  }
  const padded = reflectPad(tensor(data, [1, 1, height, width]), plan.paddedWidth, plan.paddedHeight);
  const out = padded.data === mask.data ? padded.data.slice() : padded.data;
  for (let i = 0; i < out.length; i++) out[i] = out[i] < 0 ? 0 : out[i] > 1 ? 1 : out[i];
  return { width: plan.paddedWidth, height: plan.paddedHeight, data: out };
}

/**
 * The latent mask: the model-size mask reduced 8× and rounded to 0/1 (A1111 resizes it with Pillow's
 * default filter, then np.around with its "round mask" default; we reduce with our antialiased
 * Lanczos-3, which differs at most on cells the mask edge crosses).
 */
export function latentMaskOf(mask: MaskPlane): Float32Array {
  const width = mask.width / 8;
  const height = mask.height / 8;
  const reduced = resizeLanczos(mask.data, 1, mask.width, mask.height, width, height);
  for (let i = 0; i < reduced.length; i++) reduced[i] = reduced[i] >= 0.5 ? 1 : 0;
  return reduced;
}

/**
 * diffusers' inpainting input for 9-channel UNets (pipeline_stable_diffusion_inpaint.py): the mask
 * binarised at 0.5 and sampled nearest at latent size (F.interpolate's default), and the picture with
 * the masked pixels set to 0 (mid-grey in [-1, 1]: image × (mask < 0.5)), encoded and scaled.
 */
export async function inpaintingConditioning(runtime: DiffusionRuntime, image: Tensor, mask: MaskPlane, latentScale: number): Promise<Float32Array> {
  const { width, height } = mask;
  const plane = width * height;
  const masked = new Float32Array(image.data.length);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) masked[c * plane + i] = mask.data[i] < 0.5 ? image.data[c * plane + i] : 0;
  }
  const encoded = await runtime.encodeImage(tensor(masked, image.dims));
  const latents = encoded.data.map((v) => v * latentScale);
  const latentWidth = width / 8;
  const latentHeight = height / 8;
  const cells = new Float32Array(latentWidth * latentHeight);
  for (let y = 0; y < latentHeight; y++) {
    for (let x = 0; x < latentWidth; x++) cells[y * latentWidth + x] = mask.data[y * 8 * width + x * 8] >= 0.5 ? 1 : 0;
  }
  return inpaintUnetExtra(cells, latents);
}

/** The mask over a tile's model rectangle, mirrored where it sticks out of the crop (as cutSourceTile). */
export function cutMaskTile(mask: MaskPlane, area: Rect): MaskPlane {
  const data = new Float32Array(area.width * area.height);
  for (let row = 0; row < area.height; row++) {
    const y = reflectIndex(area.y + row, mask.height);
    for (let column = 0; column < area.width; column++) data[row * area.width + column] = mask.data[y * mask.width + reflectIndex(area.x + column, mask.width)];
  }
  return { width: area.width, height: area.height, data };
}

/**
 * What one model-size picture needs to be inpainted: the picture the model starts from (A1111 fills before
 * encoding, with the blurred mask at model size) and the latent settings (mask, fill, 9-channel input).
 */
async function prepareLatentInpaint(context: PipelineContext, modelImage: Tensor, modelMask: MaskPlane, fill: InpaintParams['fill']): Promise<{ source: Tensor; inpaint: LatentInpaint }> {
  const source = fill === 'fill' ? fillMasked(modelImage, modelMask) : modelImage;
  const nineChannels = (context.runtime.unetInputChannels ?? 4) === 9;
  const inpaint: LatentInpaint = { latentMask: latentMaskOf(modelMask), fill, blend: !nineChannels };
  if (nineChannels) inpaint.unetExtra = await inpaintingConditioning(context.runtime, source, modelMask, context.latentScale);
  return { source, inpaint };
}

/** img2img of one crop with its (blurred) mask, fitted to the model and back: the generated crop, unpasted. */
async function inpaintCrop(
  context: PipelineContext,
  crop: RawImage,
  mask: MaskPlane,
  params: ResolvedInpaintParams,
  hooks: JobHooks,
  timings: Record<string, number>,
): Promise<{ image: RawImage; stepsRun: number }> {
  const fixed = context.runtime.fixedLatentSize;
  const plan = planFit(crop.width, crop.height, fixed ? Math.min(fixed[0], fixed[1]) * 8 : null);
  if (plan.kind === 'tiles') {
    // Larger than one pass: tile by tile at native size as refine does; tiles the mask misses are skipped.
    const tiles = { tileSize: plan.tileSize, tileOverlap: UPSCALE_DEFAULTS.tileOverlap, colorMatch: UPSCALE_DEFAULTS.colorMatch };
    return refineTiled(context, { ...crop, data: crop.data.slice() }, { ...params, ...tiles }, hooks, timings, {
      inpaintTile: async (modelRect, source) => {
        const tileMask = cutMaskTile(mask, modelRect);
        return tileMask.data.some((v) => v > 0) ? prepareLatentInpaint(context, source, tileMask, params.inpaint.fill) : null;
      },
    });
  }
  const sampler = createSampler(params, context.schedulerConfig, { guidanceEmbedding: Boolean(context.runtime.timestepCondDim) });
  const totalSteps = sampler.steps.length;
  if (totalSteps === 0) return { image: crop, stepsRun: 0 };

  let t = performance.now();
  const { source: modelImage, inpaint } = await prepareLatentInpaint(context, toModelSize(rawToModelTensor(crop), plan), maskToModelSize(mask, plan), params.inpaint.fill);
  addTime(timings, 'imageConversion', t);
  const conditioning = await encodeConditioning(context.runtime, context.tokenizer, params, timings);
  hooks.onProgress({ step: 0, totalSteps, tile: 1, totalTiles: 1 });

  const [visibleWidth, visibleHeight] = plan.kind === 'enlarge' ? [plan.scaledWidth, plan.scaledHeight] : [crop.width, crop.height];
  const result = await img2imgTensor(context.runtime, sampler, conditioning, modelImage, {
    guidanceScale: params.guidanceScale,
    noise: philoxNoise(params.seed),
    latentScale: context.latentScale,
    isCancelled: hooks.isCancelled,
    onStep: (step, total, latents) => reportStep(hooks, { step, totalSteps: total, tile: 1, totalTiles: 1 }, latents, visibleWidth, visibleHeight, timings),
    timings,
    inpaint,
    hooks: maskBlendHooks(inpaint),
  });
  t = performance.now();
  const output = modelTensorToRaw(fromModelSize(result.image, plan, crop.width, crop.height), crop.bitDepth, crop);
  addTime(timings, 'imageConversion', t);
  return { image: output, stepsRun: result.stepsRun };
}

/**
 * Inpaints `image` where `params.inpaint.mask` is white. An empty mask (nothing to repaint) returns the
 * input unchanged with 0 steps; A1111 would instead run plain img2img on the whole picture.
 */
export async function inpaintImage(
  context: PipelineContext,
  image: RawImage,
  params: ResolvedInpaintParams,
  hooks: JobHooks,
  timings: Record<string, number>,
): Promise<{ image: RawImage; stepsRun: number }> {
  const settings = params.inpaint;
  checkMaskSize(settings.mask, image);
  let t = performance.now();
  const blurred = prepareMask(settings.mask, settings);
  const area = inpaintRegion(blurred, settings);
  t = addTime(timings, 'mask', t);
  if (!area) return { image: { ...image, data: image.data.slice() }, stepsRun: 0 };
  const cropMaskPlane = cropMask(blurred, area);
  const generated = await inpaintCrop(context, cropRaw(image, area), cropMaskPlane, params, hooks, timings);
  if (generated.stepsRun === 0) return { image: { ...image, data: image.data.slice() }, stepsRun: 0 };
  t = performance.now();
  const output = compositeOver(image, generated.image, overlayMask(cropMaskPlane, settings.inpaintArea), area);
  addTime(timings, 'mask', t);
  return { image: output, stepsRun: generated.stepsRun };
}
