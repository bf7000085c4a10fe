/** @jest-environment ./test/helpers/ort-environment.js */
import type { RawImage } from '../../../server/src/engine/types';
import { refineCrop, PipelineContext } from '../../../server/src/pipeline/refine';
import type { DiffusionRuntime } from '../../../server/src/pipeline/runtime';
import { OnnxDiffusionRuntime } from '../../../server/src/runtime/onnx-runtime';
import { schedulerConfigFromJson } from '../../../server/src/schedulers/scheduler';
import type { Tensor } from '../../../server/src/tensor';
import { ClipTokenizer } from '../../../server/src/text/clip-tokenizer';
import { tinyModel } from '../../helpers/tiny-model';

/** The tiny model's LCM-distilled variant (a `timestep_cond` input) through the real loader and session layer. */
class RecordingRuntime implements DiffusionRuntime {
  readonly calls: { batch: number; timestep: number; cond: number[] | null }[] = [];
  constructor(private readonly inner: OnnxDiffusionRuntime) {}
  get fixedLatentSize() {
    return this.inner.fixedLatentSize;
  }
  get timestepCondDim() {
    return this.inner.timestepCondDim;
  }
  encodeText(rows: readonly (readonly number[])[]) {
    return this.inner.encodeText(rows);
  }
  predictNoise(sample: Tensor, timestep: number, context: Tensor, timestepCond?: Tensor) {
    this.calls.push({ batch: sample.dims[0], timestep, cond: timestepCond ? [...timestepCond.dims] : null });
    return this.inner.predictNoise(sample, timestep, context, timestepCond);
  }
  encodeImage(image: Tensor) {
    return this.inner.encodeImage(image);
  }
  decodeLatents(latents: Tensor) {
    return this.inner.decodeLatents(latents);
  }
}

const log = { info() {}, warn() {} };
const base = { prompt: 'a photo of a cat', negativePrompt: 'blur', strength: 0.5, steps: 4, guidanceScale: 8, seed: 7, sampler: 'lcm' as const, emphasis: true };
const hooks = { isCancelled: () => false, onProgress() {} };
const image: RawImage = { width: 64, height: 64, channels: 3, bitDepth: 8, data: new Uint8Array(64 * 64 * 3).fill(90) };

describe('an LCM-distilled UNet (timestep_cond) on the real tiny model', () => {
  let onnx: OnnxDiffusionRuntime;
  let context: (runtime: DiffusionRuntime) => PipelineContext;
  beforeAll(async () => {
    onnx = await OnnxDiffusionRuntime.load(await tinyModel({ timestepCondDim: 16 }), 'cpu', log);
    const tokenizer = ClipTokenizer.fromFiles(onnx.folder.files.vocab, onnx.folder.files.merges);
    const { config } = schedulerConfigFromJson(onnx.folder.schedulerConfig, { isSd1: true });
    context = (runtime) => ({ runtime, tokenizer, schedulerConfig: config, latentScale: onnx.folder.latentScale });
  });
  afterAll(() => onnx.release());

  it('is recognised from the session metadata', () => {
    expect(onnx.timestepCondDim).toBe(16);
  });

  it('runs LCM as diffusers does: LCM timesteps, one conditional pass, the guidance as a [1,16] embedding', async () => {
    const runtime = new RecordingRuntime(onnx);
    const out = await refineCrop(context(runtime), image, base, hooks, {});
    // int(50 · 0.5) = 25 distillation steps 499, 479, …, 19; 4 of them at indices 0, 6, 12, 18
    expect(runtime.calls.map((c) => c.timestep)).toEqual([499, 379, 259, 139]);
    expect(runtime.calls.every((c) => c.batch === 1 && c.cond?.join(',') === '1,16')).toBe(true);
    expect(out.stepsRun).toBe(4);
    expect(out.image.width).toBe(64);
  });

  it('changes the result with the guidance scale (it reaches the UNet only through timestep_cond)', async () => {
    const a = await refineCrop(context(onnx), image, base, hooks, {});
    const b = await refineCrop(context(onnx), image, { ...base, guidanceScale: 2 }, hooks, {});
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(false);
  });

  it('feeds the embedding to other samplers too, without a CFG batch (as diffusers’ pipelines run such a UNet)', async () => {
    const runtime = new RecordingRuntime(onnx);
    await refineCrop(context(runtime), image, { ...base, sampler: 'euler' }, hooks, {});
    expect(runtime.calls).toHaveLength(3); // A1111's tail rule: int(0.5 · 4) + 1
    expect(runtime.calls.every((c) => c.batch === 1 && c.cond !== null)).toBe(true);
  });
});

describe('an ordinary UNet', () => {
  it('has no guidance embedding input', async () => {
    const plain = await OnnxDiffusionRuntime.load(await tinyModel(), 'cpu', log);
    expect(plain.timestepCondDim).toBeNull();
    await plain.release();
  });
});
