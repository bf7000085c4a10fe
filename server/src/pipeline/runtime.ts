import type { Tensor } from '../tensor';

/**
 * What the pipeline needs from a loaded model. The ONNX implementation lives in runtime/; the pipeline
 * itself stays pure orchestration (tensors in, tensors out, progress through callbacks).
 */
export interface DiffusionRuntime {
  /** Token id rows of 77 → hidden states [rows, 77, D]. */
  encodeText(idRows: readonly (readonly number[])[]): Promise<Tensor>;
  /**
   * The UNet's prediction (epsilon or v) for a batch of latents at one timestep. `timestepCond` is the
   * [1, D] guidance embedding for UNets that take one (repeated over the batch); required by those.
   */
  predictNoise(sample: Tensor, timestep: number, context: Tensor, timestepCond?: Tensor): Promise<Tensor>;
  /** Image [1,3,H,W] in [-1,1] → unscaled latent mean [1,4,H/8,W/8]. */
  encodeImage(image: Tensor): Promise<Tensor>;
  /** Unscaled latent [1,4,h,w] → image [1,3,8h,8w] in roughly [-1,1]. */
  decodeLatents(latents: Tensor): Promise<Tensor>;
  /** Latent [h, w] the export is fixed to, or null when any multiple of 8 pixels works. */
  readonly fixedLatentSize: [number, number] | null;
  /**
   * Channels of the UNet's sample: 4, or 9 for inpainting checkpoints (latents ‖ mask ‖ masked-image
   * latents). Absent means 4.
   */
  readonly unetInputChannels?: number;
  /** D of the UNet's `timestep_cond` input (LCM-distilled models); absent or null when it has none. */
  readonly timestepCondDim?: number | null;
}
