/**
 * A1111's "Masked content" (inpainting_fill): what the model starts from inside the mask.
 *   fill            the masked area painted with blurred colours of its surroundings (`masking.fill`)
 *   original        the picture as it is
 *   latent-noise    the masked latent cells replaced by noise (latents.ts)
 *   latent-nothing  the masked latent cells zeroed (latents.ts)
 */
import { Tensor, tensor } from '../../tensor';
import type { MaskPlane } from './mask';

export const INPAINT_FILLS = ['original', 'latent-noise', 'latent-nothing', 'fill'] as const;
export type InpaintFill = (typeof INPAINT_FILLS)[number];

/** A1111's cascade in masking.fill: (Gaussian radius, times composited), widest first, 0 = the picture itself. */
const FILL_PASSES: readonly [number, number][] = [
  [256, 1],
  [64, 1],
  [16, 2],
  [4, 4],
  [2, 2],
  [0, 1],
];

/**
 * Mean over [x − r, x + r] of every row, edge samples repeated (PIL's box blur extends edges), as a sliding
 * sum: O(1) per pixel whatever the radius (the fill's widest pass has σ = 256).
 */
function boxRows(source: Float32Array, target: Float32Array, width: number, height: number, r: number): void {
  const last = width - 1;
  const inverse = 1 / (2 * r + 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = (r + 1) * source[row];
    for (let k = 1; k <= r; k++) sum += source[row + (k < last ? k : last)];
    for (let x = 0; x < width; x++) {
      target[row + x] = sum * inverse;
      const enter = x + r + 1;
      const leave = x - r;
      sum += source[row + (enter < last ? enter : last)] - source[row + (leave > 0 ? leave : 0)];
    }
  }
}

function transpose(source: Float32Array, target: Float32Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) target[x * height + y] = source[y * width + x];
}

/**
 * A Gaussian of standard deviation σ approximated by three box blurs, as PIL's GaussianBlur(radius = σ)
 * does (edges extended). Three boxes of width w have variance 3(w² − 1)/12 = σ², so w = √(4σ² + 1).
 */
export function approximateGaussian(plane: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const r = Math.round((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2);
  if (r === 0) return plane.slice();
  let a = plane.slice();
  let b = new Float32Array(plane.length);
  for (let pass = 0; pass < 3; pass++) {
    boxRows(a, b, width, height, r);
    [a, b] = [b, a];
  }
  transpose(a, b, width, height);
  [a, b] = [b, a];
  for (let pass = 0; pass < 3; pass++) {
    boxRows(a, b, height, width, r);
    [a, b] = [b, a];
  }
  transpose(a, b, height, width);
  return b;
}

/**
 * A1111's `masking.fill`: the picture weighted by 1 − mask is blurred at decreasing radii and each result
 * composited ("over") onto the last, so a masked pixel takes the colours around it, nearest winning,
 * and an unmasked pixel (the radius-0 pass, weight 1) stays exactly itself. `image` is [1,3,H,W]; the
 * blend is of premultiplied colours, so it is the same in [-1,1] as in [0,1]. Nothing to borrow from
 * (everything masked) gives black, as PIL's transparent base does.
 */
export function fillMasked(image: Tensor, mask: MaskPlane): Tensor {
  const [, , height, width] = image.dims;
  const plane = width * height;
  const weight = new Float32Array(plane);
  for (let i = 0; i < plane; i++) weight[i] = 1 - mask.data[i];
  const weighted = [0, 1, 2].map((c) => {
    const channel = new Float32Array(plane);
    for (let i = 0; i < plane; i++) channel[i] = image.data[c * plane + i] * weight[i];
    return channel;
  });
  const colour = [new Float32Array(plane), new Float32Array(plane), new Float32Array(plane)];
  const alpha = new Float32Array(plane);
  for (const [radius, repeats] of FILL_PASSES) {
    const a = radius === 0 ? weight : approximateGaussian(weight, width, height, radius);
    const premultiplied = weighted.map((channel) => (radius === 0 ? channel : approximateGaussian(channel, width, height, radius)));
    for (let k = 0; k < repeats; k++) {
      for (let i = 0; i < plane; i++) {
        const keep = 1 - a[i];
        for (let c = 0; c < 3; c++) colour[c][i] = premultiplied[c][i] + colour[c][i] * keep;
        alpha[i] = a[i] + alpha[i] * keep;
      }
    }
  }
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) out[c * plane + i] = alpha[i] > 1e-6 ? colour[c][i] / alpha[i] : -1;
  }
  return tensor(out, image.dims);
}
