/**
 * The harness document's pixel math, pure so it is tested on small arrays: blend modes, one layer
 * composited through its mask, the flattened image, and the Gaussian feather of a mask.
 *
 * Compositing is W3C Compositing and Blending Level 1, §5.8 (the general formula, source-over), which is
 * how Photoshop composites the separable blend modes:
 *   αo = αs + αb·(1 − αs)
 *   co = αs·(1 − αb)·Cs + αs·αb·B(Cb, Cs) + (1 − αs)·αb·Cb,   Co = co / αo
 * with αs = layer alpha × mask. Samples are 8-bit and rounded after each layer, as in an 8-bit document.
 */
import type { BlendMode, Rect } from '../host';

/** One 8-bit channel over `bounds` (a mask or a selection); everything outside `bounds` is 0. */
export interface Plane {
  bounds: Rect;
  data: Uint8Array;
}

/** What compositing needs of a layer: RGBA pixels at `bounds`, a blend mode, visibility and a mask. */
export interface CompositeLayer {
  bounds: Rect;
  pixels: Uint8ClampedArray;
  blendMode: BlendMode;
  visible: boolean;
  mask: Plane | null;
}

/** RGBA samples owned by the harness (an ArrayBuffer, as ImageData requires). */
export type RgbaBuffer = Uint8ClampedArray<ArrayBuffer>;

export interface Size {
  width: number;
  height: number;
}

const { abs, round, exp, ceil, max, min } = Math;

/** B(Cb, Cs) of W3C §10 on 0..1 values: normal = Cs, difference = |Cb − Cs|. */
export function blendChannel(mode: BlendMode, backdrop: number, source: number): number {
  return mode === 'difference' ? abs(backdrop - source) : source;
}

/**
 * Composites source pixel `si` of `source` onto backdrop pixel `bi` of `backdrop` (RGBA, 8-bit, in place),
 * with `coverage` 0..255 scaling the source's alpha (the layer mask).
 */
export function compositePixel(
  backdrop: Uint8ClampedArray,
  bi: number,
  source: ArrayLike<number>,
  si: number,
  mode: BlendMode,
  coverage = 255,
): void {
  const alphaSource = (source[si + 3] / 255) * (coverage / 255);
  if (alphaSource === 0) return;
  const alphaBackdrop = backdrop[bi + 3] / 255;
  const alphaOut = alphaSource + alphaBackdrop * (1 - alphaSource);
  for (let c = 0; c < 3; c++) {
    const cs = source[si + c] / 255;
    const cb = backdrop[bi + c] / 255;
    const co =
      alphaSource * (1 - alphaBackdrop) * cs + alphaSource * alphaBackdrop * blendChannel(mode, cb, cs) + (1 - alphaSource) * alphaBackdrop * cb;
    backdrop[bi + c] = round((co / alphaOut) * 255);
  }
  backdrop[bi + 3] = round(alphaOut * 255);
}

/** The mask's value at document pixel (x, y): 0 outside its bounds, 255 without a mask. */
export function maskValue(mask: Plane | null, x: number, y: number): number {
  if (!mask) return 255;
  const { left, top, width, height } = mask.bounds;
  const mx = x - left;
  const my = y - top;
  return mx >= 0 && my >= 0 && mx < width && my < height ? mask.data[my * width + mx] : 0;
}

/** Composites one layer onto `canvas` (RGBA over the whole document), in place. Hidden layers do nothing. */
export function compositeLayerInto(canvas: Uint8ClampedArray, size: Size, layer: CompositeLayer): void {
  if (!layer.visible) return;
  const { bounds, pixels, blendMode, mask } = layer;
  const left = max(0, bounds.left);
  const top = max(0, bounds.top);
  const right = min(size.width, bounds.left + bounds.width);
  const bottom = min(size.height, bounds.top + bounds.height);
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const coverage = maskValue(mask, x, y);
      if (coverage === 0) continue;
      const si = ((y - bounds.top) * bounds.width + (x - bounds.left)) * 4;
      compositePixel(canvas, (y * size.width + x) * 4, pixels, si, blendMode, coverage);
    }
  }
}

/** The visible layers (bottom first) composited over transparency: the document as it looks. */
export function flatten(size: Size, layers: readonly CompositeLayer[]): RgbaBuffer {
  const canvas = new Uint8ClampedArray(size.width * size.height * 4);
  for (const layer of layers) compositeLayerInto(canvas, size, layer);
  return canvas;
}

/** The RGBA pixels of `rect` cut from a document-sized RGBA buffer (transparent outside the canvas). */
export function cropRgba(canvas: Uint8ClampedArray, size: Size, rect: Rect): RgbaBuffer {
  const out = new Uint8ClampedArray(rect.width * rect.height * 4);
  for (let y = 0; y < rect.height; y++) {
    const docY = rect.top + y;
    if (docY < 0 || docY >= size.height) continue;
    const from = max(0, rect.left);
    const to = min(size.width, rect.left + rect.width);
    if (to <= from) continue;
    out.set(canvas.subarray((docY * size.width + from) * 4, (docY * size.width + to) * 4), (y * rect.width + (from - rect.left)) * 4);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ feather

/**
 * How far a feather of `radius` px reaches. Photoshop's blur radius is the Gaussian's standard deviation
 * (ImageJ's Gaussian Blur documentation says its sigma "is the same as in Photoshop"); 3σ holds 99.7 %.
 */
export function featherReach(radius: number): number {
  return radius > 0 ? ceil(3 * radius) : 0;
}

/** Normalised weights exp(−d² / 2σ²) for d = −reach … reach, with σ = radius. */
export function gaussianKernel(radius: number): Float64Array {
  const reach = featherReach(radius);
  const kernel = new Float64Array(2 * reach + 1);
  if (reach === 0) {
    kernel[0] = 1;
    return kernel;
  }
  let sum = 0;
  for (let d = -reach; d <= reach; d++) {
    const weight = exp(-(d * d) / (2 * radius * radius));
    kernel[d + reach] = weight;
    sum += weight;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/**
 * Separable Gaussian blur of one 8-bit channel; beyond the edges the nearest edge sample repeats (as
 * ImageJ and Photoshop do). Rounded once, after both passes.
 */
export function gaussianBlur(data: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const kernel = gaussianKernel(radius);
  const reach = (kernel.length - 1) / 2;
  if (reach === 0) return data.slice();
  const rows = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -reach; k <= reach; k++) sum += kernel[k + reach] * data[row + min(width - 1, max(0, x + k))];
      rows[row + x] = sum;
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -reach; k <= reach; k++) sum += kernel[k + reach] * rows[min(height - 1, max(0, y + k)) * width + x];
      out[y * width + x] = round(sum);
    }
  }
  return out;
}

/**
 * A selection feathered by `radius` px: grown by the blur's reach (clipped to the canvas, where the
 * edge repeats, so a selection touching the canvas edge stays opaque there) and blurred.
 */
export function featherPlane(plane: Plane, radius: number, canvas: Size): Plane {
  const reach = featherReach(radius);
  if (reach === 0) return { bounds: { ...plane.bounds }, data: plane.data.slice() };
  const left = max(0, plane.bounds.left - reach);
  const top = max(0, plane.bounds.top - reach);
  const right = min(canvas.width, plane.bounds.left + plane.bounds.width + reach);
  const bottom = min(canvas.height, plane.bounds.top + plane.bounds.height + reach);
  const bounds = { left, top, width: right - left, height: bottom - top };
  const padded = new Uint8Array(bounds.width * bounds.height);
  for (let y = 0; y < plane.bounds.height; y++) {
    const from = y * plane.bounds.width;
    const to = (plane.bounds.top + y - top) * bounds.width + (plane.bounds.left - left);
    padded.set(plane.data.subarray(from, from + plane.bounds.width), to);
  }
  return { bounds, data: gaussianBlur(padded, bounds.width, bounds.height, radius) };
}
