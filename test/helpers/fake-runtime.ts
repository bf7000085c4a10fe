import { img2imgTensor } from '../../server/src/pipeline/denoise';
import type { NoiseSource } from '../../server/src/pipeline/noise';
import type { DiffusionRuntime } from '../../server/src/pipeline/runtime';
import type { Sampler, SamplingHooks } from '../../server/src/schedulers';
import { Tensor, tensor } from '../../server/src/tensor';

/**
 * A closed-form stand-in for the models, so that a whole sampling loop can be computed by hand (or by
 * scripts/reference/k_samplers.py): the VAE encoder gives FAKE_LATENT, the UNet ε = 0.1·x_in + 0.01·t/1000,
 * the decoder gives the latents back. Every UNet call's timestep and batch are recorded.
 */
export const FAKE_LATENT = [0.5, -0.25, 1, 0.125, -1, 0.75, 0.3, -0.6];
export const FAKE_DIMS = [1, 4, 1, 2];

export class FakeRuntime implements DiffusionRuntime {
  readonly fixedLatentSize = null;
  readonly calls: { timestep: number; batch: number; timestepCond?: number[] }[] = [];
  /** `timestepCondDim` set: the fake stands for an LCM-distilled UNet (its output ignores the embedding). */
  constructor(readonly timestepCondDim: number | null = null) {}
  async encodeText(): Promise<Tensor> {
    return tensor(new Float32Array(0), [0]);
  }
  async predictNoise(sample: Tensor, timestep: number, _context: Tensor, timestepCond?: Tensor): Promise<Tensor> {
    this.calls.push({ timestep, batch: sample.dims[0], timestepCond: timestepCond && Array.from(timestepCond.data) });
    return tensor(sample.data.map((v) => 0.1 * v + (0.01 * timestep) / 1000), sample.dims);
  }
  async encodeImage(): Promise<Tensor> {
    return tensor(Float32Array.from(FAKE_LATENT), FAKE_DIMS);
  }
  async decodeLatents(latents: Tensor): Promise<Tensor> {
    return latents;
  }
}

/** Noise whose draw k is (k mod 3) − 1 + 0.1·i at element i, recording which draws were made. */
export function countingNoise(): NoiseSource & { draws: number[] } {
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

/** One img2img loop on the fake models, guidance 1 and latent scale 1. */
export async function runFake(sampler: Sampler, hooks?: SamplingHooks, guidanceScale = 1, runtime = new FakeRuntime()) {
  const noise = countingNoise();
  const empty = tensor(new Float32Array(0), [0]);
  const out = await img2imgTensor(runtime, sampler, empty, empty, {
    guidanceScale,
    noise,
    latentScale: 1,
    isCancelled: () => false,
    hooks,
    timings: {},
  });
  return { latents: Array.from(out.image.data), stepsRun: out.stepsRun, runtime, noise };
}
