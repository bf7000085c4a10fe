/**
 * Request schemas with A1111's field names and defaults (`modules/api/models.py`, which derives them from
 * `StableDiffusionProcessingTxt2Img/Img2Img.__init__`). As pydantic does there, numbers may come as numeric
 * strings, booleans as 0/1, `null` means "the default", and unknown fields are accepted and ignored.
 */
import { z } from 'zod';
import { PARAM_BOUNDS } from '../../../../shared/src';

const B = PARAM_BOUNDS;

/** null → the field's default, as pydantic's Optional fields are passed on as None and then defaulted. */
function orDefault<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema);
}

const numeric = z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value), z.number());
const number = (min: number, max: number) => numeric.pipe(z.number().min(min).max(max));
const integer = (min: number, max: number) => numeric.pipe(z.number().int().min(min).max(max));
const boolean = z.preprocess((value) => {
  if (value === 0 || value === 'false' || value === 'False') return false;
  if (value === 1 || value === 'true' || value === 'True') return true;
  return value;
}, z.boolean());

/** A1111 seeds: numbers or numeric strings; −1 (or any negative, or "") means random. */
const seed = z.preprocess(
  (value) => (value === '' ? -1 : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
  z.number().int().max(B.seed.max),
).transform((value) => (value < 0 ? -1 : value));

const text = orDefault(z.string().max(B.promptLength.max).default(''));

/** Fields of both generation requests. */
const generationFields = {
  prompt: text,
  negative_prompt: text,
  styles: orDefault(z.array(z.string()).default([])),
  seed: orDefault(seed.default(-1)),
  subseed: orDefault(seed.default(-1)),
  subseed_strength: orDefault(number(0, 1).default(0)),
  sampler_name: orDefault(z.string().optional()),
  // models.py: "sampler_index" defaults to "Euler"; sampler_name wins when both are given.
  sampler_index: orDefault(z.string().default('Euler')),
  scheduler: orDefault(z.string().optional()),
  batch_size: orDefault(integer(1, 64).default(1)),
  n_iter: orDefault(integer(1, 100).default(1)),
  steps: orDefault(integer(B.steps.min, B.steps.max).default(50)),
  cfg_scale: orDefault(number(B.guidanceScale.min, B.guidanceScale.max).default(7)),
  width: orDefault(integer(8, 16384).default(512)),
  height: orDefault(integer(8, 16384).default(512)),
  /** Absent: the sampler's default (A1111's eta_ddim / eta_ancestral options). */
  eta: orDefault(number(B.eta.min, B.eta.max).optional()),
  restore_faces: orDefault(boolean.optional()),
  tiling: orDefault(boolean.optional()),
  override_settings: orDefault(z.record(z.string(), z.unknown()).default({})),
  override_settings_restore_afterwards: orDefault(boolean.default(true)),
  script_name: orDefault(z.string().optional()),
  script_args: orDefault(z.array(z.unknown()).default([])),
  send_images: orDefault(boolean.default(true)),
  save_images: orDefault(boolean.default(false)),
  alwayson_scripts: orDefault(z.record(z.string(), z.unknown()).default({})),
  denoising_strength: orDefault(number(B.strength.min, B.strength.max).optional()),
};

export const txt2imgRequestSchema = z.object({
  ...generationFields,
  enable_hr: orDefault(boolean.default(false)),
});
export type Txt2ImgRequest = z.output<typeof txt2imgRequestSchema>;

export const img2imgRequestSchema = z.object({
  ...generationFields,
  init_images: orDefault(z.array(z.string()).min(1, 'at least one init image (base64 or a data URL)').optional()),
  denoising_strength: orDefault(number(B.strength.min, B.strength.max).default(0.75)),
  /** 0 just resize, 1 crop and resize, 2 resize and fill, 3 just resize (latent upscale). */
  resize_mode: orDefault(integer(0, 3).default(0)),
  mask: orDefault(z.string().optional()),
  mask_blur: orDefault(integer(B.maskBlur.min, B.maskBlur.max).default(4)),
  inpainting_fill: orDefault(integer(0, 3).default(0)),
  inpaint_full_res: orDefault(boolean.default(true)),
  inpaint_full_res_padding: orDefault(integer(B.padding.min, B.padding.max).default(0)),
  inpainting_mask_invert: orDefault(boolean.default(false)),
  include_init_images: orDefault(boolean.default(false)),
});
export type Img2ImgRequest = z.output<typeof img2imgRequestSchema>;

/** `ExtrasSingleImageRequest`. */
export const extrasSingleImageRequestSchema = z.object({
  image: orDefault(z.string().default('')),
  resize_mode: orDefault(z.union([z.literal(0), z.literal(1)]).default(0)),
  show_extras_results: orDefault(boolean.default(true)),
  gfpgan_visibility: orDefault(number(0, 1).default(0)),
  codeformer_visibility: orDefault(number(0, 1).default(0)),
  codeformer_weight: orDefault(number(0, 1).default(0)),
  upscaling_resize: orDefault(numeric.pipe(z.number().gt(0).max(8)).default(2)),
  upscaling_resize_w: orDefault(integer(1, 16384).default(512)),
  upscaling_resize_h: orDefault(integer(1, 16384).default(512)),
  upscaling_crop: orDefault(boolean.default(true)),
  upscaler_1: orDefault(z.string().default('None')),
  upscaler_2: orDefault(z.string().default('None')),
  extras_upscaler_2_visibility: orDefault(number(0, 1).default(0)),
  upscale_first: orDefault(boolean.default(false)),
});
export type ExtrasSingleImageRequest = z.output<typeof extrasSingleImageRequestSchema>;

/** `ExtrasBatchImagesRequest`: the same options for a list of `{data, name}` images. */
export const extrasBatchImagesRequestSchema = extrasSingleImageRequestSchema.omit({ image: true }).extend({
  imageList: z.array(z.object({ data: z.string(), name: orDefault(z.string().default('')) })).min(1).max(64),
});

export const pngInfoRequestSchema = z.object({ image: z.string() });

export const progressQuerySchema = z.object({ skip_current_image: orDefault(boolean.default(false)) });
