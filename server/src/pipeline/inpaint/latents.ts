/**
 * What inpainting does in latent space, inside the denoising loop (pipeline/denoise.ts calls these).
 * Latents are [1,4,h,w]; the latent mask has one value per cell (1 = repaint), shared by the 4 channels.
 */
import type { SamplingHooks } from '../../schedulers/sampler';
import { tensor } from '../../tensor';
import type { DiffusionRuntime } from '../runtime';
import type { InpaintFill } from './fill';

export interface LatentInpaint {
  /** [h·w], 0 or 1 (A1111 rounds it: its "round mask" default). */
  latentMask: Float32Array;
  fill: InpaintFill;
  /**
   * Ordinary checkpoints: before every step the cells outside the mask are set back to the original
   * noised to that step's level, and to the clean original after the last step. Inpainting checkpoints
   * are not blended (diffusers' StableDiffusionInpaintPipeline blends only 4-channel UNets).
   */
  blend: boolean;
  /** Inpainting checkpoints (9 input channels): mask ‖ masked-image latents, [5·h·w], after the sample. */
  unetExtra?: Float32Array;
}

/**
 * A1111's latent fill modes, applied to the clean latents before they are noised (processing.py, init):
 * "latent noise" puts the job's initial noise in the masked cells, "latent nothing" zeros. The pixel
 * modes ("original", "fill") left the latents alone: "fill" acted on the picture before encoding.
 */
export function fillLatents(clean: Float32Array, noise: Float32Array, inpaint: LatentInpaint): Float32Array {
  if (inpaint.fill !== 'latent-noise' && inpaint.fill !== 'latent-nothing') return clean;
  const cells = inpaint.latentMask.length;
  const out = clean.slice();
  for (let i = 0; i < out.length; i++) {
    const m = inpaint.latentMask[i % cells];
    const replacement = inpaint.fill === 'latent-noise' ? noise[i] : 0;
    out[i] = clean[i] * (1 - m) + replacement * m;
  }
  return out;
}

/**
 * x·m + known·(1 − m) over the latent cells: outside the mask `known` wins. Returns `x` itself when no
 * cell is kept (all ones: nothing to do, so the sampler keeps its own prediction bit for bit) or for
 * inpainting checkpoints, which diffusers does not blend.
 */
export function keepUnmasked(x: Float32Array, known: Float32Array, inpaint: LatentInpaint): Float32Array {
  if (!inpaint.blend || inpaint.latentMask.every((m) => m === 1)) return x;
  const cells = inpaint.latentMask.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < out.length; i++) {
    const m = inpaint.latentMask[i % cells];
    out[i] = x[i] * m + known[i] * (1 - m);
  }
  return out;
}

/**
 * The mask blend for every sampler (A1111's `apply_blend` on x̂₀ after CFG, sd_samplers_cfg_denoiser.py):
 * outside the mask the denoised estimate is the original. Each sampler then steps from x̂₀, so the
 * latents there stay the original at the step's noise level, which is what diffusers' inpaint pipeline
 * does explicitly (add_noise of the original to the next timestep) and what the issue asks. A1111 blends
 * DDIM's x before the model call instead ("mask before denoising", with the *clean* original, which its
 * own comment says can oversmooth); we use the x̂₀ blend for DDIM too.
 */
export function maskBlendHooks(inpaint: LatentInpaint): SamplingHooks {
  return { blendDenoised: (denoised, context) => keepUnmasked(denoised, context.initLatents, inpaint) };
}

/** The UNet's sample: the scaled latents, then (inpainting checkpoints) mask ‖ masked-image latents. */
export function withInpaintChannels(scaled: Float32Array, inpaint: LatentInpaint | undefined): Float32Array {
  if (!inpaint?.unetExtra) return scaled;
  const out = new Float32Array(scaled.length + inpaint.unetExtra.length);
  out.set(scaled, 0);
  out.set(inpaint.unetExtra, scaled.length);
  return out;
}

/**
 * diffusers' inpaint conditioning for a 9-channel UNet: the mask at latent size, then the latents of the
 * masked picture (scaled like the init latents). Concatenated along channels: [1 + 4, h, w].
 */
export function inpaintUnetExtra(latentMask: Float32Array, maskedImageLatents: Float32Array): Float32Array {
  const out = new Float32Array(latentMask.length + maskedImageLatents.length);
  out.set(latentMask, 0);
  out.set(maskedImageLatents, latentMask.length);
  return out;
}

/**
 * Plain img2img on an inpainting checkpoint: everything is to be repainted, so the mask is all ones and the
 * masked picture all zeros (A1111's inpainting_image_conditioning without a mask; txt2img-like input).
 */
export async function repaintEverything(runtime: DiffusionRuntime, imageDims: readonly number[], latentScale: number): Promise<LatentInpaint> {
  const [, , height, width] = imageDims;
  const cells = (height / 8) * (width / 8);
  const encoded = await runtime.encodeImage(tensor(new Float32Array(3 * height * width), [1, 3, height, width]));
  const latentMask = new Float32Array(cells).fill(1);
  return { latentMask, fill: 'original', blend: false, unetExtra: inpaintUnetExtra(latentMask, encoded.data.map((v) => v * latentScale)) };
}
