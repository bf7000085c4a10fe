/** @jest-environment ./test/helpers/ort-environment.js */
import type { DiffusionRuntime } from '../../../server/src/pipeline/runtime';
import { refineCrop, PipelineContext } from '../../../server/src/pipeline/refine';
import { OnnxDiffusionRuntime } from '../../../server/src/runtime/onnx-runtime';
import { schedulerConfigFromJson } from '../../../server/src/schedulers/scheduler';
import type { Tensor } from '../../../server/src/tensor';
import { ClipTokenizer } from '../../../server/src/text/clip-tokenizer';
import type { Progress, RawImage } from '../../../server/src/engine/types';
import { cropPreview, type PreviewSource } from '../../../server/src/pipeline/preview';
import { tinyModel } from '../../helpers/tiny-model';

/** The real ONNX runtime, with every UNet call's batch size and timestep written down. */
class RecordingRuntime implements DiffusionRuntime {
  readonly unetCalls: { batch: number; timestep: number; context: number[]; contextData: Float32Array }[] = [];
  constructor(private readonly inner: OnnxDiffusionRuntime) {}
  get fixedLatentSize() {
    return this.inner.fixedLatentSize;
  }
  encodeText(rows: readonly (readonly number[])[]) {
    return this.inner.encodeText(rows);
  }
  predictNoise(sample: Tensor, timestep: number, context: Tensor) {
    this.unetCalls.push({ batch: sample.dims[0], timestep, context: [...context.dims], contextData: context.data });
    return this.inner.predictNoise(sample, timestep, context);
  }
  encodeImage(image: Tensor) {
    return this.inner.encodeImage(image);
  }
  decodeLatents(latents: Tensor) {
    return this.inner.decodeLatents(latents);
  }
}

const log = { info() {}, warn() {} };
const base = { prompt: 'a photo of a cat', negativePrompt: '', strength: 0.3, steps: 20, guidanceScale: 7.5, seed: 5, sampler: 'ddim' as const, eta: 0, emphasis: true };
const hooks = { isCancelled: () => false, onProgress() {} };
const image: RawImage = { width: 64, height: 64, channels: 3, bitDepth: 8, data: new Uint8Array(64 * 64 * 3).fill(100) };

describe('img2img pipeline on the real tiny model', () => {
  let onnx: OnnxDiffusionRuntime;
  let context: (runtime: DiffusionRuntime) => PipelineContext;
  beforeAll(async () => {
    onnx = await OnnxDiffusionRuntime.load(await tinyModel(), 'cpu', log);
    const tokenizer = ClipTokenizer.fromFiles(onnx.folder.files.vocab, onnx.folder.files.merges);
    const { config } = schedulerConfigFromJson(onnx.folder.schedulerConfig, { isSd1: true });
    context = (runtime) => ({ runtime, tokenizer, schedulerConfig: config, latentScale: onnx.folder.latentScale });
  });
  afterAll(() => onnx.release());

  it('runs CFG as one batch of 2 and the diffusers timesteps: 20 × 0.3 → 6 steps from 281', async () => {
    const runtime = new RecordingRuntime(onnx);
    const out = await refineCrop(context(runtime), image, base, hooks, {});
    expect(out.stepsRun).toBe(6);
    // leading spacing, offset 1: 20 steps are 951, 901, …, 1; strength 0.3 runs the last 6
    expect(runtime.unetCalls.map((c) => c.timestep)).toEqual([251, 201, 151, 101, 51, 1]);
    expect(runtime.unetCalls.every((c) => c.batch === 2 && c.context[0] === 2 && c.context[1] === 77)).toBe(true);
  });

  it('runs Euler a with A1111’s tail rule through the real model: 20 × 0.3 → 7 calls at fractional timesteps', async () => {
    const runtime = new RecordingRuntime(onnx);
    const out = await refineCrop(context(runtime), image, { ...base, sampler: 'euler_a', eta: undefined }, hooks, {});
    expect(out.stepsRun).toBe(7);
    const timesteps = runtime.unetCalls.map((c) => c.timestep);
    // Uniform 20 steps: t = linspace(999, 0, 20) = 999 − 52.578…·i; the tail starts at i = 13 (t ≈ 315.47)
    timesteps.forEach((t, i) => expect(t).toBeCloseTo(999 - ((13 + i) * 999) / 19, 6));
    expect(runtime.unetCalls.every((c) => c.batch === 2)).toBe(true);
  });

  it('switches the conditioning mid-run for prompt editing, at A1111’s step ([a:b:0.5] over 6 steps: calls 0–3, then 4–5)', async () => {
    const edited = new RecordingRuntime(onnx);
    const job = { ...base, sampler: 'euler' as const, steps: 6, strength: 1, negativePrompt: 'blurry' };
    await refineCrop(context(edited), image, { ...job, prompt: '[a photo of a cat:a photo of a dog:0.5]' }, hooks, {});
    const cat = new RecordingRuntime(onnx);
    await refineCrop(context(cat), image, { ...job, prompt: 'a photo of a cat' }, hooks, {});
    const dog = new RecordingRuntime(onnx);
    await refineCrop(context(dog), image, { ...job, prompt: 'a photo of a dog' }, hooks, {});
    const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(edited.unetCalls).toHaveLength(6);
    edited.unetCalls.forEach((call, i) => {
      expect(same(call.contextData, (i <= 3 ? cat : dog).unetCalls[0].contextData)).toBe(true);
    });
    expect(same(cat.unetCalls[0].contextData, dog.unetCalls[0].contextData)).toBe(false);
  });

  it('runs a single pass without the negative prompt when guidance ≤ 1', async () => {
    const runtime = new RecordingRuntime(onnx);
    await refineCrop(context(runtime), image, { ...base, guidanceScale: 1, negativePrompt: 'ignored' }, hooks, {});
    expect(runtime.unetCalls.every((c) => c.batch === 1 && c.context[0] === 1)).toBe(true);
  });

  it('encodes a long prompt in 77-token chunks on the sequence axis, negative padded to the same count', async () => {
    const runtime = new RecordingRuntime(onnx);
    const long = Array(100).fill('cat').join(' '); // 'cat' is one token in the tiny vocabulary: 100 tokens → 2 chunks
    await refineCrop(context(runtime), image, { ...base, prompt: long }, hooks, {});
    expect(runtime.unetCalls[0].context.slice(0, 2)).toEqual([2, 154]);
  });

  it('with eta > 0 the result depends on the seed’s variance draws; with eta 0 it is deterministic DDIM', async () => {
    const a = await refineCrop(context(onnx), image, { ...base, eta: 1 }, hooks, {});
    const b = await refineCrop(context(onnx), image, { ...base, eta: 1 }, hooks, {});
    const c = await refineCrop(context(onnx), image, { ...base, eta: 0 }, hooks, {});
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });

  it('gives the same bytes with the worker’s scratch buffers, job after job (and another size in between)', async () => {
    const plain = await refineCrop(context(onnx), image, base, hooks, {});
    const scratch = new Map<string, Float32Array>();
    const withScratch = { ...context(onnx), scratch };
    const first = await refineCrop(withScratch, image, base, hooks, {});
    const other: RawImage = { width: 72, height: 64, channels: 3, bitDepth: 8, data: new Uint8Array(72 * 64 * 3).fill(30) };
    expect((await refineCrop(withScratch, other, base, hooks, {})).image.width).toBe(72);
    const again = await refineCrop(withScratch, image, base, hooks, {});
    expect(scratch.get('modelImage')?.length).toBe(3 * 64 * 64);
    for (const out of [first, again]) expect(Buffer.from(out.image.data).equals(Buffer.from(plain.image.data))).toBe(true);
  });

  it('hands a due preview on as a copy of the latents when deferred, and that makes the same picture as in place', async () => {
    const inPlace: Progress[] = [];
    await refineCrop(context(onnx), image, base, { isCancelled: () => false, onProgress: (p) => inPlace.push(p) }, {});
    const deferred: { progress: Progress; source: PreviewSource }[] = [];
    const plain: Progress[] = [];
    const timings: Record<string, number> = {};
    await refineCrop(context(onnx), image, base, {
      isCancelled: () => false,
      onProgress: (p) => plain.push(p),
      deferPreview: (progress, source) => deferred.push({ progress, source }),
    }, timings);
    // Every step's preview was deferred (no previewDue: all due), none made here.
    expect(plain.map((p) => p.step)).toEqual([0]);
    expect(deferred.map((d) => d.progress.step)).toEqual(inPlace.slice(1).map((p) => p.step));
    expect(deferred.every((d) => d.progress.preview === undefined)).toBe(true);
    // Copies: each step's latents differ, so a shared buffer would make every picture the last one.
    expect(new Set(deferred.map((d) => d.source.latents.data.buffer)).size).toBe(deferred.length);
    for (const [i, d] of deferred.entries()) {
      const made = cropPreview(d.source.latents, d.source.visibleWidth, d.source.visibleHeight);
      const expected = inPlace[i + 1].preview as RawImage;
      expect([made.width, made.height]).toEqual([expected.width, expected.height]);
      expect(Buffer.from(made.data).equals(Buffer.from(expected.data))).toBe(true);
    }
    expect(timings.preview).toBeGreaterThan(0);
  });
});
