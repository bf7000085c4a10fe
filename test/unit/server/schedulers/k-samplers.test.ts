import {
  alphasCumprod,
  createSampler,
  DiscreteSchedule,
  img2imgSigmas,
  karrasSigmas,
  SD15_SCHEDULER_CONFIG,
  sigmasFromAlphasCumprod,
} from '../../../../server/src/schedulers';
import { ancestralStep } from '../../../../server/src/schedulers/euler-ancestral';
import { runFake } from '../../../helpers/fake-runtime';

/*
 * Every expected number below comes from scripts/reference/k_samplers.py: numpy (float64) written from
 * k-diffusion's sampling.py / external.py and A1111 1.10's sd_schedulers.py, sd_samplers_common.py and
 * sd_samplers_kdiffusion.py, separately from our code. Loops run on the closed-form fake UNet of
 * test/helpers/fake-runtime.ts (ε = 0.1·x_in + 0.01·t/1000, guidance 1, draw k = (k mod 3) − 1 + 0.1·i).
 */

const table = new DiscreteSchedule(sigmasFromAlphasCumprod(alphasCumprod(SD15_SCHEDULER_CONFIG)));

function expectClose(actual: readonly number[], expected: readonly number[], digits: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], digits));
}

describe('σ of the SD 1.5 schedule', () => {
  it('spans σ_min … σ_max of the model', () => {
    expect(table.sigmaMin).toBeCloseTo(0.029167158151720367, 12);
    expect(table.sigmaMax).toBeCloseTo(14.614641229333639, 10);
  });

  it('Uniform: log-linear σ at t = linspace(999, 0, n), then 0', () => {
    expectClose(
      table.uniformSigmas(10),
      [14.614641229333637, 7.839882872819809, 4.609174133893038, 2.9183071154268285, 1.9501614706273922, 1.3449277833514826,
        0.9323579668348474, 0.6249769180115957, 0.36865774541485086, 0.029167158151720367, 0],
      10,
    );
  });

  it('Karras (ρ = 7) between the model’s σ_min and σ_max, then 0', () => {
    expectClose(
      karrasSigmas(10, table.sigmaMin, table.sigmaMax),
      [14.614641229333643, 9.102928134047657, 5.478391986442962, 3.168603072959619, 1.7494170492511885, 0.9140722650309667,
        0.44691820937343973, 0.20139829978031268, 0.08191023832026934, 0.02916715815172038, 0],
      10,
    );
  });

  it.each([
    [14.6, 998.8347292613091],
    [1.0, 353.89041059493974],
    [0.1, 10.38219681104385],
    [0.0292, 0.0032322145275464147],
    [0.02, 0], // below the table: clamped to t = 0
    [20.0, 999], // above it: clamped to t = 999
  ])('sigma_to_t(%p) = %p (fractional, not quantized)', (sigma, t) => {
    expect(table.sigmaToT(sigma)).toBeCloseTo(t, 8);
  });

  it('t_to_sigma inverts sigma_to_t between table entries', () => {
    for (const sigma of [0.05, 0.7, 3.3, 12]) expect(table.tToSigma(table.sigmaToT(sigma))).toBeCloseTo(sigma, 10);
  });
});

describe('A1111 img2img tail rule', () => {
  it('runs sigmas[steps − t_enc − 1:] with t_enc = int(min(strength, 0.999) · steps): 20 × 0.3 → 7 calls', () => {
    const tail = img2imgSigmas(karrasSigmas(20, table.sigmaMin, table.sigmaMax), 20, 0.3);
    expectClose(
      tail,
      [0.39638977720420737, 0.27303784409150317, 0.18416785236845767, 0.12134135507990816, 0.0778600294857628, 0.048481361923495316,
        0.02916715815172038, 0],
      10,
    );
  });

  it('caps strength at 0.999 (strength 1 runs every step), and runs nothing at strength 0', () => {
    const sigmas = table.uniformSigmas(30);
    expect(img2imgSigmas(sigmas, 30, 1)).toEqual(sigmas);
    expect(img2imgSigmas(sigmas, 30, 0.999)).toEqual(sigmas);
    // t_enc = int(1.5) = 1: 2 calls, so 3 σ with the final 0 (diffusers' rule would run ⌊1.5⌋ = 1)
    expect(img2imgSigmas(sigmas, 30, 0.05)).toEqual(sigmas.slice(28));
    expect(img2imgSigmas(sigmas, 30, 0)).toEqual([]);
  });

  it('plans one model call per σ but the final 0', () => {
    const sampler = createSampler({ sampler: 'euler', steps: 20, strength: 0.3 }, SD15_SCHEDULER_CONFIG);
    expect(sampler.steps).toHaveLength(7);
  });
});

describe('get_ancestral_step', () => {
  it('splits σ_to into σ_down and σ_up (η = 1), and gives (σ_to, 0) at η = 0', () => {
    // σ_up = √(σ_to²(σ_from² − σ_to²)/σ_from²) = √(0.25·0.75) for (1, 0.5); σ_down = √(0.25 − 0.1875)
    const { sigmaDown, sigmaUp } = ancestralStep(1, 0.5, 1);
    expect(sigmaUp).toBeCloseTo(Math.sqrt(0.1875), 14);
    expect(sigmaDown).toBeCloseTo(0.25, 14);
    expect(ancestralStep(1, 0.5, 0)).toEqual({ sigmaDown: 0.5, sigmaUp: 0 });
  });
});

const UNIFORM_TAIL_TIMESTEPS = [555, 444, 333, 222, 111, 0];

describe('short loops on the fake UNet (10 steps, strength 0.5: 6 calls)', () => {
  it('Euler (automatic = Uniform): no draw after the initial noise', async () => {
    const run = await runFake(createSampler({ sampler: 'euler', steps: 10, strength: 0.5 }, SD15_SCHEDULER_CONFIG));
    expectClose(run.runtime.calls.map((c) => c.timestep), UNIFORM_TAIL_TIMESTEPS, 8);
    expect(run.noise.draws).toEqual([0]);
    expectClose(
      run.latents,
      [-1.2762545895270325, -1.7621548842268895, -0.4970121814477319, -1.0923526634900271, -1.9065735202171992, -0.20367006806828775,
        -0.42691391314629223, -1.0441424326570756],
      5,
    );
  });

  it('Euler a (η 1 by default): draw k + 1 after call k, none on the final step', async () => {
    const run = await runFake(createSampler({ sampler: 'euler_a', steps: 10, strength: 0.5 }, SD15_SCHEDULER_CONFIG));
    expect(run.noise.draws).toEqual([0, 1, 2, 3, 4, 5]);
    expectClose(
      run.latents,
      [-0.9967326042489496, -1.2320568140263557, 0.16729317241247038, -0.17019817462844994, -0.7120237961963993, 1.0959947392964848,
        1.105871658951514, 0.7479468844578905],
      5,
    );
  });

  it('Euler a with η 0.5', async () => {
    const run = await runFake(createSampler({ sampler: 'euler_a', steps: 10, strength: 0.5, eta: 0.5 }, SD15_SCHEDULER_CONFIG));
    expectClose(
      run.latents,
      [-1.1544135646278488, -1.5214285251107873, -0.1627359157031893, -0.6376075993042856, -1.3281927291416988, 0.46192677273853244,
        0.35376794773917497, -0.14267508048555327],
      5,
    );
  });

  it('DPM++ 2M (automatic = Karras): fractional timesteps, second-order history from the tail’s start', async () => {
    const run = await runFake(createSampler({ sampler: 'dpmpp_2m', steps: 10, strength: 0.5 }, SD15_SCHEDULER_CONFIG));
    expectClose(run.runtime.calls.map((c) => c.timestep), [523.1980846596061, 327.1459886993225, 145.9380686057837, 40.85643285535896, 6.732296793259861, 0], 6);
    expect(run.noise.draws).toEqual([0]);
    expectClose(
      run.latents,
      [-1.0994547544714879, -1.6033752698461823, -0.35470645752819, -0.9681638058836773, -1.8006948202007504, -0.11387867595958595,
        -0.3549107921803773, -0.9902755071320228],
      5,
    );
  });

  it('DPM++ 2M with the Uniform schedule at strength 1 (the whole schedule from σ_max)', async () => {
    const run = await runFake(createSampler({ sampler: 'dpmpp_2m', scheduler: 'uniform', steps: 4, strength: 1 }, SD15_SCHEDULER_CONFIG));
    expectClose(run.runtime.calls.map((c) => c.timestep), [999, 666, 333, 0], 6);
    expectClose(
      run.latents,
      [-10.245553575161523, -9.733852719856735, -7.783707285800622, -7.361909216667797, -7.119916719878891, -4.810160141134944,
        -4.082692599017458, -3.6788750871190254],
      4,
    );
  });

  it('restarts DPM++ 2M’s history when one sampler runs a second tile', async () => {
    const sampler = createSampler({ sampler: 'dpmpp_2m', steps: 10, strength: 0.5 }, SD15_SCHEDULER_CONFIG);
    const first = await runFake(sampler);
    const second = await runFake(sampler);
    expect(second.latents).toEqual(first.latents);
  });
});

describe('latents of a run from pure noise (txt2img)', () => {
  const noise = Float32Array.from([1, -0.5]);
  it('are noise · σ_max for the k-diffusion samplers at strength 1 (A1111’s x · sigmas[0])', () => {
    const sampler = createSampler({ sampler: 'euler_a', steps: 10, strength: 1 }, SD15_SCHEDULER_CONFIG);
    expectClose(Array.from(sampler.pureNoiseLatents(noise)), [14.614641229333637, -7.307320614666819], 4);
  });

  it('are the noise itself for the variance-preserving ones (DDIM, LCM on a timestep_cond UNet)', () => {
    for (const sampler of [
      createSampler({ sampler: 'ddim', steps: 10, strength: 1 }, SD15_SCHEDULER_CONFIG),
      createSampler({ sampler: 'lcm', steps: 4, strength: 1 }, SD15_SCHEDULER_CONFIG, { guidanceEmbedding: true }),
    ]) {
      expect(Array.from(sampler.pureNoiseLatents(noise))).toEqual([1, -0.5]);
    }
  });
});
