/**
 * The HTTP API's data, defined once (DESIGN §6): zod schemas, with the TypeScript types inferred from them.
 * The server validates with these, the panel builds requests and reads responses with these, and
 * `/v1/openapi.json` is generated from these. No node-only imports: the panel bundles this file.
 */
import { z } from 'zod';
import { IMG2IMG_DEFAULTS, INPAINT_AREAS, INPAINT_FILLS, PARAM_BOUNDS, UPSCALE_DEFAULTS } from './defaults';
import { errorBodySchema } from './errors';
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

function checkInpaint(p: z.output<typeof img2imgParamsSchema>, ctx: z.RefinementCtx): void {
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

export const jobKindSchema = z.enum(['img2img', 'upscale']);
export type JobKind = z.infer<typeof jobKindSchema>;

// ---------------------------------------------------------------- images

/** Image ids are opaque to clients; the server makes them URL-safe. */
const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'an id is letters, digits, _ and -');

export const bitDepthSchema = z.union([z.literal(8), z.literal(16)]);

/**
 * `POST /v1/images` with `Content-Type: application/octet-stream`: the size travels in the query string
 * (`?width=…&height=…&bitDepth=8|16`). The bytes are RGBA interleaved, top-left first; 16-bit samples
 * are little-endian and span 0..65535.
 */
export const rawImageQuerySchema = z.object({
  width: z.coerce.number().int().min(1).max(65_535),
  height: z.coerce.number().int().min(1).max(65_535),
  bitDepth: z.coerce
    .number()
    .pipe(bitDepthSchema)
    .default(8),
});
export type RawImageQuery = z.output<typeof rawImageQuerySchema>;

export const imageInfoSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  bitDepth: bitDepthSchema,
  /** Always 4 (RGBA) on the wire; a PNG without alpha gets an opaque one. */
  channels: z.literal(4),
});
export type ImageInfo = z.infer<typeof imageInfoSchema>;

export const imageUploadResponseSchema = imageInfoSchema.extend({ id: idSchema });
export type ImageUploadResponse = z.infer<typeof imageUploadResponseSchema>;

// ---------------------------------------------------------------- jobs

/**
 * The model a job runs with (a name from `GET /v1/models`); absent = the current model. In studio mode only
 * a worker that serves this model takes the job.
 */
const jobModelSchema = z.string().min(1).max(255).optional();

export const jobCreateRequestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('img2img'),
    image: idSchema,
    params: img2imgParamsSchema.superRefine(checkInpaint).default(() => img2imgParamsSchema.parse({})),
    model: jobModelSchema,
  }),
  z.object({
    kind: z.literal('upscale'),
    image: idSchema,
    params: upscaleParamsSchema.default(() => upscaleParamsSchema.parse({})),
    model: jobModelSchema,
  }),
]);
export type JobCreateRequest = z.input<typeof jobCreateRequestSchema>;
/** A job request after defaults are filled in. */
export type JobSpec = z.output<typeof jobCreateRequestSchema>;

export const jobCreateResponseSchema = z.object({
  id: idSchema,
  state: z.literal('queued'),
  /** 0 = next to run. */
  queuePosition: z.number().int(),
  /** The seed the job will use (a random one was picked if the request said -1). */
  seed: z.number().int(),
});
export type JobCreateResponse = z.infer<typeof jobCreateResponseSchema>;

export const jobStateSchema = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof jobStateSchema>;
export const TERMINAL_STATES: readonly JobState[] = ['done', 'failed', 'cancelled'];

const isoDateSchema = z.string().describe('ISO 8601 date-time');

export const jobStatusSchema = z.object({
  id: idSchema,
  kind: jobKindSchema,
  state: jobStateSchema,
  /** Jobs ahead of this one; null once it runs. */
  queuePosition: z.number().int().nullable(),
  /** Steps done in the current tile, of totalSteps. 0/0 until the engine reports. */
  step: z.number().int(),
  totalSteps: z.number().int(),
  /** 1-based tile being worked on, of totalTiles (1/1 for img2img). */
  tile: z.number().int(),
  totalTiles: z.number().int(),
  /** Seconds left, estimated from the steps done so far; null before the first step. */
  etaSeconds: z.number().nullable(),
  seed: z.number().int(),
  /** The model the job ran (or will run) with; null while queued. */
  model: z.string().nullable(),
  error: errorBodySchema.nullable(),
  createdAt: isoDateSchema,
  startedAt: isoDateSchema.nullable(),
  finishedAt: isoDateSchema.nullable(),
  /** Size of the result, once done. */
  result: imageInfoSchema.nullable(),
  /** The history entry of the result, once done (`GET /v1/history/:id/image`). */
  historyId: idSchema.nullable(),
});
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** `GET /v1/jobs/:id/events`: `event: status` frames whose data is a JobStatus; the stream ends at a terminal state. */
export const JOB_EVENT_NAME = 'status';

// ---------------------------------------------------------------- history

const historyBase = {
  id: idSchema,
  jobId: idSchema,
  seed: z.number().int(),
  model: z.string(),
  device: z.string(),
  /** Milliseconds per stage (tokenize, unet, vaeDecode, …) plus `total`. */
  timings: z.record(z.string(), z.number()),
  stepsRun: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  bitDepth: bitDepthSchema,
  input: z.object({ width: z.number().int(), height: z.number().int(), bitDepth: bitDepthSchema }),
  createdAt: isoDateSchema,
  /** A1111's infotext of the result, also in its PNG's `parameters` chunk (absent in entries written before it existed). */
  infotext: z.string().optional(),
};

export const historyEntrySchema = z.discriminatedUnion('kind', [
  z.object({ ...historyBase, kind: z.literal('img2img'), params: img2imgParamsSchema }),
  z.object({ ...historyBase, kind: z.literal('upscale'), params: upscaleParamsSchema }),
]);
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const historyQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type HistoryQuery = z.output<typeof historyQuerySchema>;

/** `GET /v1/history/:id/image?maxSide=N`: a PNG shrunk to fit N×N (thumbnails); without it, the full image. */
export const historyImageQuerySchema = z.object({
  maxSide: z.coerce.number().int().min(16).max(1024).optional(),
});
export type HistoryImageQuery = z.output<typeof historyImageQuerySchema>;

/** Newest first. */
export const historyListResponseSchema = z.object({
  items: z.array(historyEntrySchema),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});
export type HistoryListResponse = z.infer<typeof historyListResponseSchema>;

// ---------------------------------------------------------------- models and health

export const modelSummarySchema = z.object({
  name: z.string(),
  /** The tiny random-weight model: its images are meaningless. */
  demo: z.boolean(),
  active: z.boolean(),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

export const modelsResponseSchema = z.object({
  models: z.array(modelSummarySchema),
  current: z.string().nullable(),
  /** The model being loaded, if a switch is under way. */
  loading: z.string().nullable(),
});
export type ModelsResponse = z.infer<typeof modelsResponseSchema>;

export const modelSelectRequestSchema = z.object({ name: z.string().min(1).max(255) });
export type ModelSelectRequest = z.infer<typeof modelSelectRequestSchema>;

/** Sent once the model is loaded (queued jobs wait for it). */
export const modelSelectResponseSchema = z.object({ current: z.string(), demo: z.boolean() });
export type ModelSelectResponse = z.infer<typeof modelSelectResponseSchema>;

export const limitsSchema = z.object({
  maxPixels: z.number().int(),
  maxResultPixels: z.number().int(),
  maxImageBytes: z.number().int(),
  maxJsonBytes: z.number().int(),
  maxQueue: z.number().int(),
  maxStoredImages: z.number().int(),
  maxStreamsPerJob: z.number().int(),
  maxStreams: z.number().int(),
});
export type Limits = z.infer<typeof limitsSchema>;

/** One GPU worker process in studio mode (`insaneres worker`), as its heartbeat last announced it. */
export const workerInfoSchema = z.object({
  name: z.string(),
  /** The model it serves (it takes only jobs for this model). */
  model: z.string(),
  device: z.string(),
  /** busy: running a job; idle: waiting for one; gone: no heartbeat for a while (stopped or crashed). */
  state: z.enum(['idle', 'busy', 'gone']),
  /** The job it runs, when busy. */
  job: idSchema.nullable(),
  lastSeen: isoDateSchema,
});
export type WorkerInfo = z.infer<typeof workerInfoSchema>;

/** Fast mode as the current model offers it (server/src/engine/fast-mode.ts). */
export const fastModeSchema = z.object({
  /** The model is LCM-distilled (its UNet takes timestep_cond): jobs may ask for `fast: true`. */
  available: z.boolean(),
  /** Jobs that do not say get fast mode (`serve --fast`, where the model has it). */
  default: z.boolean(),
  /** The model has a tiny TAESD decoder (`vae_decoder_tiny/` or `--vae`); without one fast mode uses the full VAE. */
  tinyDecoder: z.boolean(),
  /** Why fast mode is not available, for the panel's tooltip; null when it is. */
  reason: z.string().nullable(),
});
export type FastMode = z.infer<typeof fastModeSchema>;

export const healthResponseSchema = z.object({
  ok: z.literal(true),
  version: z.string(),
  /** The current model's name; null before the first load finishes. */
  model: z.string().nullable(),
  /**
   * The model being loaded (at start, or a switch), else null. Jobs submitted meanwhile wait for it.
   * Optional so that a panel also talks to servers from before it existed.
   */
  loading: z.string().nullable().optional(),
  device: z.string(),
  /** True with the tiny demo model: results are meaningless. */
  demo: z.boolean(),
  /** Set with the demo model: how to use a real one. */
  notice: z.string().nullable(),
  queueLength: z.number().int(),
  running: z.boolean(),
  limits: limitsSchema,
  /** Studio mode only: the GPU worker processes that take jobs from the shared queue. */
  workers: z.array(workerInfoSchema).optional(),
  /** The current model's fast mode; null before a model is loaded (and in studio mode). Optional: older servers lack it. */
  fast: fastModeSchema.nullable().optional(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

// ---------------------------------------------------------------- paths

/** Every route, so clients never spell a URL by hand. Ids are URL-safe already. */
export const apiPaths = {
  health: '/v1/health',
  models: '/v1/models',
  modelSelect: '/v1/models/select',
  images: '/v1/images',
  jobs: '/v1/jobs',
  job: (id: string) => `/v1/jobs/${id}`,
  jobEvents: (id: string) => `/v1/jobs/${id}/events`,
  jobPreview: (id: string) => `/v1/jobs/${id}/preview`,
  jobResult: (id: string) => `/v1/jobs/${id}/result`,
  history: '/v1/history',
  historyImage: (id: string) => `/v1/history/${id}/image`,
  openapi: '/v1/openapi.json',
} as const;

/** Headers on a raw RGBA result (`Accept: application/octet-stream`). */
/**
 * Sent by the panel's client on every request. A web page can only attach a custom header after a CORS
 * preflight, which the server refuses for foreign origins, so this header marks a request as not coming
 * from a web page — which lets the server accept the panel even if a UXP version sends `Origin: null`.
 */
export const CLIENT_HEADER = 'X-InsaneRes-Client';

/**
 * Optional: a stable id per panel or script. Studio mode interleaves the jobs of different clients; without
 * this header a client is its network address.
 */
export const CLIENT_ID_HEADER = 'X-InsaneRes-Client-Id';

export const RAW_HEADERS = {
  width: 'X-Image-Width',
  height: 'X-Image-Height',
  bitDepth: 'X-Image-Bit-Depth',
} as const;
