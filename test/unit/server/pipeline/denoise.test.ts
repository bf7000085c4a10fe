import { img2imgTensor } from '../../../../server/src/pipeline/denoise';
import type { NoiseSource } from '../../../../server/src/pipeline/noise';
import type { DiffusionRuntime } from '../../../../server/src/pipeline/runtime';
import { createSampler, SD15_SCHEDULER_CONFIG, StepContext } from '../../../../server/src/schedulers';
import { Tensor, tensor } from '../../../../server/src/tensor';

const DIMS = [1, 4, 1, 2];
const LATENT = [0.5, -0.25, 1, 0.125, -1, 0.75, 0.3, -0.6];

/** A closed-form "UNet": ε = 0.1·x_in + 0.01·t/1000, so every step is computable by hand. */
class FakeRuntime implements DiffusionRuntime {
  readonly fixedLatentSize = null;
  readonly timesteps: number[] = [];
  async encodeText(): Promise<Tensor> {
    return tensor(new Float32Array(0), [0]);
  }
  async predictNoise(sample: Tensor, timestep: number): Promise<Tensor> {
    this.timesteps.push(timestep);
    return tensor(sample.data.map((v) => 0.1 * v + (0.01 * timestep) / 1000), sample.dims);
  }
  async encodeImage(): Promise<Tensor> {
    return tensor(Float32Array.from(LATENT), DIMS);
  }
  async decodeLatents(latents: Tensor): Promise<Tensor> {
    return latents;
  }
}

/** Noise whose draw k is k + 0.1·i at element i, recording which draws were made. */
function countingNoise(): NoiseSource & { draws: number[] } {
  const draws: number[] = [];
  return {
    draws,
    draw(index, dims) {
      draws.push(index);
      const size = dims.reduce((a, b) => a * b, 1);
      return Float32Array.from({ length: size }, (_, i) => (index % 3) - 1 + 0.1 * i);
    },
    drawWindow() {
      throw new Error('not used');
    },
  };
}

async function run(eta: number, hooks?: Parameters<typeof img2imgTensor>[4]['hooks']) {
  const runtime = new FakeRuntime();
  const noise = countingNoise();
  const sampler = createSampler({ sampler: 'ddim', steps: 10, strength: 0.5, eta }, SD15_SCHEDULER_CONFIG);
  const out = await img2imgTensor(runtime, sampler, tensor(new Float32Array(0), [0]), tensor(new Float32Array(0), [0]), {
    guidanceScale: 1,
    noise,
    latentScale: 1,
    isCancelled: () => false,
    hooks,
    timings: {},
  });
  return { out, runtime, noise };
}

describe('the denoise loop', () => {
  it('draws the initial noise as draw 0 and DDIM’s variance noise of step i as draw i + 1', async () => {
    const withEta = await run(1);
    expect(withEta.noise.draws).toEqual([0, 1, 2, 3, 4, 5]);
    expect(withEta.runtime.timesteps).toEqual([401, 301, 201, 101, 1]);
    const deterministic = await run(0);
    expect(deterministic.noise.draws).toEqual([0]);
  });

  it('calls the hooks once per model call with the step’s σ, timestep and the clean latents', async () => {
    const seen: StepContext[] = [];
    await run(0, { blendLatents: (x, context) => (seen.push(context), x) });
    expect(seen.map((c) => [c.index, c.total, c.timestep])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 5, [401, 301, 201, 101, 1][i]]));
    expect(Array.from(seen[0].initLatents)).toEqual(LATENT.map((v) => Math.fround(v)));
    // σ = √((1 − ᾱ)/ᾱ) at t = 401 of the SD 1.5 schedule (numpy, float64: ᾱ₄₀₁ = 0.42288152426173453)
    expect(seen[0].sigma).toBeCloseTo(1.1682159550479787, 10);
  });

  it('gives DDIM the same result when a hook hands back x̂₀ unchanged but as a new array', async () => {
    const plain = await run(0);
    const copied = await run(0, { blendDenoised: (denoised) => denoised.slice() });
    const a = Array.from(plain.out.image.data);
    Array.from(copied.out.image.data).forEach((v, i) => expect(v).toBeCloseTo(a[i], 5));
  });

  it('steps DDIM towards the blended x̂₀: with x̂₀ forced to the clean latents, the result is near them', async () => {
    const kept = await run(0, { blendDenoised: (_denoised, context) => context.initLatents.slice() });
    // last step: x = √ᾱ₀·x̂₀ + √(1−ᾱ₀)·ε' with ᾱ₀ = 0.99915: within a few % of the clean latents
    Array.from(kept.out.image.data).forEach((v, i) => expect(Math.abs(v - LATENT[i])).toBeLessThan(0.06));
  });
});
