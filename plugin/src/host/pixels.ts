/**
 * Pure pixel plumbing between Photoshop's imaging API and the panel's RGBA buffers. No Photoshop here,
 * so every function is table-tested.
 *
 * Photoshop's 16-bit samples span 0..32768 (imaging API docs, "Value range"), not 0..65535.
 */
import type { BitDepth, Rect, RgbaPixels } from './host';

export type PixelArray = Uint8Array | Uint16Array;

/** The largest 16-bit sample Photoshop uses ("16-bit" is really 15 bits + 1). */
export const PS16_MAX = 32768;
const FULL16_MAX = 65535;

function allocLike(like: PixelArray, length: number): PixelArray {
  return like instanceof Uint16Array ? new Uint16Array(length) : new Uint8Array(length);
}

/** 0..32768 → 0..65535, rounding to nearest (32768 → 65535, 16384 → 32768). */
export function ps16ToFull16(data: Uint16Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((Math.min(data[i], PS16_MAX) * FULL16_MAX) / PS16_MAX);
  return out;
}

/** 0..65535 → 0..32768, rounding to nearest; the inverse of ps16ToFull16 on its image. */
export function full16ToPs16(data: Uint16Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i] * PS16_MAX) / FULL16_MAX);
  return out;
}

/** 0..255 → 0..32768 (for an 8-bit result placed into a 16-bit document). */
export function eightToPs16(data: Uint8Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i] * PS16_MAX) / 255);
  return out;
}

/** 0..65535 → 0..255 (for a 16-bit result placed into an 8-bit document). */
export function full16ToEight(data: Uint16Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i] * 255) / FULL16_MAX);
  return out;
}

/** 0..32768 → 0..255 (a 16-bit document's selection mask). */
export function ps16ToEight(data: Uint16Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((Math.min(data[i], PS16_MAX) * 255) / PS16_MAX);
  return out;
}

/**
 * RGB → RGBA with an opaque alpha. Photoshop returns 3 components when the source has no transparency
 * (a flat Background), 4 otherwise.
 */
export function toRgba(data: PixelArray, components: number, opaque: number): PixelArray {
  if (components === 4) return data;
  if (components !== 3) throw new Error(`expected RGB or RGBA pixels, got ${components} components per pixel`);
  const pixels = data.length / 3;
  const out = allocLike(data, pixels * 4);
  for (let p = 0; p < pixels; p++) {
    out[p * 4] = data[p * 3];
    out[p * 4 + 1] = data[p * 3 + 1];
    out[p * 4 + 2] = data[p * 3 + 2];
    out[p * 4 + 3] = opaque;
  }
  return out;
}

export function intersect(a: Rect, b: Rect): Rect | null {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.left + a.width, b.left + b.width);
  const bottom = Math.min(a.top + a.height, b.top + b.height);
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : null;
}

/** `rect` grown by `ring` px on every side and clipped to the canvas (the context ring of DESIGN §8). */
export function growRect(rect: Rect, ring: number, canvas: { width: number; height: number }): Rect {
  const left = Math.max(0, rect.left - ring);
  const top = Math.max(0, rect.top - ring);
  const right = Math.min(canvas.width, rect.left + rect.width + ring);
  const bottom = Math.min(canvas.height, rect.top + rect.height + ring);
  return { left, top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

export function sameRect(a: Rect, b: Rect): boolean {
  return a.left === b.left && a.top === b.top && a.width === b.width && a.height === b.height;
}

/**
 * getPixels trims the requested bounds to where the source has pixel data and reports the smaller
 * `sourceBounds`. This puts the data back where it belongs inside `wanted`; the rest is zero
 * (transparent black for RGBA, unselected for a mask).
 */
export function padToBounds(data: PixelArray, components: number, got: Rect, wanted: Rect): PixelArray {
  if (data.length !== got.width * got.height * components) {
    throw new Error(`pixel data holds ${data.length} samples, ${got.width}×${got.height}×${components} expected`);
  }
  if (sameRect(got, wanted)) return data;
  const out = allocLike(data, wanted.width * wanted.height * components);
  const overlap = intersect(got, wanted);
  if (!overlap) return out;
  const rowSamples = overlap.width * components;
  for (let y = 0; y < overlap.height; y++) {
    const srcRow = overlap.top + y - got.top;
    const dstRow = overlap.top + y - wanted.top;
    const src = (srcRow * got.width + (overlap.left - got.left)) * components;
    const dst = (dstRow * wanted.width + (overlap.left - wanted.left)) * components;
    out.set(data.subarray(src, src + rowSamples), dst);
  }
  return out;
}

/** Photoshop bounds (left/top/right/bottom, possibly fractional or off-canvas) → whole pixels on the canvas. */
export function canvasRect(
  bounds: { left: number; top: number; right: number; bottom: number },
  canvas: { width: number; height: number },
): Rect | null {
  const left = Math.max(0, Math.floor(bounds.left));
  const top = Math.max(0, Math.floor(bounds.top));
  const right = Math.min(canvas.width, Math.ceil(bounds.right));
  const bottom = Math.min(canvas.height, Math.ceil(bounds.bottom));
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : null;
}

/**
 * Photoshop's raw read (3 or 4 components, document depth, possibly trimmed) → the panel's RGBA at
 * exactly `wanted`, 16-bit in the full 0..65535 range.
 */
export function normalizeRead(
  raw: PixelArray,
  components: number,
  got: Rect,
  wanted: Rect,
): RgbaPixels {
  const sixteen = raw instanceof Uint16Array;
  const rgba = toRgba(raw, components, sixteen ? PS16_MAX : 255);
  const padded = padToBounds(rgba, 4, got, wanted);
  return {
    width: wanted.width,
    height: wanted.height,
    bitDepth: sixteen ? 16 : 8,
    data: sixteen ? ps16ToFull16(padded as Uint16Array) : padded,
  };
}

/** The panel's RGBA (any depth) → samples in Photoshop's range for a document of `documentDepth`. */
export function toDocumentSamples(pixels: RgbaPixels, documentDepth: BitDepth): PixelArray {
  const { data } = pixels;
  if (documentDepth === 8) return data instanceof Uint16Array ? full16ToEight(data) : data;
  return data instanceof Uint16Array ? full16ToPs16(data) : eightToPs16(data);
}

/** A selection read (one component, document depth, possibly trimmed) → 8-bit over exactly `wanted`. */
export function normalizeMask(raw: PixelArray, got: Rect, wanted: Rect): Uint8Array {
  const eight = raw instanceof Uint16Array ? ps16ToEight(raw) : raw;
  return padToBounds(eight, 1, got, wanted) as Uint8Array;
}
