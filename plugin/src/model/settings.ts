/**
 * The panel's settings: what the retoucher chose, kept between sessions (UXP and browsers both have
 * `localStorage`). Nothing here is per document. Stored JSON is validated field by field, so a setting
 * from an older version or a hand edit falls back to its default instead of breaking the panel.
 */
import { z } from 'zod';
import { DEFAULT_HOST, DEFAULT_PORT, PARAM_BOUNDS, UPSCALE_DEFAULTS } from '../../../shared/src';
import { INPAINT_AREAS, INPAINT_DEFAULTS, INPAINT_FILLS } from '../../../shared/src/defaults';
import { SAMPLER_IDS, SCHEDULE_TYPES } from '../../../shared/src/samplers';

export const SETTINGS_KEY = 'insaneres.settings.v1';

export type SeedMode = 'random' | 'fixed' | 'reuse';
export type PanelMode = 'refine' | 'inpaint' | 'upscale';

export interface Preset {
  id: string;
  label: string;
  text: string;
  builtIn: boolean;
}

/** Presets from the original workflow; the user adds their own with "+ save". */
export const BUILT_IN_PRESETS: readonly Preset[] = [
  { id: 'quality', label: 'quality tags', text: 'masterpiece, best quality, highly detailed', builtIn: true },
  { id: 'eyes', label: 'eyes', text: 'detailed eyes, sharp iris, clear catchlights', builtIn: true },
  { id: 'skin', label: 'skin detail', text: 'natural skin texture, detailed skin pores', builtIn: true },
];

const B = PARAM_BOUNDS;
const presetSchema = z.object({ id: z.string(), label: z.string(), text: z.string(), builtIn: z.literal(false) });
export type UserPreset = z.output<typeof presetSchema>;

const inpaintSettingsSchema = z
  .object({
    strength: z.number().min(B.strength.min).max(B.strength.max).catch(INPAINT_DEFAULTS.strength),
    maskBlur: z.number().int().min(B.maskBlur.min).max(B.maskBlur.max).catch(INPAINT_DEFAULTS.maskBlur),
    inpaintArea: z.enum(INPAINT_AREAS).catch(INPAINT_DEFAULTS.inpaintArea),
    padding: z.number().int().min(B.padding.min).max(B.padding.max).catch(INPAINT_DEFAULTS.padding),
    fill: z.enum(INPAINT_FILLS).catch(INPAINT_DEFAULTS.fill),
  })
  .catch({ ...INPAINT_DEFAULTS });

/** Every field falls back to its default on its own (`.catch`), so one bad value never resets the rest. */
export const settingsSchema = z.object({
  serverUrl: z.string().url().catch(`http://${DEFAULT_HOST}:${DEFAULT_PORT}`),
  token: z.string().catch(''),
  mode: z.enum(['refine', 'inpaint', 'upscale']).catch('refine'),
  prompt: z.string().max(B.promptLength.max).catch('masterpiece, best quality'),
  negativePrompt: z.string().max(B.promptLength.max).catch('lowres, blurry, jpeg artifacts'),
  /** Low strength keeps the crop's structure: the original workflow's 0.3. */
  strength: z.number().min(B.strength.min).max(B.strength.max).catch(0.3),
  steps: z.number().int().min(B.steps.min).max(B.steps.max).catch(50),
  /** High CFG as in the original workflow (the server's own default is 7.5). */
  guidanceScale: z.number().min(B.guidanceScale.min).max(B.guidanceScale.max).catch(12),
  /** DDIM as in the original workflow; the others are A1111's (shared/src/samplers.ts). */
  sampler: z.enum(SAMPLER_IDS).catch('ddim'),
  /** A1111's "Schedule type"; DDIM runs its own timesteps and ignores it. */
  scheduler: z.enum(SCHEDULE_TYPES).catch('automatic'),
  /** Fast mode (LCM, 4 steps, tiny decoder); null = the server's default for the model (model/fast.ts). */
  fast: z.boolean().nullable().catch(null),
  seedMode: z.enum(['random', 'fixed', 'reuse']).catch('random'),
  seed: z.number().int().min(0).max(B.seed.max).catch(1234),
  /** Refine: how many seeds one click tries (1–4); each lands as its own layer, the first one shown. */
  variations: z.number().int().min(1).max(4).catch(1),
  featherPx: z.number().min(0).max(250).catch(12),
  /**
   * The context ring around the selection (DESIGN §8): the model sees the surroundings and the placed layer
   * covers the whole feather. Widened to the feather's reach (3 × radius) when that is larger.
   */
  contextPx: z.number().int().min(0).max(256).catch(32),
  /** Mask the result as soon as it is placed (same undo step); off: press "Mask" yourself. */
  autoMask: z.boolean().catch(true),
  source: z.enum(['merged', 'activeLayer']).catch('merged'),
  upscale: z
    .object({
      scale: z.number().min(B.scale.min).max(B.scale.max).catch(2),
      tileSize: z.number().int().min(B.tileSize.min).max(B.tileSize.max).catch(UPSCALE_DEFAULTS.tileSize),
      tileOverlap: z.number().int().min(0).catch(UPSCALE_DEFAULTS.tileOverlap),
      strength: z.number().min(B.strength.min).max(B.strength.max).catch(0.25),
      recipe: z.boolean().catch(true),
      /** Where the result goes: a new document, or a new layer when it fits the canvas. */
      placement: z.enum(['document', 'layer']).catch('document'),
    })
    .catch({ scale: 2, tileSize: UPSCALE_DEFAULTS.tileSize, tileOverlap: UPSCALE_DEFAULTS.tileOverlap, strength: 0.25, recipe: true, placement: 'document' }),
  /** "Inpaint selection" mode (docs/inpaint.md): the selection's shape is the mask. */
  inpaint: inpaintSettingsSchema,
  userPresets: z.array(presetSchema).catch([]),
  /** Try numbers keep growing across sessions so layer names stay unique. */
  nextTryNumber: z.number().int().min(1).catch(1),
});

export type Settings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadSettings(storage: KeyValueStorage | null): Settings {
  if (!storage) return DEFAULT_SETTINGS;
  const text = storage.getItem(SETTINGS_KEY);
  if (!text) return DEFAULT_SETTINGS;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return DEFAULT_SETTINGS; // a corrupt entry: start from the defaults rather than fail to open
  }
  return settingsSchema.parse(typeof stored === 'object' && stored !== null ? stored : {});
}

export function saveSettings(storage: KeyValueStorage | null, settings: Settings): void {
  storage?.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

/** All presets, built-in first. */
export function allPresets(settings: Settings): Preset[] {
  return [...BUILT_IN_PRESETS, ...settings.userPresets];
}

/** Appends a preset's text to a prompt, once. */
export function applyPreset(prompt: string, preset: Preset): string {
  const text = preset.text.trim();
  if (!text || prompt.includes(text)) return prompt;
  const base = prompt.trim().replace(/,\s*$/, '');
  return base ? `${base}, ${text}` : text;
}

/** A user preset from the current prompt, labelled by its first words. */
export function presetFromPrompt(prompt: string, existing: readonly Preset[]): UserPreset | null {
  const text = prompt.trim();
  if (!text || existing.some((p) => p.text === text)) return null;
  // Emphasis syntax — `(word:1.2)`, `[word]` — is noise in a label.
  const words = text.replace(/:\s*[\d.]+/g, ' ').replace(/[,()[\]]/g, ' ').split(/\s+/).filter(Boolean);
  const label = words.slice(0, 3).join(' ') + (words.length > 3 ? '…' : '');
  return { id: `user-${Date.now().toString(36)}-${existing.length}`, label, text, builtIn: false };
}
