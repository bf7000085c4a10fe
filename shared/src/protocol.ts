/**
 * The HTTP API's data, defined once (DESIGN §6): zod schemas, with the TypeScript types inferred from them.
 * The server validates with these, the panel builds requests and reads responses with these, and
 * `/v1/openapi.json` is generated from these. No node-only imports: the panel bundles this file.
 */
import { z } from 'zod';
import { errorBodySchema } from './errors';
import { checkInpaint, img2imgParamsSchema, upscaleParamsSchema } from './params';

export * from './params';

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
