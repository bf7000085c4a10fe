import { jobCreateRequestSchema } from '../../../../shared/src';
import type { HostWriter, LayerRef } from '../../../../plugin/src/host/host';
import {
  applyPreset,
  DEFAULT_SETTINGS,
  loadSettings,
  presetFromPrompt,
  saveSettings,
  SETTINGS_KEY,
  type KeyValueStorage,
  type Settings,
} from '../../../../plugin/src/model/settings';
import { initialState, reducer, runBlocker, type Action } from '../../../../plugin/src/model/state';
import { channelName, jobRequest, layerName, placementFor, placeTry, seedFor } from '../../../../plugin/src/model/tries';
import { formatEta, progressFraction, progressText } from '../../../../plugin/src/ui/format';
import { upscaleLayerBounds } from '../../../../plugin/src/model/tries';

class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
}

describe('settings', () => {
  it('defaults reproduce the original workflow', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({ strength: 0.3, steps: 50, guidanceScale: 12, sampler: 'ddim', featherPx: 12, autoMask: true, seedMode: 'random', source: 'merged' });
    expect(DEFAULT_SETTINGS.serverUrl).toBe('http://127.0.0.1:7860');
  });

  it('round-trips through storage and falls back field by field', () => {
    const storage = new MemoryStorage();
    saveSettings(storage, { ...DEFAULT_SETTINGS, strength: 0.45, prompt: 'eyes' });
    expect(loadSettings(storage)).toMatchObject({ strength: 0.45, prompt: 'eyes' });
    storage.setItem(SETTINGS_KEY, JSON.stringify({ strength: 7, steps: 20, serverUrl: 'not a url' }));
    expect(loadSettings(storage)).toMatchObject({ strength: 0.3, steps: 20, serverUrl: 'http://127.0.0.1:7860' });
    storage.setItem(SETTINGS_KEY, '{broken');
    expect(loadSettings(storage)).toEqual(DEFAULT_SETTINGS);
    expect(loadSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('applies presets once and saves user presets from the prompt', () => {
    const eyes = { id: 'eyes', label: 'eyes', text: 'detailed eyes', builtIn: true };
    expect(applyPreset('masterpiece,', eyes)).toBe('masterpiece, detailed eyes');
    expect(applyPreset('masterpiece, detailed eyes', eyes)).toBe('masterpiece, detailed eyes');
    expect(applyPreset('', eyes)).toBe('detailed eyes');
    expect(presetFromPrompt('sharp (iris:1.2), clear pupils', [])).toMatchObject({ label: 'sharp iris clear…', text: 'sharp (iris:1.2), clear pupils', builtIn: false });
    expect(presetFromPrompt('  ', [])).toBeNull();
  });
});

describe('tries', () => {
  const settings: Settings = { ...DEFAULT_SETTINGS, prompt: 'eyes', negativePrompt: 'blur', strength: 0.35, steps: 30, guidanceScale: 11 };

  it('names layers and channels after the try', () => {
    expect(layerName(12, 1234, 0.3)).toBe('InsaneRes #12 · seed 1234 · strength 0.3');
    expect(layerName(3, 7, 0.333333)).toBe('InsaneRes #3 · seed 7 · strength 0.33');
    expect(channelName(12)).toBe('InsaneRes #12 selection');
  });

  it.each([
    ['random', null, -1],
    ['random', 5, -1],
    ['fixed', 5, 99],
    ['reuse', 5, 5],
    ['reuse', null, -1],
  ] as const)('seed mode %s with last seed %s asks for %i', (seedMode, last, expected) => {
    expect(seedFor({ ...settings, seedMode, seed: 99 }, last)).toBe(expected);
  });

  it('builds an img2img request the server schema accepts', () => {
    const request = jobRequest(settings, 'img1', null);
    expect(request).toEqual({
      kind: 'img2img',
      image: 'img1',
      params: { prompt: 'eyes', negativePrompt: 'blur', steps: 30, guidanceScale: 11, sampler: 'ddim', scheduler: 'automatic', seed: -1, strength: 0.35 },
    });
    expect(jobCreateRequestSchema.safeParse(request).success).toBe(true);
  });

  it('builds an upscale request with the recipe', () => {
    const request = jobRequest({ ...settings, mode: 'upscale' }, 'img1', null);
    expect(request).toMatchObject({ kind: 'upscale', params: { strength: 0.25, scale: 2, tileSize: 512, tileOverlap: 64, recipe: 'insane' } });
    expect(jobCreateRequestSchema.safeParse(request).success).toBe(true);
  });

  it.each([
    ['its own bounds in its own document', { documentId: 1, bounds: { left: 5, top: 5, width: 10, height: 10 } }, 1, null, { left: 5, top: 5, width: 10, height: 10 }],
    ['the selection when sizes match', null, 1, { left: 20, top: 30, width: 10, height: 10 }, { left: 20, top: 30, width: 10, height: 10 }],
    ['centred otherwise', { documentId: 2, bounds: { left: 5, top: 5, width: 10, height: 10 } }, 1, { left: 0, top: 0, width: 3, height: 3 }, { left: 45, top: 20, width: 10, height: 10 }],
    ['centred when its bounds no longer fit', { documentId: 1, bounds: { left: 95, top: 5, width: 10, height: 10 } }, 1, null, { left: 45, top: 20, width: 10, height: 10 }],
  ] as const)('an earlier result goes to %s', (_name, known, documentId, selection, expected) => {
    expect(placementFor({ width: 10, height: 10 }, { width: 100, height: 50 }, known, documentId, selection)).toEqual(expected);
  });

  function recordingWriter(calls: string[]): HostWriter {
    const layer: LayerRef = { documentId: 1, layerId: 9, name: 'L' };
    return {
      placeResultLayer: async (o) => {
        calls.push(`place ${o.name} at ${o.bounds.left},${o.bounds.top}`);
        return layer;
      },
      setBlendMode: async (_l, mode) => void calls.push(`blend ${mode}`),
      restoreSelection: async () => void calls.push('restore selection'),
      saveSelectionToChannel: async (name) => void calls.push(`save ${name}`),
      applyFeatheredMask: async (_l, name, px) => void calls.push(`mask ${name} ${px}`),
      setMaskFeather: async (_l, px) => void calls.push(`feather ${px}`),
      setVisible: async (_l, visible) => void calls.push(`visible ${visible}`),
      deleteChannel: async (name) => void calls.push(`delete ${name}`),
      keepSelection: async () => {
        calls.push('keep selection');
        return { token: 'theirs' };
      },
      restoreKeptSelection: async (kept) => void calls.push(`restore ${String(kept?.token)}`),
    };
  }

  const plan = {
    above: { kind: 'active' } as const,
    bounds: { left: 2, top: 3, width: 1, height: 1 },
    pixels: { width: 1, height: 1, bitDepth: 8 as const, data: new Uint8Array(4) },
    name: 'L',
    selection: { bounds: { left: 2, top: 3, width: 1, height: 1 }, data: new Uint8Array([255]) },
    channelName: 'ch',
    autoMask: true,
    featherPx: 12,
  };

  it('places a try: layer, difference, the try’s selection kept in a channel, then the feathered mask', async () => {
    const calls: string[] = [];
    expect(await placeTry(recordingWriter(calls), plan)).toMatchObject({ masked: true });
    expect(calls).toEqual(['place L at 2,3', 'blend difference', 'keep selection', 'restore selection', 'save ch', 'mask ch 12', 'restore theirs']);
  });

  it('leaves the mask to the user without auto-mask, and has no mask for a whole-canvas try', async () => {
    const calls: string[] = [];
    expect(await placeTry(recordingWriter(calls), { ...plan, autoMask: false })).toMatchObject({ masked: false });
    expect(calls).toEqual(['place L at 2,3', 'blend difference', 'keep selection', 'restore selection', 'save ch', 'restore theirs']);
    const whole: string[] = [];
    await placeTry(recordingWriter(whole), { ...plan, selection: null, channelName: null });
    expect(whole).toEqual(['place L at 2,3', 'blend difference']);
  });
});

describe('state', () => {
  it('walks the job lifecycle idle → uploading → running → placing → done', () => {
    const steps: Action[] = [
      { type: 'jobStarted' },
      { type: 'jobQueued', jobId: 'j', seed: 5 },
      { type: 'placing' },
      { type: 'finished', seed: 5 },
    ];
    const phases = [initialState(DEFAULT_SETTINGS)];
    for (const action of steps) phases.push(reducer(phases[phases.length - 1], action));
    expect(phases.map((s) => s.phase)).toEqual(['idle', 'uploading', 'running', 'placing', 'done']);
    expect(phases[4].lastSeed).toBe(5);
    expect(reducer(phases[2], { type: 'cancelled' })).toMatchObject({ phase: 'cancelled', progress: null });
    expect(reducer(phases[2], { type: 'failed', error: { code: 'X', message: 'm' } })).toMatchObject({ phase: 'failed', error: { code: 'X' } });
  });

  it('says why the main button is disabled', () => {
    const state = initialState(DEFAULT_SETTINGS);
    expect(runBlocker(state)).toBe('Connecting to the server…');
    expect(runBlocker({ ...state, server: { kind: 'offline', reason: 'x' } })).toBe('The server is offline.');
    const online = { ...state, server: { kind: 'online' as const, health: {} as never } };
    expect(runBlocker(online)).toBe('Open a document first.');
    expect(runBlocker({ ...online, document: { id: 1, title: 't', width: 1, height: 1, bitDepth: 8, selectionBounds: null, resolution: 72 } })).toBeNull();
    // While the server loads a model, Refine waits (jobs would queue behind the load anyway).
    const loading = { ...state, server: { kind: 'online' as const, health: { loading: 'sd15' } as never } };
    expect(runBlocker({ ...loading, document: { id: 1, title: 't', width: 1, height: 1, bitDepth: 8, selectionBounds: null, resolution: 72 } })).toMatch(/^Loading model sd15…/);
  });
});

describe('upscale result as a layer', () => {
  const canvas = { width: 100, height: 80 };
  it.each([
    // result, selection → bounds (worked out by hand)
    [{ width: 40, height: 30 }, { left: 10, top: 20, width: 20, height: 15 }, { left: 10, top: 20, width: 40, height: 30 }],
    [{ width: 40, height: 30 }, { left: 90, top: 70, width: 10, height: 10 }, { left: 60, top: 50, width: 40, height: 30 }], // kept inside
    [{ width: 100, height: 80 }, { left: 5, top: 5, width: 50, height: 40 }, { left: 0, top: 0, width: 100, height: 80 }], // exactly the canvas
    [{ width: 101, height: 80 }, { left: 0, top: 0, width: 50, height: 40 }, null], // wider than the canvas
  ])('%o from %o → %o', (result, selection, expected) => {
    expect(upscaleLayerBounds(result, selection, canvas)).toEqual(expected);
  });
});

describe('progress wording', () => {
  const progress = { jobId: 'j', seed: 1, queuePosition: null, step: 9, totalSteps: 15, tile: 2, totalTiles: 4, etaSeconds: 4.2, previewUrl: null, variation: null };
  it('reads like the sketch', () => {
    expect(progressText('running', { ...progress, totalTiles: 1, tile: 1 })).toBe('step 9/15 · 4 s left');
    expect(progressText('running', progress)).toBe('step 9/15 · tile 2/4 · 4 s left');
    expect(progressText('running', { ...progress, queuePosition: 2 })).toBe('Queued (2 ahead)');
    expect(progressText('running', { ...progress, totalTiles: 1, variation: { index: 2, count: 4 } })).toBe('variation 2/4 · step 9/15 · 4 s left');
    expect(progressText('uploading', null)).toBe('Reading the selection and uploading…');
    expect(formatEta(83)).toBe('1 min 23 s left');
    expect(formatEta(0.3)).toBe('< 1 s left'); // never "0 s left" while steps remain
    expect(formatEta(0)).toBe('0 s left');
    expect(progressFraction(progress)).toBeCloseTo((15 + 9) / 60);
  });
});
