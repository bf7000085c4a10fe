/**
 * A1111 generation requests → our job specs (one job per image: n_iter × batch_size), with a warning for
 * every A1111 feature asked for that this server does not have. txt2img is img2img from pure noise
 * (init 'noise'); "SD upscale" is our tiled upscale. Nothing here runs a job; an init image of another
 * size is resized on a worker thread (image/resize-off-thread.ts), never on the event loop.
 */
import { randomInt } from 'crypto';
import {
  ApiError,
  img2imgParamsSchema,
  upscaleParamsSchema,
  type Img2ImgParamsInput,
  type JobSpec,
  type Limits,
} from '../../../../shared/src';
import { samplerInfo } from '../../../../shared/src/samplers';
import type { RawImage } from '../../engine/types';
import { resizeRawOffThread } from '../../image/resize-off-thread';
import { parseOrThrow } from '../validate';
import { ValidationError } from './errors';
import { resolveA1111Sampler } from './samplers';
import type { Img2ImgRequest, Txt2ImgRequest } from './schemas';

export interface PlannedJob {
  spec: JobSpec;
  input: RawImage;
  /** The inpaint mask, the input's size (white = repaint). */
  mask?: RawImage;
}

export interface GenerationPlan {
  jobs: PlannedJob[];
  /** A1111's all_seeds: seed + i for image i. */
  seeds: number[];
  warnings: string[];
  /** A1111's display name of the sampler that runs. */
  samplerLabel: string;
  /** `override_settings.sd_model_checkpoint`, if any. */
  checkpoint: string | null;
}

/** Options that change how we generate; everything else in override_settings is reported as not applied. */
const APPLIED_SETTINGS = new Set(['sd_model_checkpoint', 'eta_ddim', 'eta_ancestral', 'emphasis']);

type Options = (key: string) => unknown;

function unsupported(req: Txt2ImgRequest | Img2ImgRequest, warnings: string[]): void {
  if (req.restore_faces) warnings.push('restore_faces: face restoration is not available; images are not restored');
  if (req.tiling) warnings.push('tiling: seamless tiling is not available; images are not tileable');
  if (req.styles.length > 0) warnings.push(`styles: prompt styles are not available; ${req.styles.join(', ')} not applied`);
  if (req.subseed_strength > 0) warnings.push('subseed_strength: variation seeds are not available; only seed is used');
  const scripts = Object.keys(req.alwayson_scripts);
  if (scripts.length > 0) warnings.push(`alwayson_scripts: ${scripts.join(', ')} not available here; ignored`);
  const ignored = Object.keys(req.override_settings).filter((k) => !APPLIED_SETTINGS.has(k));
  if (ignored.length > 0) warnings.push(`override_settings: ${ignored.join(', ')} not applied`);
}

/** The parameters every image of a request shares, as our job params. */
function sharedParams(req: Txt2ImgRequest | Img2ImgRequest, options: Options, warnings: string[]) {
  const setting = (key: string): unknown => (key in req.override_settings ? req.override_settings[key] : options(key));
  const { sampler, scheduler, warnings: samplerWarnings } = resolveA1111Sampler(req.sampler_name ?? req.sampler_index, req.scheduler);
  warnings.push(...samplerWarnings);
  let eta = req.eta;
  if (eta === undefined) {
    // A1111's options give the default η: eta_ddim for DDIM, eta_ancestral for the ancestral samplers.
    const fromOption = sampler === 'ddim' ? setting('eta_ddim') : samplerInfo(sampler).defaultEta !== null ? setting('eta_ancestral') : undefined;
    if (typeof fromOption === 'number') eta = fromOption;
  }
  const emphasisSetting = setting('emphasis');
  if (emphasisSetting !== 'Original' && emphasisSetting !== 'None' && emphasisSetting !== undefined) {
    warnings.push(`emphasis "${String(emphasisSetting)}" is not available; used Original`);
  }
  const params: Img2ImgParamsInput = {
    prompt: req.prompt,
    negativePrompt: req.negative_prompt,
    steps: req.steps,
    guidanceScale: req.cfg_scale,
    sampler,
    scheduler,
    eta,
    emphasis: emphasisSetting !== 'None',
  };
  unsupported(req, warnings);
  return { params, samplerLabel: samplerInfo(sampler).label };
}

/** Seeds as A1111 assigns them: −1 picks one at random (32-bit), image i gets seed + i. */
function seedsFor(seed: number, count: number): number[] {
  const first = seed === -1 ? randomInt(0, 2 ** 32) : seed;
  return Array.from({ length: count }, (_, i) => first + i);
}

function imageCount(req: Txt2ImgRequest | Img2ImgRequest, limits: Limits): number {
  const count = req.n_iter * req.batch_size;
  if (count > limits.maxQueue) {
    throw new ApiError('QUEUE_FULL', `n_iter × batch_size = ${count} images; this server queues at most ${limits.maxQueue} (--max-queue)`);
  }
  return count;
}

function checkSize(width: number, height: number, limits: Limits): void {
  if (width * height > limits.maxPixels) {
    throw new ApiError('IMAGE_TOO_LARGE', `width × height = ${width}×${height} = ${width * height} pixels; the limit is ${limits.maxPixels} pixels`);
  }
}

function checkpointOf(req: Txt2ImgRequest | Img2ImgRequest): string | null {
  const value = req.override_settings.sd_model_checkpoint;
  return typeof value === 'string' && value !== '' ? value : null;
}

export function planTxt2Img(req: Txt2ImgRequest, options: Options, limits: Limits): GenerationPlan {
  if (req.script_name) throw ValidationError.one('script_name', `Script '${req.script_name}' not found (txt2img has no scripts here; see GET /sdapi/v1/scripts)`);
  const warnings: string[] = [];
  if (req.enable_hr) warnings.push(`enable_hr: hires fix is not available; generated at ${req.width}x${req.height}`);
  checkSize(req.width, req.height, limits);
  const { params, samplerLabel } = sharedParams(req, options, warnings);
  const seeds = seedsFor(req.seed, imageCount(req, limits));
  // Only the size of this image matters: generation starts from noise.
  const input: RawImage = { width: req.width, height: req.height, channels: 3, bitDepth: 8, data: new Uint8Array(req.width * req.height * 3) };
  const jobs = seeds.map((seed) => ({
    spec: { kind: 'img2img' as const, image: 'a1111-txt2img', params: parseOrThrow(img2imgParamsSchema, { ...params, seed, strength: 1, init: 'noise' }, 'txt2img parameters') },
    input,
  }));
  return { jobs, seeds, warnings, samplerLabel, checkpoint: checkpointOf(req) };
}

/** A1111's `inpainting_fill` 0…3 under our names (docs/inpaint.md). */
const FILLS = ['fill', 'original', 'latent-noise', 'latent-nothing'] as const;

/**
 * A1111's inpaint fields as our job params: `inpaint_full_res` is "Only masked" (`inpaintArea` 'masked',
 * where the padding applies), `inpainting_fill` the masked content. The mask itself travels beside the job.
 */
function inpaintParams(req: Img2ImgRequest) {
  const masked = req.inpaint_full_res;
  return {
    mask: 'a1111-mask',
    maskBlur: req.mask_blur,
    inpaintArea: masked ? ('masked' as const) : ('whole' as const),
    padding: masked ? req.inpaint_full_res_padding : undefined,
    fill: FILLS[req.inpainting_fill],
    invertMask: req.inpainting_mask_invert,
  };
}

/** A1111's resize modes for an init image (or mask) of another size than width×height. */
async function fitInit(image: RawImage, req: Img2ImgRequest, warnings: string[]): Promise<RawImage> {
  const { width, height } = req;
  if (image.width === width && image.height === height) return image;
  if (req.resize_mode === 1) {
    // "Crop and resize": scale to cover width×height, then take the centre.
    const scale = Math.max(width / image.width, height / image.height);
    const scaledWidth = Math.max(width, Math.round(image.width * scale));
    const scaledHeight = Math.max(height, Math.round(image.height * scale));
    const crop = { x: Math.floor((scaledWidth - width) / 2), y: Math.floor((scaledHeight - height) / 2), width, height };
    return resizeRawOffThread(image, scaledWidth, scaledHeight, crop);
  }
  if (req.resize_mode === 2) warnings.push('resize_mode 2 (resize and fill) is not available; used 0 (just resize)');
  return resizeRawOffThread(image, width, height);
}

/** "SD upscale" script_args, positional as A1111's scripts/sd_upscale.py takes them: [info, overlap, upscaler, scale]. */
function sdUpscaleArgs(args: unknown[], warnings: string[]): { overlap: number; scale: number } {
  const [, overlapArg = 64, upscaler = 'Lanczos', scaleArg = 2] = args;
  const overlap = Number(overlapArg);
  const scale = Number(scaleArg);
  if (!Number.isInteger(overlap) || overlap < 0) throw ValidationError.one('script_args', `script_args[1] (tile overlap) must be an integer ≥ 0, got ${JSON.stringify(overlapArg)}`);
  if (!Number.isFinite(scale)) throw ValidationError.one('script_args', `script_args[3] (scale factor) must be a number, got ${JSON.stringify(scaleArg)}`);
  // The upscaler is an index into /sdapi/v1/upscalers or a name; ours is Lanczos (or None: no enlargement first).
  const name = typeof upscaler === 'number' ? ['None', 'Lanczos'][upscaler] : String(upscaler);
  if (name === undefined || !/^(lanczos|none)$/i.test(name)) warnings.push(`SD upscale upscaler ${JSON.stringify(upscaler)} is not available; used Lanczos`);
  return { overlap, scale };
}

export async function planImg2Img(req: Img2ImgRequest, inits: RawImage[], mask: RawImage | null, options: Options, limits: Limits): Promise<GenerationPlan> {
  const warnings: string[] = [];
  const script = req.script_name?.trim().toLowerCase();
  if (script && script !== 'sd upscale') {
    throw ValidationError.one('script_name', `Script '${req.script_name}' not found (available: sd upscale)`);
  }
  if (script && mask) throw ValidationError.one('mask', 'the sd upscale script takes no mask: inpaint without script_name');
  const { params, samplerLabel } = sharedParams(req, options, warnings);
  if (script === 'sd upscale') {
    const { overlap, scale } = sdUpscaleArgs(req.script_args, warnings);
    // A1111 cuts tiles of width×height; ours are square: the smaller side, in multiples of 8.
    const tileSize = Math.min(2048, Math.max(64, Math.floor(Math.min(req.width, req.height) / 8) * 8));
    const tileOverlap = Math.min(overlap, Math.ceil(tileSize / 2) - 1);
    if (tileOverlap !== overlap) warnings.push(`SD upscale overlap ${overlap} is more than half the ${tileSize} px tile; used ${tileOverlap}`);
    // A1111's script runs n_iter upscales of the first init image, seeds seed + n; batch_size only groups tiles.
    const seeds = seedsFor(req.seed, req.n_iter);
    const jobs = seeds.map((seed) => ({
      spec: {
        kind: 'upscale' as const,
        image: 'a1111-img2img',
        params: parseOrThrow(upscaleParamsSchema, { ...params, seed, strength: req.denoising_strength, scale, tileSize, tileOverlap, colorMatch: false }, 'SD upscale parameters'),
      },
      input: inits[0],
    }));
    return { jobs, seeds, warnings, samplerLabel, checkpoint: checkpointOf(req) };
  }
  checkSize(req.width, req.height, limits);
  const seeds = seedsFor(req.seed, imageCount(req, limits));
  // A1111 cycles through init_images over the images of a batch.
  // One at a time: each resize is a thread of its own, and a batch of init images need not all run at once.
  const fitted: RawImage[] = [];
  for (const image of inits) fitted.push(await fitInit(image, req, warnings));
  const fittedMask = mask ? await fitInit(mask, req, warnings) : undefined;
  const inpaint = fittedMask ? inpaintParams(req) : {};
  const jobs = seeds.map((seed, i) => ({
    spec: { kind: 'img2img' as const, image: 'a1111-img2img', params: parseOrThrow(img2imgParamsSchema, { ...params, ...inpaint, seed, strength: req.denoising_strength }, 'img2img parameters') },
    input: fitted[i % fitted.length],
    mask: fittedMask,
  }));
  return { jobs, seeds, warnings: [...new Set(warnings)], samplerLabel, checkpoint: checkpointOf(req) };
}
