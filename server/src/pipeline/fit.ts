/**
 * How a crop is fitted to the model (DESIGN §4): SD 1.5 works best near 512². Small crops are enlarged
 * (Lanczos) so the short side is 512, the long side capped at 1024; crops with both sides in 512…1024 run at
 * native size, reflection-padded to multiples of 64; anything larger is refined tile by tile at native size,
 * never shrunk.
 */

export const MODEL_SHORT_SIDE = 512;
export const MODEL_LONG_SIDE_MAX = 1024;
/** The UNet downsamples three times by 2 on an 8× latent: pixel sizes must be multiples of 64. */
export const SIZE_MULTIPLE = 64;
/** Smallest crop side accepted: below this the model has nothing to work with. */
export const MIN_CROP_SIDE = 8;

export type FitPlan =
  /** Resize to scaledWidth×scaledHeight, pad by reflection to paddedWidth×paddedHeight, run, crop, resize back. */
  | { kind: 'enlarge'; scaledWidth: number; scaledHeight: number; paddedWidth: number; paddedHeight: number }
  /** Pad by reflection to paddedWidth×paddedHeight, run, crop back: no resampling at all. */
  | { kind: 'native'; paddedWidth: number; paddedHeight: number }
  /** Too large for one pass: refine tile by tile at native resolution (tileSize = model size). */
  | { kind: 'tiles'; tileSize: number };

export function roundUpTo(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/**
 * @param fixedSize pixel size an export with static shapes is fixed to (square), or null.
 */
export function planFit(width: number, height: number, fixedSize: number | null = null): FitPlan {
  if (!(width >= MIN_CROP_SIDE && height >= MIN_CROP_SIDE)) {
    throw new RangeError(`the crop is ${width}×${height} px; both sides must be at least ${MIN_CROP_SIDE} px`);
  }
  if (fixedSize !== null) return planFixed(width, height, fixedSize);
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  if (short < MODEL_SHORT_SIDE) {
    const scale = Math.min(MODEL_SHORT_SIDE / short, MODEL_LONG_SIDE_MAX / long);
    // A long thin crop (long side already past 1024) cannot be enlarged within the cap: tiles, unshrunk.
    if (scale <= 1) return { kind: 'tiles', tileSize: MODEL_SHORT_SIDE };
    const scaledWidth = Math.max(1, Math.round(width * scale));
    const scaledHeight = Math.max(1, Math.round(height * scale));
    return {
      kind: 'enlarge',
      scaledWidth,
      scaledHeight,
      paddedWidth: roundUpTo(scaledWidth, SIZE_MULTIPLE),
      paddedHeight: roundUpTo(scaledHeight, SIZE_MULTIPLE),
    };
  }
  if (long <= MODEL_LONG_SIDE_MAX) {
    return { kind: 'native', paddedWidth: roundUpTo(width, SIZE_MULTIPLE), paddedHeight: roundUpTo(height, SIZE_MULTIPLE) };
  }
  return { kind: 'tiles', tileSize: MODEL_SHORT_SIDE };
}

/** Exports fixed to one size (e.g. 512² DirectML builds): enlarge to fit inside it, or tile at that size. */
function planFixed(width: number, height: number, size: number): FitPlan {
  if (width > size || height > size) return { kind: 'tiles', tileSize: size };
  const scale = Math.min(size / width, size / height);
  const scaledWidth = Math.min(size, Math.round(width * scale));
  const scaledHeight = Math.min(size, Math.round(height * scale));
  return { kind: 'enlarge', scaledWidth, scaledHeight, paddedWidth: size, paddedHeight: size };
}
