/** @jest-environment ./test/helpers/ort-environment.js */
/**
 * Inpainting on the real tiny model (ordinary 4-channel UNet) and its inpainting variant (9 channels),
 * through the pipeline functions the engine's worker calls.
 */
import type { InpaintParams, RawImage } from '../../../server/src/engine/types';
import { img2imgTensor } from '../../../server/src/pipeline/denoise';
import { inpaintImage, ResolvedInpaintParams } from '../../../server/src/pipeline/inpaint/inpaint';
import { maskBlendHooks } from '../../../server/src/pipeline/inpaint/latents';
import { blurReach } from '../../../server/src/pipeline/inpaint/mask';
import { philoxNoise } from '../../../server/src/pipeline/noise';
import { refineCrop, PipelineContext } from '../../../server/src/pipeline/refine';
import { createSampler } from '../../../server/src/schedulers';
import { Tensor, tensor } from '../../../server/src/tensor';
import { loadPipelineContext, recordingHooks } from '../../helpers/pipeline-context';
import { syntheticImage } from '../../helpers/synthetic-image';
import { tinyModel } from '../../helpers/tiny-model';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const SIZE = 96;
const base = { prompt: 'a photo of a cat', negativePrompt: '', strength: 0.75, steps: 4, guidanceScale: 7.5, seed: 7, sampler: 'ddim' as const, eta: 0, emphasis: true };

/** A textured picture: the tiny model softens texture, so what it repaints differs from the input. */
const texture = (x: number, y: number, c: number) => 0.5 + 0.4 * math.sin(x * 0.9 + c) * math.cos(y * 0.7 - c);
const picture = (options: { channels?: 3 | 4; bitDepth?: 8 | 16 } = {}) =>
  syntheticImage(SIZE, SIZE, (x, y, c) => (c === 3 ? 0.3 + (x % 7) / 10 : texture(x, y, c)), options);

const inDisc = (x: number, y: number) => (x - 40) ** 2 + (y - 44) ** 2 <= 100; // radius 10 around (40, 44)
const discMask = (inside = inDisc) => syntheticImage(SIZE, SIZE, (x, y) => (inside(x, y) ? 1 : 0));

function settings(mask: RawImage, overrides: Partial<InpaintParams> = {}): ResolvedInpaintParams {
  return { ...base, inpaint: { mask, maskBlur: 4, inpaintArea: 'whole', padding: 32, fill: 'original', invertMask: false, ...overrides } };
}

/** Pixels no blurred mask value can reach: farther than the blur's reach from the disc in x or in y. */
function beyondReach(x: number, y: number, reach: number): boolean {
  for (let dy = -reach; dy <= reach; dy++) for (let dx = -reach; dx <= reach; dx++) if (inDisc(x + dx, y + dy)) return false;
  return true;
}

function pixelsEqual(a: RawImage, b: RawImage, x: number, y: number): boolean {
  const i = (y * a.width + x) * a.channels;
  for (let c = 0; c < a.channels; c++) if (a.data[i + c] !== b.data[i + c]) return false;
  return true;
}

/**
 * The first pixel of a `width`×`height` area where `wrong` holds, as "(x, y)", or null: one assertion per
 * picture (`expect(...).toBeNull()`), since an expect per pixel costs more CPU than the inpainting itself.
 */
function firstPixelWhere(width: number, height: number, wrong: (x: number, y: number) => boolean): string | null {
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (wrong(x, y)) return `(${x}, ${y})`;
  return null;
}

/** Against `input`: the first pixel beyond the blur's reach of the disc that changed (null: none), and how many disc pixels changed. */
function discChanges(out: RawImage, input: RawImage, reach: number): { changedBeyondReach: string | null; insideChanged: number } {
  let changedBeyondReach: string | null = null;
  let insideChanged = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      if (beyondReach(x, y, reach)) changedBeyondReach ??= pixelsEqual(out, input, x, y) ? null : `(${x}, ${y})`;
      else if (inDisc(x, y) && !pixelsEqual(out, input, x, y)) insideChanged++;
    }
  }
  return { changedBeyondReach, insideChanged };
}

describe('inpaint on the tiny model (4-channel UNet: latent blend)', () => {
  let context: PipelineContext;
  let release: () => Promise<void>;
  beforeAll(async () => {
    ({ context, release } = await loadPipelineContext(await tinyModel()));
  });
  afterAll(() => release());
  const run = (image: RawImage, params: ResolvedInpaintParams) => inpaintImage(context, image, params, recordingHooks(), {});

  it.each(['whole', 'masked'] as const)('an all-black mask returns the input byte for byte (%s)', async (inpaintArea) => {
    const input = picture({ channels: 4 });
    const out = await run(input, settings(syntheticImage(SIZE, SIZE, () => 0), { inpaintArea }));
    expect(out.stepsRun).toBe(0);
    expect(Buffer.from(out.image.data.buffer).equals(Buffer.from(input.data.buffer))).toBe(true);
  });

  it.each(['whole', 'masked'] as const)('a disc mask: every pixel beyond the blur reach is the input, the inside changes (%s)', async (inpaintArea) => {
    const input = picture();
    const out = await run(input, settings(discMask(), { inpaintArea }));
    expect(out.stepsRun).toBe(3); // floor(4 × 0.75)
    const reach = blurReach(4);
    let outsideChecked = 0;
    let insideChanged = 0;
    let inside = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        if (beyondReach(x, y, reach)) {
          outsideChecked++;
          if (!pixelsEqual(out.image, input, x, y)) throw new Error(`pixel (${x}, ${y}) beyond the blur changed`);
        } else if (inDisc(x, y)) {
          inside++;
          if (!pixelsEqual(out.image, input, x, y)) insideChanged++;
        }
      }
    }
    expect(outsideChecked).toBeGreaterThan(SIZE * SIZE * 0.6);
    expect(insideChanged).toBeGreaterThan(inside * 0.9);
  });

  it('"only masked": the result inside the mask does not depend on pixels far outside the padded box', async () => {
    const params = settings(discMask(), { inpaintArea: 'masked', padding: 8 });
    const first = await run(picture(), params);
    // The padded box ends at x = 40 + 10 + 10 (blur) + 8 = 68; repaint everything from x = 75 on.
    const changed = syntheticImage(SIZE, SIZE, (x, y, c) => (x >= 75 ? 1 - texture(x, y, c) : texture(x, y, c)));
    const second = await run(changed, params);
    expect(firstPixelWhere(75, SIZE, (x, y) => !pixelsEqual(first.image, second.image, x, y))).toBeNull();
    // …while the whole-picture mode sees the change (the model's input differs), so the test can fail.
    const wholeFirst = await run(picture(), settings(discMask()));
    const wholeSecond = await run(changed, settings(discMask()));
    let differs = 0;
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < 60; x++) if (inDisc(x, y) && !pixelsEqual(wholeFirst.image, wholeSecond.image, x, y)) differs++;
    expect(differs).toBeGreaterThan(0);
  });

  it.each(['whole', 'masked'] as const)('an all-white mask with fill "original" is plain img2img (%s)', async (inpaintArea) => {
    const input = picture({ channels: 4 });
    const white = syntheticImage(SIZE, SIZE, () => 1);
    const inpainted = await run(input, settings(white, { inpaintArea }));
    const refined = await refineCrop(context, input, base, recordingHooks(), {});
    expect(inpainted.stepsRun).toBe(refined.stepsRun);
    expect(Buffer.from(inpainted.image.data.buffer).equals(Buffer.from(refined.image.data.buffer))).toBe(true);
  });

  it('invert-mask is the same as the inverted mask, and keeps the disc', async () => {
    const input = picture();
    // σ 2 reaches 5 px: the disc's core (radius 2) lies farther than that from the edge (radius 10).
    const inverted = await run(input, settings(discMask(), { invertMask: true, maskBlur: 2 }));
    const byHand = await run(input, settings(discMask((x, y) => !inDisc(x, y)), { maskBlur: 2 }));
    expect(Buffer.from(inverted.image.data.buffer).equals(Buffer.from(byHand.image.data.buffer))).toBe(true);
    for (let y = 40; y <= 48; y++) for (let x = 36; x <= 44; x++) if ((x - 40) ** 2 + (y - 44) ** 2 <= 4) expect(pixelsEqual(inverted.image, input, x, y)).toBe(true);
    let changed = 0;
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) if (!pixelsEqual(inverted.image, input, x, y)) changed++;
    expect(changed).toBeGreaterThan(SIZE * SIZE * 0.5);
  });

  it('is deterministic per seed, and another seed repaints differently', async () => {
    const input = picture();
    const a = await run(input, settings(discMask(), { inpaintArea: 'masked', padding: 0 }));
    const b = await run(input, settings(discMask(), { inpaintArea: 'masked', padding: 0 }));
    const c = await run(input, { ...settings(discMask(), { inpaintArea: 'masked', padding: 0 }), seed: 8 });
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(c.image.data.buffer))).toBe(false);
  });

  it('16-bit RGBA: 16 bits out, alpha untouched everywhere, beyond the blur exactly the input', async () => {
    const input = picture({ channels: 4, bitDepth: 16 });
    const out = await run(input, settings(discMask(), { inpaintArea: 'masked' }));
    expect(out.image).toMatchObject({ bitDepth: 16, channels: 4, width: SIZE, height: SIZE });
    expect(out.image.data).toBeInstanceOf(Uint16Array);
    expect(firstPixelWhere(SIZE, SIZE, (x, y) => out.image.data[(y * SIZE + x) * 4 + 3] !== input.data[(y * SIZE + x) * 4 + 3])).toBeNull();
    const { changedBeyondReach, insideChanged } = discChanges(out.image, input, blurReach(4));
    expect(changedBeyondReach).toBeNull();
    expect(insideChanged).toBeGreaterThan(250);
  });

  it('every fill mode changes only the masked area, each differently', async () => {
    const input = picture();
    const results = [];
    for (const fill of ['original', 'fill', 'latent-noise', 'latent-nothing'] as const) {
      const out = await run(input, settings(discMask(), { fill, maskBlur: 0 }));
      expect([fill, firstPixelWhere(SIZE, SIZE, (x, y) => !inDisc(x, y) && !pixelsEqual(out.image, input, x, y))]).toEqual([fill, null]);
      results.push(Buffer.from(out.image.data.buffer).toString('base64'));
    }
    expect(new Set(results).size).toBe(4);
  });

  it('a crop over 1024 px goes tile by tile; tiles the mask misses do not run, nothing beyond the blur changes', async () => {
    const [width, height] = [1100, 520];
    const input = syntheticImage(width, height, (x, y, c) => texture(x, y, c));
    const near = (x: number, y: number) => (x - 100) ** 2 + (y - 100) ** 2 <= 400;
    const mask = syntheticImage(width, height, (x, y) => (near(x, y) ? 1 : 0));
    let calls = 0;
    const predict = context.runtime.predictNoise.bind(context.runtime);
    const counting = { ...context, runtime: Object.assign(Object.create(Object.getPrototypeOf(context.runtime)), context.runtime, {
      predictNoise: (...args: Parameters<typeof predict>) => {
        calls++;
        return predict(...args);
      },
    }) };
    const hooks = recordingHooks();
    const out = await inpaintImage(counting, input, settings(mask), hooks, {});
    const totalTiles = hooks.reports[0].totalTiles;
    expect(totalTiles).toBeGreaterThan(2);
    expect(out.stepsRun).toBe(3);
    expect(calls).toBeLessThan(totalTiles * 3);
    let insideChanged = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const reached = math.abs(x - 100) <= 30 && math.abs(y - 100) <= 30;
        if (!reached && !pixelsEqual(out.image, input, x, y)) throw new Error(`pixel (${x}, ${y}) beyond the blur changed`);
        if (near(x, y) && !pixelsEqual(out.image, input, x, y)) insideChanged++;
      }
    }
    expect(insideChanged).toBeGreaterThan(1000);
  });

  it.each(['ddim', 'euler', 'euler_a', 'dpmpp_2m'] as const)('%s: a latent mask of zeros gives back the clean original latents (VAE round trip)', async (samplerId) => {
    const image: Tensor = tensor(new Float32Array(3 * 64 * 64).map((_, i) => math.sin(i * 0.37) * 0.8), [1, 3, 64, 64]);
    const conditioning = tensor(new Float32Array(2 * 77 * 32), [2, 77, 32]);
    const sampler = () => createSampler({ sampler: samplerId, steps: 4, strength: 0.75 }, context.schedulerConfig);
    const options = { guidanceScale: 7.5, noise: philoxNoise(3), latentScale: context.latentScale, isCancelled: () => false, timings: {} };
    const inpaint = { latentMask: new Float32Array(8 * 8), fill: 'original' as const, blend: true };
    const kept = await img2imgTensor(context.runtime, sampler(), conditioning, image, { ...options, inpaint, hooks: maskBlendHooks(inpaint) });
    const roundTrip = await context.runtime.decodeLatents(await context.runtime.encodeImage(image));
    expect(kept.stepsRun).toBeGreaterThan(0);
    // toBeCloseTo(…, 4) for every value: within 10⁻⁴ / 2. The first value that is not, or -1.
    expect(kept.image.data.findIndex((v, i) => !(math.abs(v - roundTrip.data[i]) < 10 ** -4 / 2))).toBe(-1);
    const repainted = await img2imgTensor(context.runtime, sampler(), conditioning, image, options);
    expect(repainted.image.data.some((v, i) => math.abs(v - roundTrip.data[i]) > 1e-2)).toBe(true);
  });

  it.each(['euler_a', 'dpmpp_2m'] as const)('%s: the disc is repainted, nothing beyond the blur changes, deterministic', async (sampler) => {
    const input = picture();
    const params = { ...settings(discMask(), { inpaintArea: 'masked', padding: 8 }), sampler };
    const out = await run(input, params);
    const again = await run(input, params);
    expect(Buffer.from(out.image.data.buffer).equals(Buffer.from(again.image.data.buffer))).toBe(true);
    const { changedBeyondReach, insideChanged } = discChanges(out.image, input, blurReach(4));
    expect(changedBeyondReach).toBeNull();
    expect(insideChanged).toBeGreaterThan(250);
  });
});

describe('inpaint on the tiny inpainting variant (9-channel UNet: mask ‖ masked-image latents)', () => {
  let context: PipelineContext;
  let release: () => Promise<void>;
  const samples: number[][] = [];
  beforeAll(async () => {
    ({ context, release } = await loadPipelineContext(await tinyModel({ inpainting: true })));
    // Record the shape of every UNet sample, through the real runtime.
    const runtime = context.runtime;
    const predict = runtime.predictNoise.bind(runtime);
    context = {
      ...context,
      runtime: Object.assign(Object.create(Object.getPrototypeOf(runtime)), runtime, {
        predictNoise: (sample: Tensor, timestep: number, text: Tensor) => {
          samples.push([...sample.dims]);
          return predict(sample, timestep, text);
        },
      }),
    };
  });
  afterAll(() => release());

  it('is detected from the UNet metadata', () => {
    expect(context.runtime.unetInputChannels).toBe(9);
  });

  it('feeds 9 channels, keeps every pixel beyond the blur, repaints the disc', async () => {
    samples.length = 0;
    const input = picture();
    const out = await inpaintImage(context, input, settings(discMask(), { inpaintArea: 'masked' }), recordingHooks(), {});
    expect(out.stepsRun).toBe(3);
    expect(samples.length).toBe(3);
    expect(samples.every((dims) => dims[0] === 2 && dims[1] === 9)).toBe(true);
    const { changedBeyondReach, insideChanged } = discChanges(out.image, input, blurReach(4));
    expect(changedBeyondReach).toBeNull();
    expect(insideChanged).toBeGreaterThan(250);
  });

  it('the mask channels reach the model: another mask shape changes the repainted pixels it shares', async () => {
    const input = picture();
    const disc = await inpaintImage(context, input, settings(discMask(), { maskBlur: 0 }), recordingHooks(), {});
    // The disc plus a far square: the disc's pixels see a different conditioning (whole picture mode).
    const more = await inpaintImage(context, input, settings(discMask((x, y) => inDisc(x, y) || (x > 70 && y > 70)), { maskBlur: 0 }), recordingHooks(), {});
    let differs = 0;
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) if (inDisc(x, y) && !pixelsEqual(disc.image, more.image, x, y)) differs++;
    expect(differs).toBeGreaterThan(0);
  });

  it('plain img2img on an inpainting checkpoint repaints everything (mask of ones)', async () => {
    samples.length = 0;
    const out = await refineCrop(context, picture(), base, recordingHooks(), {});
    expect(out.stepsRun).toBe(3);
    expect(samples.every((dims) => dims[1] === 9)).toBe(true);
  });
});
