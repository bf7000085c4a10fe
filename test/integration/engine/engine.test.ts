import * as fs from 'fs';
import * as path from 'path';
import { createEngine, EngineError } from '../../../server/src/engine/engine';
import type { Engine, Img2ImgParams, Progress, RawImage } from '../../../server/src/engine/types';
import type { TinyModelOptions } from '../../../scripts/tiny-model/options';
import { tempDir, tinyModel } from '../../helpers/tiny-model';

const PARAMS: Img2ImgParams = {
  prompt: 'a photo of a cat, (eyes:1.2)',
  negativePrompt: 'blurry',
  strength: 0.5,
  steps: 4,
  guidanceScale: 7.5,
  seed: 42,
  sampler: 'ddim',
  eta: 0,
  emphasis: true,
};

function image(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  return { width, height, channels: 3, bitDepth: 8, data };
}

describe('the engine loads every I/O convention of real exports', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
  });
  afterAll(() => engine.close());

  const variants: [string, TinyModelOptions][] = [
    ['default (int64 timestep, int32 ids, latent_sample)', {}],
    ['int64 input_ids', { inputIds: 'int64' }],
    ['float32 timestep [B]', { timestep: 'float32' }],
    ['float16 timestep [B]', { timestep: 'float16' }],
    ['float32 scalar timestep', { timestep: 'float32-scalar' }],
    ['latent_parameters (mean ‖ logvar)', { vaeEncoderOutput: 'latent_parameters' }],
    ['fp16 inputs and outputs', { precision: 'fp16' }],
    ['external data files', { externalData: true }],
    ['static batch 1 (CFG as two calls), fixed 64×64 latents', { staticShape: { batch: 1, latentSize: 64 } }],
    ['static batch 2', { staticShape: { batch: 2, latentSize: 64 } }],
    ['no model_index.json or scheduler config (Amuse)', { noModelIndex: true }],
  ];

  it.each(variants)('%s', async (_name, options) => {
    const dir = await tinyModel(options);
    const info = await engine.loadModel(dir);
    expect(info.device).toBe('cpu');
    const out = await engine.img2img(image(96, 80), PARAMS);
    expect([out.image.width, out.image.height, out.image.channels]).toEqual([96, 80, 3]);
    expect(out.stepsRun).toBe(2);
    expect(out.seed).toBe(42);
  });

  it('gives the same pixels for fp32 and fp16 I/O up to half-precision rounding', async () => {
    await engine.loadModel(await tinyModel());
    const a = await engine.img2img(image(64, 64), PARAMS);
    await engine.loadModel(await tinyModel({ precision: 'fp16' }));
    const b = await engine.img2img(image(64, 64), PARAMS);
    let maxDiff = 0;
    for (let i = 0; i < a.image.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.image.data[i] - b.image.data[i]));
    expect(maxDiff).toBeLessThanOrEqual(8);
  });

  it('feeds a float16 UNet each job\'s own conditioning (converted once a job), also as two batch-1 CFG calls', async () => {
    const dir = await tinyModel({ precision: 'fp16', staticShape: { batch: 1, latentSize: 64 } });
    const other = { ...PARAMS, prompt: 'a red boat', negativePrompt: 'fog' };
    await engine.loadModel(dir);
    const first = await engine.img2img(image(64, 64), PARAMS);
    const afterFirst = await engine.img2img(image(64, 64), other);
    await engine.loadModel(dir);
    const fresh = await engine.img2img(image(64, 64), other);
    expect(Buffer.from(afterFirst.image.data).equals(Buffer.from(fresh.image.data))).toBe(true);
    expect(Buffer.from(afterFirst.image.data).equals(Buffer.from(first.image.data))).toBe(false);
  });

  it('names the file and what was expected when a model does not fit', async () => {
    const broken = path.join(tempDir('broken'), 'model');
    fs.cpSync(await tinyModel(), broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'vae_decoder', 'model.onnx'), 'not a model');
    const err = await engine.loadModel(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('MODEL_INVALID');
    expect((err as EngineError).message).toMatch(/vae_decoder[\\/]model\.onnx/);
  });
});

describe('inference off the event loop', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
    // A UNet heavy enough that each step takes a noticeable time on this machine.
    await engine.loadModel(await tinyModel({ unetChannels: 128, unetBlocks: 4 }));
  });
  afterAll(() => engine.close());

  it('keeps the main thread responsive: a 10 ms timer keeps firing during a long run', async () => {
    let ticks = 0;
    let last = performance.now();
    let worstGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const started = performance.now();
    await engine.img2img(image(512, 512), { ...PARAMS, steps: 20, strength: 1 });
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // If run() blocked this thread, the timer would stall for the whole run (session.run is synchronous).
    // Bounds relative to the run, not milliseconds: a busy machine slows both alike (the ms target is in the bench).
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(worstGap).toBeLessThan(elapsed / 2);
  });

  it('reports progress each step with a preview, and stops within one step when cancelled', async () => {
    const controller = new AbortController();
    const seen: Progress[] = [];
    let abortedAt = 0;
    const run = engine.img2img(image(512, 512), { ...PARAMS, steps: 30, strength: 1 }, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        // Reports closer than 100 ms are coalesced by the worker, so step 3 itself may not arrive.
        if (p.step >= 3 && !abortedAt) {
          abortedAt = p.step;
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    const last = seen[seen.length - 1];
    // The step running when cancel arrived may finish, no more; the step seen may trail the worker's by one
    // (coalesced reports, never two dropped in a row), so the bound on what was seen is two.
    expect(last.step).toBeLessThanOrEqual(abortedAt + 2);
    expect(last.totalSteps).toBe(30);
    expect(seen.find((p) => p.step === 1)?.preview).toMatchObject({ width: 256, height: 256, channels: 3 }); // a 256-px thumbnail of the 512² crop
    // the engine is still usable afterwards
    const after = await engine.img2img(image(64, 64), PARAMS);
    expect(after.image.width).toBe(64);
    // Previews are made on the engine's thread from the worker's latents, and only for a listener.
    expect(after.timings.previewEngineThread).toBeUndefined();
    const previews: RawImage[] = [];
    const watched = await engine.img2img(image(64, 64), PARAMS, { onProgress: (p) => p.preview && previews.push(p.preview) });
    expect(previews.length).toBeGreaterThan(0);
    expect(watched.timings.previewEngineThread).toBeGreaterThan(0);
  });
});

describe('uploads in shared memory', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
    await engine.loadModel(await tinyModel());
  });
  afterAll(() => engine.close());

  /** An RGBA picture in shared memory, as the server's uploads are, and a copy of its bytes. */
  function sharedImage(width: number, height: number): { image: RawImage; before: Uint8Array } {
    const data = new Uint8Array(new SharedArrayBuffer(width * height * 4));
    for (let i = 0; i < data.length; i++) data[i] = (i * 29 + (i >> 7)) % 256;
    return { image: { width, height, channels: 4, bitDepth: 8, data }, before: data.slice() };
  }

  // The worker reads an upload in place (no copy of its own): every kind of job must leave it as it was,
  // and answer in its own memory, which the worker transfers.
  it.each([
    ['img2img', (image: RawImage) => engine.img2img(image, PARAMS)],
    ['img2img with no step to run', (image: RawImage) => engine.img2img(image, { ...PARAMS, strength: 0 })],
    ['a tiled img2img (larger than one model pass)', (image: RawImage) => engine.img2img(image, { ...PARAMS, steps: 2 })],
    ['inpaint', (image: RawImage) => {
      const mask = new Uint8Array(image.width * image.height * 3);
      for (let y = 8; y < 40; y++) mask.fill(255, (y * image.width + 8) * 3, (y * image.width + 40) * 3);
      const inpaint = { mask: { width: image.width, height: image.height, channels: 3 as const, bitDepth: 8 as const, data: mask }, maskBlur: 4, inpaintArea: 'masked' as const, padding: 8, fill: 'original' as const, invertMask: false };
      return engine.img2img(image, { ...PARAMS, inpaint });
    }],
    ['upscale', (image: RawImage) => engine.upscale(image, { ...PARAMS, scale: 2, tileSize: 64, tileOverlap: 16, colorMatch: true })],
  ])('%s leaves the upload untouched', async (name, job) => {
    const size = name.startsWith('a tiled') ? [1100, 72] : [72, 56];
    const { image, before } = sharedImage(size[0], size[1]);
    const out = await job(image);
    expect(Buffer.compare(Buffer.from(image.data), Buffer.from(before))).toBe(0);
    expect(out.image.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('closing the engine', () => {
  it('stops a running job between steps and ends the worker without aborting the process', async () => {
    const engine = await createEngine({ device: 'cpu' });
    await engine.loadModel(await tinyModel());
    let steps = 0;
    let closing: Promise<void> | null = null;
    const run = engine.img2img(image(512, 512), { ...PARAMS, steps: 100, strength: 1 }, {
      onProgress: () => {
        steps++;
        // Closed while the worker is inside session.run: terminating it there would abort this process.
        closing ??= engine.close();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await closing;
    expect(steps).toBeLessThan(100);
    await expect(engine.img2img(image(64, 64), PARAMS)).rejects.toMatchObject({ code: 'NOT_READY' });
  });
});
