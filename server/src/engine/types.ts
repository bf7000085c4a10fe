import type { FastMode } from '../../../shared/src/protocol';
import type { SamplerId, ScheduleType } from '../../../shared/src/samplers';

/**
 * The engine as seen by its callers (CLI, HTTP server): one object that owns the inference worker.
 * Everything here crosses a thread boundary, so it is plain data.
 */

/** Decoded pixels, interleaved, top-left first. 16-bit data spans 0..65535. */
export interface RawImage {
  width: number;
  height: number;
  channels: 3 | 4;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

export interface Img2ImgParams {
  prompt: string;
  negativePrompt: string;
  strength: number;
  steps: number;
  guidanceScale: number;
  /** -1 = random; the seed actually used is reported in the result. */
  seed: number;
  /** shared/src/samplers.ts: ddim, euler, euler_a, dpmpp_2m, lcm. */
  sampler: SamplerId;
  /** A1111's "Schedule type"; absent = automatic (A1111 1.10's default for the sampler). */
  scheduler?: ScheduleType;
  /** Absent = the sampler's default (Euler a 1, DDIM 0). */
  eta?: number;
  /** A1111 `(word:1.2)` emphasis syntax; on by default. */
  emphasis: boolean;
  /** 'noise': generate from pure noise (txt2img), the image giving only the size. Default 'image'. */
  init?: 'image' | 'noise';
  /** Inpaint inside a mask (pipeline/inpaint); absent = plain img2img of the whole crop. */
  inpaint?: InpaintParams;
  /** Fast mode (engine/fast-mode.ts): LCM at 4 steps, the tiny decoder when the model has one. Absent = off. */
  fast?: boolean;
}

/** A1111 1.10's inpaint options, under our names (docs/inpaint.md maps them to A1111's). */
export interface InpaintParams {
  /** White = repaint; the input's exact size. */
  mask: RawImage;
  /** Gaussian σ in pixels ("Mask blur"). */
  maskBlur: number;
  /** 'masked' = "Only masked": only the mask's box grown by `padding` goes to the model. */
  inpaintArea: 'whole' | 'masked';
  padding: number;
  /** "Masked content". */
  fill: 'original' | 'latent-noise' | 'latent-nothing' | 'fill';
  /** "Inpaint not masked". */
  invertMask: boolean;
}

export interface UpscaleParams extends Img2ImgParams {
  scale: number;
  tileSize: number;
  tileOverlap: number;
  /** Match each tile's per-channel mean/std to the enlarged source. */
  colorMatch: boolean;
  /** 'insane': img2img at model resolution first, then 2x tiles. */
  recipe?: 'insane';
}

export interface Progress {
  /** Steps done so far in the current tile (0..totalSteps). */
  step: number;
  totalSteps: number;
  /** 1-based tile being worked on, and the number of tiles (1 for plain img2img). */
  tile: number;
  totalTiles: number;
  /** A cheap RGB picture of the current state (latent→RGB map, or the partly assembled upscale). */
  preview?: RawImage;
}

export interface JobOutput {
  image: RawImage;
  seed: number;
  /** Denoising steps actually run per tile (0 when strength is too small for one step). */
  stepsRun: number;
  /** Milliseconds per stage, e.g. tokenize, textEncoder, vaeEncode, unet, scheduler, vaeDecode, imageConversion. */
  timings: Record<string, number>;
  /** The VAE decoder that ran: 'vae_decoder', 'vae_decoder_tiny', or the --vae folder. */
  decoder?: string;
  /** The VAE encoder img2img started from: 'vae_encoder', or fast mode's 'vae_encoder_tiny'. */
  encoder?: string;
}

export interface ModelInfo {
  name: string;
  dir: string;
  /** The tiny random-weight model: its images are meaningless. */
  demo: boolean;
  device: string;
  /** What fast mode the model offers (its `default` is the server's business); absent = none (studio fronts, fakes). */
  fast?: Omit<FastMode, 'default'>;
  /** Studio mode: the default fast setting of the worker that serves the model (its `--fast`). */
  fastDefault?: boolean;
}

export interface RunOptions {
  onProgress?: (progress: Progress) => void;
  /** Checked between denoising steps. */
  signal?: AbortSignal;
}

export interface Engine {
  readonly device: string;
  readonly model: ModelInfo | null;
  loadModel(dir: string): Promise<ModelInfo>;
  img2img(image: RawImage, params: Img2ImgParams, options?: RunOptions): Promise<JobOutput>;
  upscale(image: RawImage, params: UpscaleParams, options?: RunOptions): Promise<JobOutput>;
  close(): Promise<void>;
}
