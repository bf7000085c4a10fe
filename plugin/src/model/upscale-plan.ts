/**
 * The final size of an upscale, known before it runs. With the InsaneRes recipe the server first enlarges a
 * crop whose short side is under 512 px to 512 (the model's resolution), then applies the scale; the panel
 * asks for the scale that makes the result the size the retoucher picked (2× means 2×, issue 10 §4).
 * Mirrors `planUpscale` in server/src/pipeline/upscale.ts.
 */
import { PARAM_BOUNDS } from '../../../shared/src';

/** The recipe's first pass enlarges the short side to this (SD 1.5's resolution). */
export const RECIPE_SHORT_SIDE = 512;

export interface UpscaleSizing {
  /** The `scale` to send. */
  requestScale: number;
  /** The result's size. */
  output: { width: number; height: number };
  /** The result is larger than asked: the recipe's first pass alone already enlarges more than the scale. */
  larger: boolean;
}

export function upscaleSizing(size: { width: number; height: number }, scale: number, recipe: boolean): UpscaleSizing {
  const short = Math.min(size.width, size.height);
  const enlarge = recipe && short < RECIPE_SHORT_SIDE ? RECIPE_SHORT_SIDE / short : 1;
  const first = { width: Math.round(size.width * enlarge), height: Math.round(size.height * enlarge) };
  const wanted = { width: Math.round(size.width * scale), height: Math.round(size.height * scale) };
  // The scale applied after the first pass, rounded to 4 decimals (a readable request) within the API's bounds.
  const exact = wanted.width / first.width;
  const requestScale = Math.min(PARAM_BOUNDS.scale.max, Math.max(PARAM_BOUNDS.scale.min, Math.round(exact * 10_000) / 10_000));
  const output = { width: Math.max(1, Math.round(first.width * requestScale)), height: Math.max(1, Math.round(first.height * requestScale)) };
  return { requestScale, output, larger: output.width > wanted.width + 1 };
}
