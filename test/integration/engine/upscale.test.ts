import { createEngine } from '../../../server/src/engine/engine';
import type { Engine, Progress, RawImage, UpscaleParams } from '../../../server/src/engine/types';
import { resizeRawLanczos } from '../../../server/src/image/resize-raw';
import { syntheticImage } from '../../helpers/synthetic-image';
import { tinyModel } from '../../helpers/tiny-model';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const PARAMS: UpscaleParams = {
  prompt: 'a photo, best quality',
  negativePrompt: 'blurry',
  strength: 0.3,
  steps: 10,
  guidanceScale: 7.5,
  seed: 11,
  sampler: 'ddim',
  eta: 0,
  emphasis: true,
  scale: 2,
  tileSize: 256,
  tileOverlap: 32,
  colorMatch: true,
};

function picture(width: number, height: number, options: { channels?: 3 | 4; bitDepth?: 8 | 16 } = {}): RawImage {
  return syntheticImage(
    width,
    height,
    (x, y, c) => (c === 3 ? 0.5 + 0.5 * math.sin(x / 13) * math.cos(y / 7) : 0.5 + 0.4 * math.sin((x * (c + 1)) / 40 + y / 30)),
    options,
  );
}

function sameData(a: RawImage, b: RawImage): boolean {
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

describe('engine.upscale (tiny model)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
    await engine.loadModel(await tinyModel());
  });
  afterAll(() => engine.close());

  it.each([
    { size: [300, 200], scale: 2, out: [600, 400] },
    { size: [301, 201], scale: 1.5, out: [452, 302] }, // round(451.5), round(301.5)
    { size: [130, 257], scale: 3.3, out: [429, 848] },
  ])('$size × $scale → $out', async ({ size, scale, out }) => {
    const result = await engine.upscale(picture(size[0], size[1]), { ...PARAMS, scale });
    expect([result.image.width, result.image.height, result.image.channels, result.image.bitDepth]).toEqual([...out, 3, 8]);
    expect(result.stepsRun).toBe(3);
  });

  it('enlarges alpha with the same Lanczos filter and keeps it; 16-bit stays 16-bit', async () => {
    for (const bitDepth of [8, 16] as const) {
      const input = picture(200, 150, { channels: 4, bitDepth });
      const result = await engine.upscale(input, PARAMS);
      expect([result.image.width, result.image.height, result.image.channels, result.image.bitDepth]).toEqual([400, 300, 4, bitDepth]);
      const enlarged = resizeRawLanczos(input, 400, 300);
      const alphaKept = Array.from({ length: 400 * 300 }, (_, i) => result.image.data[i * 4 + 3] === enlarged.data[i * 4 + 3]);
      expect(alphaKept.every(Boolean)).toBe(true);
      let changed = 0;
      for (let i = 0; i < 400 * 300; i++) if (result.image.data[i * 4] !== enlarged.data[i * 4]) changed++;
      expect(changed).toBeGreaterThan(400 * 300 * 0.1); // the RGB was refined, not only enlarged
    }
  });

  it('is reproducible: the same seed gives identical pixels, another seed different ones', async () => {
    const input = picture(260, 180);
    const a = await engine.upscale(input, PARAMS);
    const b = await engine.upscale(input, PARAMS);
    const c = await engine.upscale(input, { ...PARAMS, seed: 12 });
    expect(sameData(a.image, b.image)).toBe(true);
    expect(sameData(a.image, c.image)).toBe(false);
  });

  it('reports tile j/M and step i/N, with a preview of the assembled image after each tile', async () => {
    const seen: Progress[] = [];
    await engine.upscale(picture(300, 200), PARAMS, { onProgress: (p) => seen.push(p) });
    // 600×400 → canvas 640×448 with 256 px tiles and ≥ 32 px overlap: 3 columns × 2 rows.
    expect(new Set(seen.map((p) => p.totalTiles))).toEqual(new Set([6]));
    expect(new Set(seen.map((p) => p.tile))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    // Step 1, then (reports closer than 100 ms coalesced by the worker) step 2 or not, then the last step
    // and the tile's end with its preview.
    const tile2 = seen.filter((p) => p.tile === 2).map((p) => p.step);
    expect([[1, 2, 3, 3], [1, 3, 3]]).toContainEqual(tile2);
    const previews = seen.filter((p) => p.preview).map((p) => p.preview as RawImage);
    expect(previews).toHaveLength(6);
    expect(previews[0]).toMatchObject({ width: 512, height: 341, channels: 3, bitDepth: 8 });
    // Tiles appear as they finish: each preview differs from the one before.
    for (let i = 1; i < previews.length; i++) expect(sameData(previews[i], previews[i - 1])).toBe(false);
  });

  it("the 'insane' recipe: img2img at 512 on the short side first, then the tiled upscale", async () => {
    const seen: Progress[] = [];
    const result = await engine.upscale(picture(200, 150), { ...PARAMS, recipe: 'insane', tileSize: 512, tileOverlap: 64 }, {
      onProgress: (p) => seen.push(p),
    });
    // 200×150 → 683×512 (first pass, one tile) → ×2 = 1366×1024 (canvas 1408×1024: 3 × 3 tiles of 512).
    expect([result.image.width, result.image.height]).toEqual([1366, 1024]);
    expect(seen[0]).toMatchObject({ tile: 1, totalTiles: 10 });
    expect(seen[seen.length - 1]).toMatchObject({ tile: 10, totalTiles: 10 });
  });

  it('returns the Lanczos enlargement when the strength is too small for one step', async () => {
    const input = picture(100, 80, { channels: 4, bitDepth: 16 });
    const result = await engine.upscale(input, { ...PARAMS, strength: 0.05 });
    expect(result.stepsRun).toBe(0);
    expect(sameData(result.image, resizeRawLanczos(input, 200, 160))).toBe(true);
  });
});

describe('engine.upscale cancellation', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
    // A UNet whose step (tens of ms) outlasts the progress message's trip to this thread, so "the steps
    // done after the cancel" measures the engine, not how busy the test machine is.
    await engine.loadModel(await tinyModel({ unetChannels: 128, unetBlocks: 4 }));
  });
  afterAll(() => engine.close());

  it('stops within one step when cancelled mid-tile', async () => {
    const controller = new AbortController();
    let abortedAt: Progress | null = null;
    const after: Progress[] = [];
    const run = engine.upscale(picture(300, 200), { ...PARAMS, steps: 30, strength: 1 }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (abortedAt) after.push(p);
        else if (p.tile === 2 && p.step === 1) {
          abortedAt = p;
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(abortedAt).not.toBeNull();
    // At most the step already running when the cancel arrived completes; no further tile starts.
    expect(after.length).toBeLessThanOrEqual(1);
    expect(after.every((p) => p.tile === 2)).toBe(true);
  });
});

describe('engine.upscale on a static-shape export (64×64 latents, batch 1)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
    await engine.loadModel(await tinyModel({ staticShape: { batch: 1, latentSize: 64 } }));
  });
  afterAll(() => engine.close());

  it('runs every tile at the fixed 512², whatever the tile size asked for', async () => {
    const seen: Progress[] = [];
    const result = await engine.upscale(picture(350, 150), PARAMS, { onProgress: (p) => seen.push(p) });
    expect([result.image.width, result.image.height]).toEqual([700, 300]);
    expect(seen[0].totalTiles).toBe(2); // canvas 704×320: two 512-wide tiles, one row 320 high run as 512
  });
});

describe('engine.img2img of a crop over 1024 px: tiles at scale 1', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
    await engine.loadModel(await tinyModel());
  });
  afterAll(() => engine.close());

  it('refines a 1300×600 crop tile by tile at its own size, alpha untouched', async () => {
    const input = picture(1300, 600, { channels: 4 });
    const seen: Progress[] = [];
    const result = await engine.img2img(input, PARAMS, { onProgress: (p) => seen.push(p) });
    expect([result.image.width, result.image.height, result.image.channels]).toEqual([1300, 600, 4]);
    expect(math.max(...seen.map((p) => p.totalTiles))).toBe(6); // canvas 1344×640: 3 × 2 tiles of 512
    for (let i = 3; i < input.data.length; i += 4) if (result.image.data[i] !== input.data[i]) throw new Error(`alpha changed at ${i}`);
    let changed = 0;
    for (let i = 0; i < input.data.length; i += 4) if (result.image.data[i] !== input.data[i]) changed++;
    expect(changed).toBeGreaterThan(1300 * 600 * 0.1);
  });
});
