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

/** Long side of the live preview: a panel thumbnail, not a picture to judge detail on. */
export const PREVIEW_SIDE = 256;

/**
 * The preview of the part of the latents the user's crop covers (the model image minus its reflection
 * padding), upsampled bilinearly so its long side is PREVIEW_SIDE and its aspect is the crop's.
 */
export function cropPreview(latents: Tensor, visibleWidth: number, visibleHeight: number): RawImage {
  const full = latentPreview(latents);
  const cellsWide = Math.min(full.width, Math.max(1, Math.round(visibleWidth / 8)));
  const cellsHigh = Math.min(full.height, Math.max(1, Math.round(visibleHeight / 8)));
  const scale = PREVIEW_SIDE / Math.max(visibleWidth, visibleHeight);
  const width = Math.max(1, Math.round(visibleWidth * scale));
  const height = Math.max(1, Math.round(visibleHeight * scale));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    // Sample position in latent cells (pixel centres aligned), clamped to the visible cells.
    const sy = Math.min(cellsHigh - 1, Math.max(0, ((y + 0.5) * cellsHigh) / height - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(cellsHigh - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(cellsWide - 1, Math.max(0, ((x + 0.5) * cellsWide) / width - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(cellsWide - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number): number => full.data[(yy * full.width + xx) * 3 + c];
        const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
        const bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
        data[(y * width + x) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}
