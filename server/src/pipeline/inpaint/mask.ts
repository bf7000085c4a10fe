/**
 * The inpainting mask as A1111 1.10 prepares it (`modules/processing.py`, StableDiffusionProcessingImg2Img.init
 * and `create_binary_mask`): white = repaint. A plane of floats in [0, 1], one per pixel, top-left first.
 */
import type { RawImage } from '../../engine/types';
import { maxSample, reflectIndex } from '../../image/convert';
import { MIN_CROP_SIDE } from '../fit';
import { Rect, rect } from '../tiles/rect';

// Inside jest's vm sandbox a `Math.x` per pixel is a slow global lookup; a module constant is not.
const math = Math;

export interface MaskPlane {
  width: number;
  height: number;
  data: Float32Array;
}

/** A mask whose size differs from the image's: bad input, reported with both sizes. */
export class MaskSizeError extends Error {
  readonly code = 'INVALID_REQUEST';
}

export function checkMaskSize(mask: { width: number; height: number }, image: { width: number; height: number }): void {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new MaskSizeError(`the mask is ${mask.width}×${mask.height} px but the image is ${image.width}×${image.height} px; they must be the same size`);
  }
}

/**
 * The mask of a decoded PNG. A1111's rule: an image with alpha that is not fully opaque gives its alpha,
 * rounded to 0/1 at > 128 of 255 (its "round mask" default); anything else gives its luminance
 * (ITU-R 601, PIL's `convert('L')`), not rounded, so grey levels of a soft mask survive until the blur.
 */
export function maskFromImage(image: RawImage): MaskPlane {
  const { width, height, channels, data } = image;
  const plane = width * height;
  const max = maxSample(image.bitDepth);
  const out = new Float32Array(plane);
  let translucent = false;
  if (channels === 4) {
    for (let i = 0; i < plane; i++) {
      if (data[i * 4 + 3] !== max) {
        translucent = true;
        break;
      }
    }
  }
  if (translucent) {
    // 128/255 of full scale, so a 16-bit alpha splits where its 8-bit reduction would.
    const threshold = (128 / 255) * max;
    for (let i = 0; i < plane; i++) out[i] = data[i * 4 + 3] > threshold ? 1 : 0;
    return { width, height, data: out };
  }
  const scale = 1 / max;
  for (let i = 0, s = 0; i < plane; i++, s += channels) {
    out[i] = (0.299 * data[s] + 0.587 * data[s + 1] + 0.114 * data[s + 2]) * scale;
  }
  return { width, height, data: out };
}

/** "Inpaint not masked": A1111 inverts before blurring. */
export function invertMask(mask: MaskPlane): MaskPlane {
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 - mask.data[i];
  return { ...mask, data: out };
}

/** Half-width of A1111's blur kernel: it calls cv2.GaussianBlur with size 2·int(2.5σ + 0.5) + 1. */
export function blurReach(sigma: number): number {
  return sigma > 0 ? Math.trunc(2.5 * sigma + 0.5) : 0;
}

/** cv2.getGaussianKernel(2r + 1, σ): exp(−x²/2σ²), normalised to sum 1. */
export function gaussianKernel(sigma: number): Float32Array {
  const reach = blurReach(sigma);
  const kernel = new Float32Array(2 * reach + 1);
  let sum = 0;
  for (let i = -reach; i <= reach; i++) {
    const w = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel[i + reach] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/**
 * A1111's mask blur: a Gaussian of σ = mask blur, rows then columns, over cv2's kernel (reach
 * int(2.5σ + 0.5) px) with cv2's default border (reflect without repeating the edge). Kept in float
 * rather than A1111's 8 bits, so the composite of a 16-bit image does not step; a pixel farther than the
 * reach from every masked pixel (in x or y) stays exactly 0.
 */
export function blurMask(mask: MaskPlane, sigma: number): MaskPlane {
  if (!(sigma > 0)) return mask;
  const { width, height } = mask;
  const kernel = gaussianKernel(sigma);
  const reach = (kernel.length - 1) / 2;
  const rows = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -reach; k <= reach; k++) acc += kernel[k + reach] * mask.data[row + reflectIndex(x + k, width)];
      rows[row + x] = acc;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let k = -reach; k <= reach; k++) {
      const w = kernel[k + reach];
      const source = reflectIndex(y + k, height) * width;
      const target = y * width;
      for (let x = 0; x < width; x++) out[target + x] += w * rows[source + x];
    }
  }
  // Sums of exact zeros are exact zeros; clamp only the float rounding above 1.
  for (let i = 0; i < out.length; i++) if (out[i] > 1) out[i] = 1;
  return { width, height, data: out };
}

/** The smallest rectangle holding every pixel above 0 (PIL's getbbox), or null for an empty mask. */
export function maskBounds(mask: MaskPlane): Rect | null {
  const { width, height, data } = mask;
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] > 0) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        bottom = y;
      }
    }
  }
  return right < 0 ? null : rect(left, top, right - left + 1, bottom - top + 1);
}

/** Grows [start, start+size) to at least `min` inside [0, limit), keeping it centred where it can. */
function growSpan(start: number, size: number, min: number, limit: number): [number, number] {
  if (size >= min || limit <= min) return size >= min ? [start, size] : [0, limit];
  const grown = Math.max(0, Math.min(limit - min, start - Math.floor((min - size) / 2)));
  return [grown, min];
}

/**
 * "Only masked" (inpaint_full_res): the mask's bounds grown by `padding` on each side and clipped to the
 * image (A1111's get_crop_region_v2). A1111 then widens the box to its fixed output's aspect ratio; we do
 * not, since a crop of any aspect is fitted to the model as crops are. A box under the model's minimum
 * crop side is grown to it.
 */
export function paddedRegion(bounds: Rect, padding: number, width: number, height: number): Rect {
  const x1 = Math.max(0, bounds.x - padding);
  const y1 = Math.max(0, bounds.y - padding);
  const x2 = Math.min(width, bounds.x + bounds.width + padding);
  const y2 = Math.min(height, bounds.y + bounds.height + padding);
  const [x, w] = growSpan(x1, x2 - x1, MIN_CROP_SIDE, width);
  const [y, h] = growSpan(y1, y2 - y1, MIN_CROP_SIDE, height);
  return rect(x, y, w, h);
}

export function cropMask(mask: MaskPlane, area: Rect): MaskPlane {
  if (area.x === 0 && area.y === 0 && area.width === mask.width && area.height === mask.height) return mask;
  const out = new Float32Array(area.width * area.height);
  for (let row = 0; row < area.height; row++) {
    const source = (area.y + row) * mask.width + area.x;
    out.set(mask.data.subarray(source, source + area.width), row * area.width);
  }
  return { width: area.width, height: area.height, data: out };
}

export type InpaintArea = 'whole' | 'masked';

/**
 * The mask the result is pasted with (A1111's mask_for_overlay). With the whole picture A1111 doubles the
 * blurred mask (clip(2m)), so the result covers everything at or above half of the blur; with "only
 * masked" it uses the blurred mask as it is. Both are 0 exactly where the blurred mask is 0.
 */
export function overlayMask(mask: MaskPlane, area: InpaintArea): MaskPlane {
  if (area === 'masked') return mask;
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = math.min(1, 2 * mask.data[i]);
  return { ...mask, data: out };
}

/**
 * The final paste (A1111's apply_overlay): `generated` (the size of `area`) over a copy of `input` at
 * `area`, weighted by `overlay` (also that size): input + (generated − input)·m, rounded. Where m is 0
 * the input's sample is kept exactly; alpha is always the input's.
 */
export function compositeOver(input: RawImage, generated: RawImage, overlay: MaskPlane, area: Rect): RawImage {
  const out = { ...input, data: input.data.slice() };
  const { channels } = input;
  const genChannels = generated.channels;
  for (let row = 0; row < area.height; row++) {
    for (let column = 0; column < area.width; column++) {
      const m = overlay.data[row * area.width + column];
      if (m === 0) continue;
      const target = ((area.y + row) * input.width + area.x + column) * channels;
      const source = (row * area.width + column) * genChannels;
      for (let c = 0; c < 3; c++) {
        const before = input.data[target + c];
        out.data[target + c] = math.round(before + (generated.data[source + c] - before) * m);
      }
    }
  }
  return out;
}
