/**
 * Pure pieces of a try: the job request built from the settings, the names that tell the story in the
 * Layers and Channels panels, where a result goes, and the writes of one placement.
 */
import { PARAM_BOUNDS, type JobCreateRequest } from '../../../shared/src';

const SEED_MAX = PARAM_BOUNDS.seed.max;
import type { HostWriter, LayerAnchor, LayerRef, PixelSource, Rect, RgbaPixels, SelectionMask } from '../host/host';
import type { Settings } from './settings';

/** `InsaneRes #12 · seed 1234 · strength 0.3` (PANEL.md: the Layers panel tells the story). */
export function layerName(tryNumber: number, seed: number, strength: number): string {
  return `InsaneRes #${tryNumber} · seed ${seed} · strength ${formatStrength(strength)}`;
}

export function channelName(tryNumber: number): string {
  return `InsaneRes #${tryNumber} selection`;
}

/** A channel the panel made (what "Clean up InsaneRes channels" removes). */
export function isTryChannel(name: string): boolean {
  return /^InsaneRes #\d+ selection$/.test(name);
}

export function formatStrength(strength: number): string {
  return String(Math.round(strength * 100) / 100);
}

/** The seed to ask for: -1 lets the server pick one (and report it back). */
export function seedFor(settings: Settings, lastSeed: number | null): number {
  switch (settings.seedMode) {
    case 'fixed':
      return settings.seed;
    case 'reuse':
      return lastSeed ?? -1;
    case 'random':
      return -1;
  }
}

/** Variation `index` of a click: the seed S + index (a fixed or reused seed), or a random one each. */
export function variationSeed(seed: number, index: number): number {
  return seed < 0 ? -1 : (seed + index) % (SEED_MAX + 1);
}

export interface JobRequestOptions {
  /** Which variation of the click (0 = the first). */
  variation?: number;
  /** Upscale: the scale to send (see upscale-plan.ts); default the setting. */
  upscaleScale?: number;
  /** Fast mode as the toggle resolved it (model/fast.ts); absent = not said (the server's default). */
  fast?: boolean;
}

export function jobRequest(settings: Settings, imageId: string, lastSeed: number | null, options: JobRequestOptions = {}): JobCreateRequest {
  const common = {
    prompt: settings.prompt,
    negativePrompt: settings.negativePrompt,
    steps: settings.steps,
    guidanceScale: settings.guidanceScale,
    sampler: settings.sampler,
    scheduler: settings.scheduler,
    seed: variationSeed(seedFor(settings, lastSeed), options.variation ?? 0),
    ...(options.fast !== undefined ? { fast: options.fast } : {}),
  };
  if (settings.mode === 'upscale') {
    const { tileSize, tileOverlap, strength, recipe } = settings.upscale;
    const scale = options.upscaleScale ?? settings.upscale.scale;
    return {
      kind: 'upscale',
      image: imageId,
      params: { ...common, strength, scale, tileSize, tileOverlap, ...(recipe ? { recipe: 'insane' as const } : {}) },
    };
  }
  return { kind: 'img2img', image: imageId, params: { ...common, strength: settings.strength } };
}

export interface PlacePlan {
  bounds: Rect;
  /** Where in the layer stack (see LayerAnchor): the comparison must be true. */
  above: LayerAnchor;
  pixels: RgbaPixels;
  name: string;
  /** The try's selection and the channel to keep it in; null for a whole-canvas try. */
  selection: SelectionMask | null;
  channelName: string | null;
  autoMask: boolean;
  featherPx: number;
}

/** Merged reads go above the topmost visible layer, a layer's read directly above that layer (DESIGN §8). */
export function anchorFor(source: PixelSource, readLayerId: number | undefined): LayerAnchor {
  if (source === 'activeLayer') return readLayerId === undefined ? { kind: 'active' } : { kind: 'layer', layerId: readLayerId };
  return { kind: 'topVisible' };
}

export interface Placed {
  layer: LayerRef;
  masked: boolean;
}

/**
 * The writes of one placement, in order, inside one undo step: the layer with the pixels at the exact
 * bounds, difference mode (black = identical), the try's own selection saved to a channel, and (with
 * auto-mask) the feathered mask at once, so a single undo removes all of it.
 */
export async function placeTry(writer: HostWriter, plan: PlacePlan): Promise<Placed> {
  const layer = await writer.placeResultLayer({ bounds: plan.bounds, pixels: plan.pixels, name: plan.name, above: plan.above });
  await writer.setBlendMode(layer, 'difference');
  if (!plan.selection || !plan.channelName) return { layer, masked: false };
  const masked = await maskFromSelection(writer, layer, plan.selection, plan.channelName, plan.autoMask ? plan.featherPx : null);
  return { layer, masked };
}

/**
 * Saves the try's own selection to its channel (replacing one of that name) and, with a feather, masks the
 * layer with it. The retoucher may have selected something else meanwhile (to prepare the next try): that
 * selection is set aside first and put back afterwards, all inside the caller's one undo step.
 */
export async function maskFromSelection(writer: HostWriter, layer: LayerRef, selection: SelectionMask, channel: string, featherPx: number | null): Promise<boolean> {
  const theirs = await writer.keepSelection();
  await writer.restoreSelection(selection);
  await writer.saveSelectionToChannel(channel);
  if (featherPx !== null) await writer.applyFeatheredMask(layer, channel, featherPx);
  await writer.restoreKeptSelection(theirs);
  return featherPx !== null;
}

const fits = (r: Rect, canvas: { width: number; height: number }) =>
  r.left >= 0 && r.top >= 0 && r.left + r.width <= canvas.width && r.top + r.height <= canvas.height;

/**
 * Where an earlier result goes when placed again: its own bounds when it came from this document and
 * still fits; else over the current selection when the sizes match; else centred on the canvas.
 */
export function placementFor(
  size: { width: number; height: number },
  canvas: { width: number; height: number },
  known: { documentId: number; bounds: Rect } | null,
  documentId: number,
  selection: Rect | null,
): Rect {
  if (known && known.documentId === documentId && fits(known.bounds, canvas)) return known.bounds;
  if (selection && selection.width === size.width && selection.height === size.height) return selection;
  return {
    left: Math.max(0, Math.floor((canvas.width - size.width) / 2)),
    top: Math.max(0, Math.floor((canvas.height - size.height) / 2)),
    width: size.width,
    height: size.height,
  };
}

/**
 * Where an upscale result goes as a layer: its top-left at the selection's, moved left/up as needed to stay
 * inside the canvas; null when it is larger than the canvas (then it opens as a new document).
 */
export function upscaleLayerBounds(
  result: { width: number; height: number },
  selection: Rect,
  canvas: { width: number; height: number },
): Rect | null {
  if (result.width > canvas.width || result.height > canvas.height) return null;
  const left = Math.min(selection.left, canvas.width - result.width);
  const top = Math.min(selection.top, canvas.height - result.height);
  return { left: Math.max(0, left), top: Math.max(0, top), width: result.width, height: result.height };
}
