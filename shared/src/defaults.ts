/** Defaults and limits shared by the server and the panel. */

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7860;

export const IMG2IMG_DEFAULTS = {
  prompt: '',
  negativePrompt: '',
  strength: 0.3,
  steps: 50,
  guidanceScale: 7.5,
  /** -1 = random: the server picks one when the job is created and reports it. */
  seed: -1,
  sampler: 'ddim',
  /** A1111's "Schedule type"; automatic = A1111 1.10's default for the sampler. */
  scheduler: 'automatic',
  emphasis: true,
  /** 'image': img2img; 'noise': generate from pure noise (txt2img). */
  init: 'image',
} as const;

export const UPSCALE_DEFAULTS = {
  ...IMG2IMG_DEFAULTS,
  scale: 2,
  tileSize: 512,
  tileOverlap: 64,
  colorMatch: true,
} as const;

/**
 * Inpaint inside a mask (docs/inpaint.md), A1111 1.10's options under our names. Used when a job has a
 * mask; strength is the panel's default in Inpaint mode (A1111's denoising default).
 */
export const INPAINT_DEFAULTS = {
  strength: 0.75,
  maskBlur: 4,
  inpaintArea: 'masked',
  padding: 32,
  fill: 'original',
  invertMask: false,
} as const;

export const INPAINT_AREAS = ['whole', 'masked'] as const;
export const INPAINT_FILLS = ['original', 'latent-noise', 'latent-nothing', 'fill'] as const;

/** Bounds of the parameters, so the panel's sliders and the server's validation agree. */
export const PARAM_BOUNDS = {
  strength: { min: 0, max: 1 },
  steps: { min: 1, max: 150 },
  guidanceScale: { min: 0, max: 30 },
  eta: { min: 0, max: 1 },
  scale: { min: 1, max: 4 },
  tileSize: { min: 64, max: 2048, multipleOf: 8 },
  tileOverlap: { min: 0 },
  promptLength: { max: 10_000 },
  /** Gaussian σ in pixels, and the context around the mask's box ("Only masked"): A1111's slider ranges. */
  maskBlur: { min: 0, max: 64 },
  padding: { min: 0, max: 256 },
  /** Seeds are 64-bit in the generator, but JSON numbers are exact only up to 2^53 − 1. */
  seed: { min: -1, max: Number.MAX_SAFE_INTEGER },
} as const;

/** Server limits (each can be changed by a `serve` flag); the server reports its own in /v1/health. */
export const DEFAULT_LIMITS = {
  /** Pixels in an uploaded image: 4096 × 4096. */
  maxPixels: 4096 * 4096,
  /** Pixels in the result of an upscale: 8192 × 8192. */
  maxResultPixels: 8192 * 8192,
  /** Bytes of an image upload: 16-bit RGBA at the pixel limit, plus room for PNG overhead. */
  maxImageBytes: 4096 * 4096 * 8 + 1024 * 1024,
  /** Bytes of a JSON body. */
  maxJsonBytes: 256 * 1024,
  /** Jobs waiting (the running one not counted). */
  maxQueue: 32,
  /** Uploaded images kept in memory, oldest dropped first. */
  maxStoredImages: 64,
  /** Open `GET /v1/jobs/:id/events` streams on one job, and on all jobs together. */
  maxStreamsPerJob: 64,
  maxStreams: 256,
} as const;
