/** @jest-environment ./test/helpers/ort-environment.js */
/** Generating from pure noise (txt2img): the same engine as img2img, started from draw 0 of the seed. */
import type { RawImage } from '../../../server/src/engine/types';
import { refineCrop, type PipelineContext } from '../../../server/src/pipeline/refine';
import { philoxNoise } from '../../../server/src/pipeline/noise';
import type { DiffusionRuntime } from '../../../server/src/pipeline/runtime';
import { createSampler } from '../../../server/src/schedulers';
import type { Tensor } from '../../../server/src/tensor';
import { loadPipelineContext } from '../../helpers/pipeline-context';
import { tinyModel } from '../../helpers/tiny-model';

const params = {
  prompt: 'a cat', negativePrompt: '', strength: 1, steps: 3, guidanceScale: 7.5, seed: 77, sampler: 'ddim' as const, eta: 0,
  emphasis: true, init: 'noise' as const,
};
const hooks = { isCancelled: () => false, onProgress() {} };

function blank(width: number, height: number, value: number): RawImage {
  return { width, height, channels: 3, bitDepth: 8, data: new Uint8Array(width * height * 3).fill(value) };
}

describe('generating from noise', () => {
  let loaded: Awaited<ReturnType<typeof loadPipelineContext>>;
  const calls: { sample: Float32Array; dims: number[]; timestep: number }[] = [];
  let encodes = 0;
  let context: PipelineContext;
  beforeAll(async () => {
    loaded = await loadPipelineContext(await tinyModel());
    const inner = loaded.context.runtime;
    const recording: DiffusionRuntime = {
      get fixedLatentSize() {
        return inner.fixedLatentSize;
      },
      encodeText: (rows) => inner.encodeText(rows),
      predictNoise: (sample: Tensor, timestep, ctx) => {
        calls.push({ sample: sample.data.slice(), dims: [...sample.dims], timestep });
        return inner.predictNoise(sample, timestep, ctx);
      },
      encodeImage: (image) => {
        encodes += 1;
        return inner.encodeImage(image);
      },
      decodeLatents: (latents) => inner.decodeLatents(latents),
    };
    context = { ...loaded.context, runtime: recording };
  });
  afterAll(() => loaded?.release());

  it('runs every step from draw 0 of the seed at the requested size, never encoding the image', async () => {
    calls.length = 0;
    encodes = 0;
    const out = await refineCrop(context, blank(72, 64, 0), params, hooks, {});
    expect(out.stepsRun).toBe(3);
    expect([out.image.width, out.image.height, out.image.channels]).toEqual([72, 64, 3]);
    expect(encodes).toBe(0);
    const expectedTimesteps = createSampler({ sampler: 'ddim', steps: 3, strength: 1 }, context.schedulerConfig).steps.map((s) => s.timestep);
    expect(calls.map((c) => c.timestep)).toEqual(expectedTimesteps);
    // 72 px is padded to 128 (multiples of 64) → a 16×8 latent; CFG doubles the batch. DDIM's initial sigma is 1.
    expect(calls[0].dims).toEqual([2, 4, 8, 16]);
    const noise = philoxNoise(77).draw(0, [1, 4, 8, 16]);
    expect(Array.from(calls[0].sample.subarray(0, noise.length))).toEqual(Array.from(noise));
  });

  it('starts a k-diffusion sampler (Euler a) at noise × σ of its first step, as A1111\'s txt2img does', async () => {
    calls.length = 0;
    const out = await refineCrop(context, blank(64, 64, 0), { ...params, sampler: 'euler_a' }, hooks, {});
    expect(out.stepsRun).toBe(3);
    const { sigma } = createSampler({ sampler: 'euler_a', steps: 3, strength: 1 }, context.schedulerConfig).steps[0];
    // The UNet sees x · c_in, c_in = 1/√(σ² + 1).
    const noise = philoxNoise(77).draw(0, [1, 4, 8, 8]);
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const seen = calls[0].sample.subarray(0, noise.length);
    for (const i of [0, 1, 100, noise.length - 1]) expect(seen[i]).toBeCloseTo(noise[i] * sigma * cIn, 5);
    expect(sigma).toBeGreaterThan(10);
  });

  it('does not depend on the pixels it was given: only on the seed', async () => {
    const a = await refineCrop(context, blank(64, 64, 0), params, hooks, {});
    const b = await refineCrop(context, blank(64, 64, 200), params, hooks, {});
    const c = await refineCrop(context, blank(64, 64, 0), { ...params, seed: 78 }, hooks, {});
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });
});
