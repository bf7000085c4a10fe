/**
 * The job parameters (img2img, inpaint, upscale) as zod schemas, with their types inferred: what a job
 * request's `params` hold, validated the same way by the HTTP API and the command line. Part of the
 * protocol (protocol.ts re-exports it); no node-only imports: the panel bundles this file.
 */
import { z } from 'zod';
import { IMG2IMG_DEFAULTS, INPAINT_AREAS, INPAINT_FILLS, PARAM_BOUNDS, UPSCALE_DEFAULTS } from './defaults';
import { ACCEPTED_SAMPLER_NAMES, parseSamplerName, parseScheduleType, SamplerId, SCHEDULE_TYPES, unknownSamplerMessage } from './samplers';

const B = PARAM_BOUNDS;

// ---------------------------------------------------------------- samplers

/**
 * A sampler id or one of A1111's names for it ("Euler a", "DPM++ 2M Karras", …), case-insensitively.
 * The object schema below replaces the name with its id, hence the output type; an unknown name fails
 * with the list of accepted ones.
 */
const samplerNameSchema = z
  .string()
  .describe(`A sampler id or A1111 name, case-insensitive: ${ACCEPTED_SAMPLER_NAMES.join(', ')}`)
  .refine((name) => parseSamplerName(name) !== null, { error: (issue) => unknownSamplerMessage(String(issue.input)) }) as unknown as z.ZodType<
  SamplerId,
  string
>;

/** `automatic`, `uniform`, `karras`, or A1111's labels for them ("Karras"), case-insensitively. */
const scheduleTypeSchema = z.preprocess(
  (value) => (typeof value === 'string' ? (parseScheduleType(value) ?? value) : value),
  z.enum(SCHEDULE_TYPES),
);

// ---------------------------------------------------------------- parameters

export const img2imgParamsSchema = z.object({
  prompt: z.string().max(B.promptLength.max).default(IMG2IMG_DEFAULTS.prompt),
  negativePrompt: z.string().max(B.promptLength.max).default(IMG2IMG_DEFAULTS.negativePrompt),
  /** Fraction of the DDIM schedule that is re-run: 0 returns the input, 1 ignores it. */
  strength: z.number().min(B.strength.min).max(B.strength.max).default(IMG2IMG_DEFAULTS.strength),
  steps: z.number().int().min(B.steps.min).max(B.steps.max).default(IMG2IMG_DEFAULTS.steps),
  guidanceScale: z
    .number()
    .min(B.guidanceScale.min)
    .max(B.guidanceScale.max)
    .default(IMG2IMG_DEFAULTS.guidanceScale),
  /** -1 = random; the job status reports the seed used. */
  seed: z.number().int().min(B.seed.min).max(B.seed.max).default(IMG2IMG_DEFAULTS.seed),
  sampler: samplerNameSchema.default(IMG2IMG_DEFAULTS.sampler),
  /** A1111's "Schedule type"; `automatic` is A1111 1.10's default for the sampler (shared/src/samplers.ts). */
  scheduler: scheduleTypeSchema.default(IMG2IMG_DEFAULTS.scheduler),
  /** Absent: the sampler's default (A1111's options: Euler a 1, DDIM 0); ignored by samplers without η. */
  eta: z.number().min(B.eta.min).max(B.eta.max).optional(),
  /** A1111 prompt emphasis: `(word)`, `[word]`, `(word:1.5)`, `BREAK`. */
  emphasis: z.boolean().default(IMG2IMG_DEFAULTS.emphasis),
  /**
   * 'noise' generates from pure noise (txt2img): the image only gives the size, strength is not used and
   * every step runs. 'image' (default) is img2img.
   */
  init: z.enum(['image', 'noise']).default(IMG2IMG_DEFAULTS.init),
  /**
   * Fast mode: LCM at 4 steps and the model's tiny (TAESD) decoder, on LCM-distilled models only (`fast` in
   * `GET /v1/health`). Absent: the server's default for the model. The job then records the sampler and
   * steps it ran.
   */
  fast: z.boolean().optional(),
  // Inpaint (docs/inpaint.md): with `mask`, only the mask's white is repainted; the rest need a mask and
  // default to INPAINT_DEFAULTS. Optional without defaults, so a plain img2img's params stay as they were.
  /** An uploaded image id, the input's size; white = repaint. */
  mask: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'an id is letters, digits, _ and -').optional(),
  maskBlur: z.number().int().min(B.maskBlur.min).max(B.maskBlur.max).optional(),
  inpaintArea: z.enum(INPAINT_AREAS).optional(),
  padding: z.number().int().min(B.padding.min).max(B.padding.max).optional(),
  fill: z.enum(INPAINT_FILLS).optional(),
  invertMask: z.boolean().optional(),
})
  // A name that carries a schedule ("DPM++ 2M Karras") sets it, overriding `scheduler` as A1111 does;
  // every accepted name becomes its id here, so the output's `sampler` is always a SamplerId.
  .overwrite((params) => {
    const choice = parseSamplerName(params.sampler);
    if (choice === null) return params;
    return { ...params, sampler: choice.sampler, scheduler: choice.schedule ?? params.scheduler };
  });
export type Img2ImgParamsInput = z.input<typeof img2imgParamsSchema>;

const INPAINT_OPTIONS = ['maskBlur', 'inpaintArea', 'padding', 'fill', 'invertMask'] as const;

/** Inpaint options that do not fit together, as the field to name and why; null when they fit. */
export function inpaintCombinationIssue(p: z.output<typeof img2imgParamsSchema>): { field: string; message: string } | null {
  if (p.mask === undefined) {
    const stray = INPAINT_OPTIONS.find((key) => p[key] !== undefined);
    return stray ? { field: stray, message: `${stray} applies only when inpainting: give a mask too` } : null;
  }
  if (p.init === 'noise') return { field: 'init', message: 'inpainting starts from the image: init must be "image" with a mask' };
  if (p.padding !== undefined && p.inpaintArea === 'whole') {
    return { field: 'padding', message: 'padding applies only with inpaintArea "masked"' };
  }
  return null;
}

/** The inpaint combination rule as a zod refinement (a job request's img2img params). */
export function checkInpaint(p: z.output<typeof img2imgParamsSchema>, ctx: z.RefinementCtx): void {
  const issue = inpaintCombinationIssue(p);
  if (issue) ctx.addIssue({ code: z.ZodIssueCode.custom, message: issue.message, path: [issue.field] });
}
export type Img2ImgParams = z.output<typeof img2imgParamsSchema>;

export const upscaleParamsSchema = img2imgParamsSchema
  .extend({
    scale: z.number().min(B.scale.min).max(B.scale.max).default(UPSCALE_DEFAULTS.scale),
    tileSize: z
      .number()
      .int()
      .min(B.tileSize.min)
      .max(B.tileSize.max)
      .multipleOf(B.tileSize.multipleOf)
      .default(UPSCALE_DEFAULTS.tileSize),
    tileOverlap: z.number().int().min(B.tileOverlap.min).default(UPSCALE_DEFAULTS.tileOverlap),
    /** Match each tile's per-channel mean/std to the enlarged source. */
    colorMatch: z.boolean().default(UPSCALE_DEFAULTS.colorMatch),
    /** 'insane': img2img at model resolution first, then 2× tiles. */
    recipe: z.literal('insane').optional(),
  })
  .refine((p) => p.tileOverlap * 2 < p.tileSize, {
    message: 'tileOverlap must be less than half of tileSize',
    path: ['tileOverlap'],
  })
  .refine((p) => p.init === 'image', { message: 'an upscale starts from its image: init must be "image"', path: ['init'] })
  .refine((p) => p.mask === undefined, { message: 'upscale takes no mask (inpaint with an img2img job)', path: ['mask'] });
export type UpscaleParamsInput = z.input<typeof upscaleParamsSchema>;
export type UpscaleParams = z.output<typeof upscaleParamsSchema>;
