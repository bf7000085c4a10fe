import type { RawImage } from '../engine/types';
import type { Tensor } from '../tensor';

// Module-level aliases: inside jest's vm sandbox every `Math.round` in a per-pixel loop is a slow global
// lookup (the in-process pipeline tests spent 3.7 s of CPU in cropPreview before this).
const { floor, max, min, round } = Math;

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

/**
 * RGB bytes of the top-left `cellsWide`×`cellsHigh` latent cells (the rest is reflection padding).
 * Written as flat loops over typed arrays with no closures: it runs once a second during a job, on the
 * engine's thread beside the next step (JobHooks.deferPreview), or on the inference thread itself when a
 * pipeline runs without the worker.
 */
function latentCellsRgb(latents: Tensor, cellsWide: number, cellsHigh: number): Uint8Array {
  const w = latents.dims[3];
  const plane = latents.dims[2] * w;
  const src = latents.data;
  const out = new Uint8Array(cellsWide * cellsHigh * 3);
  for (let c = 0; c < 3; c++) {
    const f0 = LATENT_RGB_FACTORS[0][c];
    const f1 = LATENT_RGB_FACTORS[1][c];
    const f2 = LATENT_RGB_FACTORS[2][c];
    const f3 = LATENT_RGB_FACTORS[3][c];
    for (let y = 0; y < cellsHigh; y++) {
      for (let x = 0; x < cellsWide; x++) {
        const i = y * w + x;
        // Same summation order as the reference (k = 0..3), so the bytes match it exactly.
        let v = 0;
        v += src[i] * f0;
        v += src[plane + i] * f1;
        v += src[2 * plane + i] * f2;
        v += src[3 * plane + i] * f3;
        const u = (v + 1) / 2;
        out[(y * cellsWide + x) * 3 + c] = round((u < 0 ? 0 : u > 1 ? 1 : u) * 255);
      }
    }
  }
  return out;
}

/** Scaled latents [1,4,h,w] → an 8-bit RGB picture at latent resolution (the caller enlarges it). */
export function latentPreview(latents: Tensor): RawImage {
  const [, , h, w] = latents.dims;
  return { width: w, height: h, channels: 3, bitDepth: 8, data: latentCellsRgb(latents, w, h) };
}

/**
 * What a live preview is made from, when the inference thread leaves making it to another thread
 * (JobHooks.deferPreview): a copy of the step's latents and the size of the user's crop.
 */
export interface PreviewSource {
  latents: Tensor;
  visibleWidth: number;
  visibleHeight: number;
}

/** Long side of the live preview: a panel thumbnail, not a picture to judge detail on. */
export const PREVIEW_SIDE = 256;

/** Bilinear source positions along one axis: pixel centres aligned, clamped to the visible cells. */
function axisTaps(outSize: number, cells: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const s = min(cells - 1, max(0, ((o + 0.5) * cells) / outSize - 0.5));
    lo[o] = floor(s);
    hi[o] = min(cells - 1, lo[o] + 1);
    frac[o] = s - lo[o];
  }
  return { lo, hi, frac };
}

/**
 * The preview of the part of the latents the user's crop covers (the model image minus its reflection
 * padding), upsampled bilinearly so its long side is PREVIEW_SIDE and its aspect is the crop's.
 */
export function cropPreview(latents: Tensor, visibleWidth: number, visibleHeight: number): RawImage {
  const cellsWide = min(latents.dims[3], max(1, round(visibleWidth / 8)));
  const cellsHigh = min(latents.dims[2], max(1, round(visibleHeight / 8)));
  const cells = latentCellsRgb(latents, cellsWide, cellsHigh);
  const scale = PREVIEW_SIDE / max(visibleWidth, visibleHeight);
  const width = max(1, round(visibleWidth * scale));
  const height = max(1, round(visibleHeight * scale));
  const xs = axisTaps(width, cellsWide);
  const ys = axisTaps(height, cellsHigh);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row0 = ys.lo[y] * cellsWide * 3;
    const row1 = ys.hi[y] * cellsWide * 3;
    const fy = ys.frac[y];
    let o = y * width * 3;
    for (let x = 0; x < width; x++) {
      const a = xs.lo[x] * 3;
      const b = xs.hi[x] * 3;
      const fx = xs.frac[x];
      for (let c = 0; c < 3; c++, o++) {
        const top = cells[row0 + a + c] * (1 - fx) + cells[row0 + b + c] * fx;
        const bottom = cells[row1 + a + c] * (1 - fx) + cells[row1 + b + c] * fx;
        data[o] = round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

/**
 * One preview of blank 64×64 latents, made at engine start so that V8 has optimised cropPreview before a
 * job's first preview. Cold, its pixel loop ran in the interpreter: 24 ms against 3–4 ms, on the
 * engine's (HTTP) thread, and the largest task of a server's first job in a profile (the overhead
 * bench's "server's own longest event-loop delay" covers that job). Costs ~27 ms once, at start.
 */
export function warmUpPreview(): void {
  cropPreview({ data: new Float32Array(4 * 64 * 64), dims: [1, 4, 64, 64] }, 512, 512);
}
