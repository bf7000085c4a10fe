import type { RawImage } from '../engine/types';
import type { Tensor } from '../tensor';

/**
 * A linear 4→3 map from SD 1.x latents to RGB (the widely used approximation of the VAE decoder's
 * colours, as in A1111's and ComfyUI's live previews): cheap enough to run every step, no VAE call.
 */
const LATENT_RGB_FACTORS: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

/** Scaled latents [1,4,h,w] → an 8-bit RGB picture at latent resolution (the caller enlarges it). */
export function latentPreview(latents: Tensor): RawImage {
  const [, , h, w] = latents.dims;
  const plane = h * w;
  const data = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v += latents.data[k * plane + i] * LATENT_RGB_FACTORS[k][c];
      const u = (v + 1) / 2;
      data[i * 3 + c] = Math.round((u < 0 ? 0 : u > 1 ? 1 : u) * 255);
    }
  }
  return { width: w, height: h, channels: 3, bitDepth: 8, data };
}
