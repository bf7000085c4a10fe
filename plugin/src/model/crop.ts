/**
 * The crop a try sends to the server (DESIGN §8): the selection's bounds grown by a context ring, so the
 * model sees the surroundings and the placed layer carries generated pixels under the whole feather.
 * Pure geometry, table-tested.
 */

/**
 * How far a mask feather of `featherPx` reaches out of the selection. The feather is a Gaussian whose σ is
 * the radius (docs/harness.md); at 3σ it has fallen below 0.2 %, i.e. under half a level of 8 bits, so a
 * layer that ends there shows no edge. This is more than the "at least twice the radius" DESIGN §8 asks.
 */
export function featherReachPx(featherPx: number): number {
  return featherPx > 0 ? Math.ceil(3 * featherPx) : 0;
}

/** The ring actually used: the user's "Context" setting, widened to the feather's reach when that is larger. */
export function contextRingPx(contextPx: number, featherPx: number): number {
  return Math.max(0, Math.round(contextPx), featherReachPx(featherPx));
}

/** erf(x), Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): plenty for a percentage in a warning. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return sign * (1 - poly * Math.exp(-x * x));
}

/**
 * The highest mask value (0..1) a selection with these bounds can reach once feathered: the centre of a
 * Gaussian-blurred rectangle, erf(w / 2√2σ)·erf(h / 2√2σ). Any other shape with these bounds reaches less,
 * so this is an upper bound for a lasso too.
 */
export function featheredPeak(bounds: { width: number; height: number }, featherPx: number): number {
  if (featherPx <= 0) return 1;
  const k = 2 * Math.SQRT2 * featherPx;
  return erf(bounds.width / k) * erf(bounds.height / k);
}

/** Below this peak most of the result is feathered away: the panel says so before and after the try. */
export const FEATHER_WARNING_PEAK = 0.5;

/** A sentence when the feather would hide most of the result on a selection of these bounds, else null. */
export function featherWarning(bounds: { width: number; height: number } | null, featherPx: number): string | null {
  if (!bounds) return null;
  const peak = featheredPeak(bounds, featherPx);
  if (peak >= FEATHER_WARNING_PEAK) return null;
  const percent = Math.max(0, Math.round(peak * 100));
  return `Feather ${featherPx} px on this ${bounds.width}×${bounds.height} px selection shows at most ${percent} % of the result: lower Feather or select a larger area.`;
}
