/** The tiny model's variants: each mirrors something a real SD 1.5 ONNX export does. */
import { Dim } from '../../server/src/onnx/proto-writer';
import { Precision } from './layers';

export type TimestepVariant = 'int64' | 'float32' | 'float16' | 'float32-scalar';

export interface StaticShape {
  /** The UNet's fixed batch (2 = CFG in one call). Text encoder and VAE are fixed to batch 1. */
  batch: 1 | 2;
  /** Fixed latent height and width (the VAE works at 8×). */
  latentSize: number;
}

export interface TinyModelOptions {
  /** Seed of the weights; the same options always give byte-identical files. */
  seed?: number;
  /** `input_ids` dtype of the text encoder (the runwayml ONNX export uses int32). */
  inputIds?: 'int32' | 'int64';
  /** The UNet's `timestep` input: int64 [B], float32 [B], float16 [B] or a float32 scalar. */
  timestep?: TimestepVariant;
  /** `latent_sample` [B,4,h,w], or `latent_parameters` [B,8,h,w] (mean ‖ logvar). */
  vaeEncoderOutput?: 'latent_sample' | 'latent_parameters';
  /** fp16: float inputs and outputs of every graph are float16 (weights and math stay float32). */
  precision?: Precision;
  /** Initializers of 1 KB and more go to `model.onnx_data` beside each `model.onnx`. */
  externalData?: boolean;
  /** Fixed dims, as some DirectML/Olive exports declare. */
  staticShape?: StaticShape;
  /** Omit model_index.json, the scheduler config and the VAE configs (as Amuse exports do). */
  noModelIndex?: boolean;
  /** UNet width (multiple of 8). */
  unetChannels?: number;
  /** Number of UNet residual blocks (cost grows linearly). */
  unetBlocks?: number;
  /** Text encoder width = the UNet's `encoder_hidden_states` width. */
  textHiddenSize?: number;
  /**
   * A UNet that loads but fails inside session.run (its output is reshaped to a size no input has), as an
   * export with a wrong fixed shape does: for testing that a failing run fails its job, not the server.
   */
  failAtRun?: boolean;
  /**
   * An inpainting checkpoint: the UNet's sample has 9 channels (latents ‖ mask ‖ masked-image latents), as
   * SD 1.5 inpainting exports have. The denoiser reads the first 4; conv_in reads all 9.
   */
  inpainting?: boolean;
  /**
   * Width of a `timestep_cond` [B, D] input, as LCM-distilled UNets have (diffusers' `time_cond_proj_dim`,
   * 256 in Dreamshaper v7 LCM); 0 = an ordinary UNet without it.
   */
  timestepCondDim?: number;
  /**
   * Also write TAESD (diffusers' AutoencoderTiny, config.json `_class_name: AutoencoderTiny`), fast mode's
   * tiny VAE: its decoder in `vae_decoder_tiny/` and its encoder in `vae_encoder_tiny/`.
   */
  tinyDecoder?: boolean;
}

export type ResolvedOptions = Required<Omit<TinyModelOptions, 'staticShape'>> & { staticShape?: StaticShape };

export const DEFAULT_OPTIONS: ResolvedOptions = {
  seed: 1234,
  inputIds: 'int32',
  timestep: 'int64',
  vaeEncoderOutput: 'latent_sample',
  precision: 'fp32',
  externalData: false,
  noModelIndex: false,
  unetChannels: 32,
  unetBlocks: 1,
  textHiddenSize: 32,
  failAtRun: false,
  inpainting: false,
  timestepCondDim: 0,
  tinyDecoder: false,
};

/** Group count of every GroupNorm (SD uses 32 groups at 320+ channels; 8 keeps ≥ 4 channels per group here). */
export const NORM_GROUPS = 8;

export function resolveOptions(options: TinyModelOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS, ...stripUndefined(options) };
  const { unetChannels, unetBlocks, textHiddenSize, staticShape } = resolved;
  if (!Number.isInteger(unetChannels) || unetChannels < NORM_GROUPS || unetChannels % NORM_GROUPS !== 0) {
    throw new Error(`unetChannels must be a positive multiple of ${NORM_GROUPS}, got ${unetChannels}`);
  }
  if (!Number.isInteger(unetBlocks) || unetBlocks < 1) throw new Error(`unetBlocks must be ≥ 1, got ${unetBlocks}`);
  if (!Number.isInteger(textHiddenSize) || textHiddenSize < 2 || textHiddenSize % 2 !== 0) {
    throw new Error(`textHiddenSize must be an even integer ≥ 2, got ${textHiddenSize}`);
  }
  if (!Number.isInteger(resolved.timestepCondDim) || resolved.timestepCondDim < 0) {
    throw new Error(`timestepCondDim must be an integer ≥ 0, got ${resolved.timestepCondDim}`);
  }
  if (staticShape && (!Number.isInteger(staticShape.latentSize) || staticShape.latentSize < 1)) {
    throw new Error(`staticShape.latentSize must be a positive integer, got ${staticShape.latentSize}`);
  }
  return resolved;
}

function stripUndefined(options: TinyModelOptions): TinyModelOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** The declared dims of one model's batch and spatial axes: symbolic names, or fixed sizes when static. */
export interface DimNames {
  batch: Dim;
  height: Dim;
  width: Dim;
}

/**
 * Dims for the UNet (latent size, `scale` 1) or a VAE side (`scale` 8 for images). Dynamic names get `suffix`
 * (optimum names the VAE latent axes `height_latent`). Text encoder and VAE are batch 1 when static.
 */
export function dimsFor(staticShape: StaticShape | undefined, part: 'unet' | 'other', scale = 1, suffix = ''): DimNames {
  if (!staticShape) return { batch: 'batch', height: `height${suffix}`, width: `width${suffix}` };
  const side = staticShape.latentSize * scale;
  return { batch: part === 'unet' ? staticShape.batch : 1, height: side, width: side };
}
