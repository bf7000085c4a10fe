import { createSampler, guidanceScaleEmbedding, SD15_SCHEDULER_CONFIG } from '../../../../server/src/schedulers';
import { LcmSchedule } from '../../../../server/src/schedulers/lcm';
import { lcmTimesteps } from '../../../../server/src/schedulers/lcm-distilled';
import { sigmasFromAlphasCumprod, alphasCumprod } from '../../../../server/src/schedulers';
import { FakeRuntime, runFake } from '../../../helpers/fake-runtime';

/*
 * Expected numbers from scripts/reference/k_samplers.py (numpy, written from A1111 1.10's
 * sd_samplers_lcm.py and diffusers' scheduling_lcm.py / LCM pipelines, separately from our code), on
 * the fake UNet of test/helpers/fake-runtime.ts.
 */

function expectClose(actual: readonly number[], expected: readonly number[], digits: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], digits));
}

const lcm = new LcmSchedule(sigmasFromAlphasCumprod(alphasCumprod(SD15_SCHEDULER_CONFIG)));

describe('A1111 LCM (no guidance embedding: LCM-LoRA merges)', () => {
  it('keeps the 50 LCM timesteps 19 … 999 as its σ table', () => {
    expect(lcm.valid.sigmaMin).toBeCloseTo(0.1344506749451397, 12);
    expect(lcm.valid.sigmaMax).toBeCloseTo(14.614641229333639, 10);
  });

  it('Automatic/Uniform: σ at t = linspace(999, 19, n); Karras over its σ range', () => {
    expectClose(lcm.sigmas('uniform', 6), [14.614641229333637, 5.182727592058999, 2.3433178913176564, 1.2071174233163622, 0.6076164950652968, 0.1344506749451397, 0], 10);
    expectClose(lcm.sigmas('karras', 6), [14.614641229333643, 7.119594717951947, 3.1938922417961475, 1.291515649311012, 0.4564085732261224, 0.1344506749451397, 0], 10);
  });

  it('snaps σ to the nearest LCM timestep (quantized sigma_to_t)', () => {
    expect(lcm.sigmaToT(lcm.valid.sigmas[10])).toBe(219);
    expect(lcm.sigmaToT(100)).toBe(999);
    expect(lcm.sigmaToT(0.001)).toBe(19);
  });

  it('runs sample_lcm with CFG-style model calls: 6 steps × 0.6 → 4 calls at 599, 419, 219, 19, re-noising with draws 1…3', async () => {
    const run = await runFake(createSampler({ sampler: 'lcm', steps: 6, strength: 0.6 }, SD15_SCHEDULER_CONFIG));
    expect(run.runtime.calls.map((c) => c.timestep)).toEqual([599, 419, 219, 19]);
    expect(run.noise.draws).toEqual([0, 1, 2, 3]);
    expectClose(
      run.latents,
      [-1.0276088486881978, -1.2575615150936272, 0.08047443842264274, -0.24747751672789195, -0.7714280493686397, 0.9586050591280545,
        0.9638506857108804, 0.6162988728113242],
      5,
    );
  });
});

describe('LCM on a UNet with timestep_cond (diffusers LCMScheduler)', () => {
  it('takes N of the distillation timesteps below int(50 · strength), evenly by index', () => {
    expect(lcmTimesteps(1000, 50, 1).slice(0, 5)).toEqual([999, 979, 959, 939, 919]);
    expect(lcmTimesteps(1000, 15, 0.3)).toEqual([299, 279, 259, 239, 219, 199, 179, 159, 139, 119, 99, 79, 59, 39, 19]);
    expect(lcmTimesteps(1000, 4, 0.6)).toEqual([599, 459, 299, 159]);
  });

  it('runs at most int(50 · strength) steps where diffusers would refuse more, and none below 1/50', () => {
    expect(lcmTimesteps(1000, 50, 0.3)).toEqual(lcmTimesteps(1000, 15, 0.3));
    expect(lcmTimesteps(1000, 10, 0.01)).toEqual([]);
  });

  it('embeds the guidance as get_guidance_scale_embedding(w, d): [sin ‖ cos] of w·1000·10000^(−i/(half−1))', () => {
    expectClose(
      Array.from(guidanceScaleEmbedding(7.5, 8)),
      [-0.8512358993460261, 0.56267825340027, -0.43523286424442414, 0.6816387600233337, -0.524783234930921, -0.8266759843798667,
        -0.9003179182275529, 0.7316888688738213],
      6,
    );
  });

  it('runs one conditional pass per step with w = cfg − 1 as timestep_cond, and re-noises with draws 1…N−1', async () => {
    const runtime = new FakeRuntime(8);
    const sampler = createSampler({ sampler: 'lcm', steps: 4, strength: 0.6 }, SD15_SCHEDULER_CONFIG, { guidanceEmbedding: true });
    const run = await runFake(sampler, undefined, 8.5, runtime);
    expect(runtime.calls.map((c) => c.timestep)).toEqual([599, 459, 299, 159]);
    expect(runtime.calls.every((c) => c.batch === 1)).toBe(true);
    const embedding = Array.from(guidanceScaleEmbedding(7.5, 8));
    for (const call of runtime.calls) expectClose(call.timestepCond ?? [], embedding, 6);
    expect(run.noise.draws).toEqual([0, 1, 2, 3]);
    expectClose(
      run.latents,
      [-1.0604399015510089, -1.2146762638980204, 0.12593130429251792, -0.12173280371309009, -0.5562524030358919, 1.1580661477890337,
        1.2280563750226556, 0.9617067178853277],
      5,
    );
  });
});
