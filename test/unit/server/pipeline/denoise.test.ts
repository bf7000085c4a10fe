import { createSampler, SamplingHooks, SD15_SCHEDULER_CONFIG, StepContext } from '../../../../server/src/schedulers';
import { FAKE_LATENT, runFake } from '../../../helpers/fake-runtime';

async function run(eta: number, hooks?: SamplingHooks) {
  const sampler = createSampler({ sampler: 'ddim', steps: 10, strength: 0.5, eta }, SD15_SCHEDULER_CONFIG);
  const { latents, runtime, noise } = await runFake(sampler, hooks);
  return { out: latents, timesteps: runtime.calls.map((c) => c.timestep), noise };
}

describe('the denoise loop', () => {
  it('draws the initial noise as draw 0 and DDIM’s variance noise of step i as draw i + 1', async () => {
    const withEta = await run(1);
    expect(withEta.noise.draws).toEqual([0, 1, 2, 3, 4, 5]);
    expect(withEta.timesteps).toEqual([401, 301, 201, 101, 1]);
    const deterministic = await run(0);
    expect(deterministic.noise.draws).toEqual([0]);
  });

  it('calls the hooks once per model call with the step’s σ, timestep and the clean latents', async () => {
    const seen: StepContext[] = [];
    await run(0, { blendLatents: (x, context) => (seen.push(context), x) });
    expect(seen.map((c) => [c.index, c.total, c.timestep])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 5, [401, 301, 201, 101, 1][i]]));
    expect(Array.from(seen[0].initLatents)).toEqual(FAKE_LATENT.map((v) => Math.fround(v)));
    // σ = √((1 − ᾱ)/ᾱ) at t = 401 of the SD 1.5 schedule (numpy, float64: ᾱ₄₀₁ = 0.42288152426173453)
    expect(seen[0].sigma).toBeCloseTo(1.1682159550479787, 10);
  });

  it('gives DDIM the same result when a hook hands back x̂₀ unchanged but as a new array', async () => {
    const plain = await run(0);
    const copied = await run(0, { blendDenoised: (denoised) => denoised.slice() });
    const a = Array.from(plain.out);
    Array.from(copied.out).forEach((v, i) => expect(v).toBeCloseTo(a[i], 5));
  });

  it('steps DDIM towards the blended x̂₀: with x̂₀ forced to the clean latents, the result is near them', async () => {
    const kept = await run(0, { blendDenoised: (_denoised, context) => context.initLatents.slice() });
    // last step: x = √ᾱ₀·x̂₀ + √(1−ᾱ₀)·ε' with ᾱ₀ = 0.99915: within a few % of the clean latents
    Array.from(kept.out).forEach((v, i) => expect(Math.abs(v - FAKE_LATENT[i])).toBeLessThan(0.06));
  });
});
