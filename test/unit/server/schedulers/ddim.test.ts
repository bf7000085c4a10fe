import { DDIMSampler, DDIMScheduler, SD15_SCHEDULER_CONFIG, SchedulerConfig, createSampler } from '../../../../server/src/schedulers';

/*
 * Every expected number below was computed independently of our code, with numpy (float64) from the
 * formulas of diffusers' scheduling_ddim.py / the DDIM paper, in a throwaway script:
 *   ac  = np.cumprod(1 - np.linspace(0.00085**0.5, 0.012**0.5, 1000)**2)      (scaled_linear)
 *   ac  = np.cumprod(1 - np.linspace(0.0001, 0.02, 1000))                      (linear)
 *   leading  = (np.arange(N) * (1000 // N)).round()[::-1] + steps_offset
 *   trailing = np.round(np.arange(1000, 0, -1000 / N)) - 1
 *   linspace = np.linspace(0, 999, N).round()[::-1]
 *   img2img: k = min(int(N * s), N); timesteps[N - k:]
 *   step: prev = t - 1000 // N; x0, eps per prediction type; var = (1-ap)/(1-a) * (1 - a/ap);
 *         std = eta*sqrt(var); prev_sample = sqrt(ap)*x0 + sqrt(1-ap-std**2)*eps + std*noise
 *   add_noise: sqrt(ac[t])*x + sqrt(1-ac[t])*noise
 */

const sd15 = (): DDIMScheduler => new DDIMScheduler(SD15_SCHEDULER_CONFIG);
const withConfig = (overrides: Partial<SchedulerConfig>): DDIMScheduler =>
  new DDIMScheduler({ ...SD15_SCHEDULER_CONFIG, ...overrides });

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 5e-7): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => {
    if (Math.abs(actual[i] - value) > tolerance) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${value} (±${tolerance})`);
    }
  });
}

describe('alphas_cumprod', () => {
  it.each([
    [0, 0.99915],
    [1, 0.9982960278384514],
    [250, 0.6737926252333215],
    [500, 0.2763326838229746],
    [999, 0.004660098513077238],
  ])('scaled_linear ᾱ[%i] = %f', (t, expected) => {
    expect(sd15().alphasCumprod[t]).toBeCloseTo(expected, 12);
  });

  it.each([
    [0, 0.9999],
    [1, 0.9997800920720721],
    [500, 0.07779665836502389],
    [999, 4.035829765375676e-5],
  ])('linear (0.0001 → 0.02) ᾱ[%i] = %f', (t, expected) => {
    const scheduler = withConfig({ beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 });
    expect(scheduler.alphasCumprod[t] / expected).toBeCloseTo(1, 10);
  });

  it('final alpha is ᾱ[0] unless set_alpha_to_one', () => {
    expect(sd15().finalAlphaCumprod).toBeCloseTo(0.99915, 12);
    expect(withConfig({ set_alpha_to_one: true }).finalAlphaCumprod).toBe(1);
  });
});

describe('setTimesteps', () => {
  const range = (from: number, step: number, count: number): number[] =>
    Array.from({ length: count }, (_, i) => from - i * step);

  it.each([
    [20, range(951, 50, 20)],
    [30, range(958, 33, 30)],
    [50, range(981, 20, 50)],
  ])('leading + offset 1, N = %i', (steps, expected) => {
    const timesteps = sd15().setTimesteps(steps);
    expect(timesteps).toEqual(expected);
    expect(timesteps[timesteps.length - 1]).toBe(1);
  });

  it.each([
    [3, [999, 666, 332]],
    [7, [999, 856, 713, 570, 428, 285, 142]],
    [20, range(999, 50, 20)],
    [30, [999, 966, 932, 899, 866, 832, 799, 766, 732, 699, 666, 632, 599, 566, 532, 499, 466, 432, 399, 366, 332, 299, 266, 232, 199, 166, 132, 99, 66, 32]],
  ])('trailing, N = %i', (steps, expected) => {
    expect(withConfig({ timestep_spacing: 'trailing' }).setTimesteps(steps)).toEqual(expected);
  });

  it.each([
    [1, [0]],
    [3, [999, 500, 0]],
    [7, [999, 832, 666, 500, 333, 166, 0]],
    [20, [999, 946, 894, 841, 789, 736, 684, 631, 578, 526, 473, 421, 368, 315, 263, 210, 158, 105, 53, 0]],
  ])('linspace, N = %i', (steps, expected) => {
    expect(withConfig({ timestep_spacing: 'linspace' }).setTimesteps(steps)).toEqual(expected);
  });

  it('rejects step counts outside 1…1000', () => {
    expect(() => sd15().setTimesteps(0)).toThrow(/1…1000/);
    expect(() => sd15().setTimesteps(1001)).toThrow(/1…1000/);
    expect(() => sd15().setTimesteps(2.5)).toThrow(/integer/);
  });
});

describe('img2imgTimesteps', () => {
  // [N, strength, steps run, first timestep, last timestep]
  const table: Array<[number, number, number, number, number]> = [
    [20, 0.2, 4, 151, 1],
    [20, 0.3, 6, 251, 1],
    [20, 0.5, 10, 451, 1],
    [20, 1.0, 20, 951, 1],
    [30, 0.2, 6, 166, 1],
    [30, 0.3, 9, 265, 1],
    [30, 0.5, 15, 463, 1],
    [30, 1.0, 30, 958, 1],
    [50, 0.2, 10, 181, 1],
    [50, 0.3, 15, 281, 1],
    [50, 0.5, 25, 481, 1],
    [50, 1.0, 50, 981, 1],
    // 100 × 0.29 = 28.999999999999996 in floating point → 28 steps, as in diffusers
    [100, 0.29, 28, 271, 1],
    [20, 0.29, 5, 201, 1],
    [100, 0.01, 1, 1, 1],
  ];

  it.each(table)('N = %i, strength %f → %i steps from %i to %i', (steps, strength, count, first, last) => {
    const { timesteps, startTimestep } = sd15().img2imgTimesteps(steps, strength);
    expect(timesteps).toHaveLength(count);
    expect(startTimestep).toBe(first);
    expect(timesteps[0]).toBe(first);
    expect(timesteps[timesteps.length - 1]).toBe(last);
  });

  it('strength 1 runs the whole schedule', () => {
    const scheduler = sd15();
    expect(scheduler.img2imgTimesteps(50, 1).timesteps).toEqual(scheduler.setTimesteps(50));
  });

  it.each([
    [50, 0],
    [50, 0.01],
    [20, 0.04],
    [100, 0.001],
  ])('N = %i, strength %f → 0 steps', (steps, strength) => {
    expect(sd15().img2imgTimesteps(steps, strength)).toEqual({ timesteps: [], startTimestep: null });
  });

  it('sets the step size used by step()', () => {
    const scheduler = sd15();
    scheduler.img2imgTimesteps(20, 0.5);
    expect(scheduler.timesteps).toHaveLength(20);
  });

  it('rejects strength outside [0, 1]', () => {
    expect(() => sd15().img2imgTimesteps(50, 1.5)).toThrow(/strength/);
    expect(() => sd15().img2imgTimesteps(50, Number.NaN)).toThrow(/strength/);
  });
});

describe('step', () => {
  // Exactly representable in float32, so the numpy inputs are the same numbers.
  const sample = Float32Array.from([0.5, -1.25, 2.0, 0.0, -0.375]);
  const modelOutput = Float32Array.from([0.125, 0.75, -1.5, 1.0, -0.25]);
  const varianceNoise = Float32Array.from([1.0, -0.5, 0.25, 2.0, -1.5]);

  // [N, t, prediction, eta, expected prev_sample]; t = 1 is the last step (prev_t < 0 → ᾱ_final = ᾱ[0])
  const table: Array<[number, number, 'epsilon' | 'v_prediction', number, number[]]> = [
    [50, 981, 'epsilon', 0, [0.5460193496955638, -1.4960036309171079, 2.430581411352981, -0.12325200628536326, -0.3902563862895848]],
    [50, 981, 'epsilon', 0.5, [0.7699687840938796, -1.6293126598714098, 2.5267757421064854, 0.30495365166036614, -0.7245394369828166]],
    [50, 981, 'v_prediction', 0, [0.4988072221373714, -1.2569702241879654, 2.0139623828450848, -0.009366747147799517, -0.3726418623611849]],
    [50, 981, 'v_prediction', 0.5, [0.7126985821806078, -1.3393555625022666, 2.0214001719386436, 0.4431010329177439, -0.7031723138693282]],
    [50, 501, 'epsilon', 0, [0.5170479167217583, -1.3536519086830334, 2.183075651599763, -0.057441992356364935, -0.3788106262356367]],
    [50, 501, 'epsilon', 0.5, [0.662801807158695, -1.437178321962915, 2.239584275555506, 0.2242355103069732, -0.5966222720401638]],
    [50, 501, 'v_prediction', 0, [0.4960077550150447, -1.2720248453382925, 2.04427658768499, -0.03012278381240563, -0.3672991312905951]],
    [50, 501, 'v_prediction', 0.5, [0.6369607292653587, -1.336925703589612, 2.069114225365762, 0.25778837961517287, -0.5824840994495677]],
    [50, 1, 'epsilon', 0, [0.4986960504614846, -1.2596410969536662, 2.019068382175265, -0.012142090164663211, -0.37212483625788484]],
    [50, 1, 'epsilon', 0.5, [0.5087840628023529, -1.2662200634456884, 2.0244831950973214, 0.006617048066376509, -0.38713878089829584]],
    [50, 1, 'v_prediction', 0, [0.498446736254177, -1.2590068153015734, 2.01805042674119, -0.012131740862240923, -0.37193946768090763]],
    [50, 1, 'v_prediction', 0.5, [0.5084959579181508, -1.2654870942182181, 2.0233068564697554, 0.006629007611755593, -0.3869245709141098]],
    [20, 951, 'epsilon', 0, [0.6162180458800196, -1.8721993023525525, 3.089162419101261, -0.3121451177905915, -0.4133908597552348]],
    [20, 951, 'epsilon', 0.5, [0.9316978356262198, -2.0735913594143622, 3.25029990297038, 0.2785201581429998, -0.8832526857446343]],
    [20, 951, 'v_prediction', 0, [0.4962777800730654, -1.2706445027939832, 2.041487689913569, -0.02818828481065376, -0.36780391555313435]],
    [20, 951, 'v_prediction', 0.5, [0.7911137123999656, -1.368498257448074, 2.0223016803700165, 0.6113510229906735, -0.8298194159573927]],
    [20, 1, 'epsilon', 0, [0.4986960504614846, -1.2596410969536662, 2.019068382175265, -0.012142090164663211, -0.37212483625788484]],
  ];

  it.each(table)('N = %i, t = %i, %s, eta %f', (steps, timestep, prediction, eta, expected) => {
    const scheduler = withConfig({ prediction_type: prediction });
    scheduler.setTimesteps(steps);
    expectClose(scheduler.step(modelOutput, timestep, sample, { eta, varianceNoise }), expected);
  });

  it('last step with set_alpha_to_one uses ᾱ_final = 1', () => {
    const scheduler = withConfig({ set_alpha_to_one: true });
    scheduler.setTimesteps(50);
    const expected = [0.49526223672520486, -1.2820521545595942, 2.063677770894386, -0.04131441199678309, -0.3649913006694063];
    expectClose(scheduler.step(modelOutput, 1, sample, { eta: 0 }), expected);
  });

  it('clips x_0 to ±clip_sample_range when clip_sample is on', () => {
    const scheduler = withConfig({ clip_sample: true, clip_sample_range: 1 });
    scheduler.setTimesteps(50);
    const expected = [0.2098770971631053, 0.6619313265503362, -1.409195689733286, 0.9110194476113194, -0.3344211576935969];
    expectClose(scheduler.step(modelOutput, 981, sample, { eta: 0 }), expected);
  });

  it('ignores variance noise when eta is 0', () => {
    const scheduler = sd15();
    scheduler.setTimesteps(50);
    const withNoise = scheduler.step(modelOutput, 981, sample, { eta: 0, varianceNoise });
    expect(withNoise).toEqual(scheduler.step(modelOutput, 981, sample, { eta: 0 }));
  });

  it('refuses eta > 0 without noise, negative eta, mismatched sizes and a missing setTimesteps', () => {
    const scheduler = sd15();
    expect(() => scheduler.step(modelOutput, 981, sample, { eta: 0 })).toThrow(/setTimesteps/);
    scheduler.setTimesteps(50);
    expect(() => scheduler.step(modelOutput, 981, sample, { eta: 0.5 })).toThrow(/varianceNoise/);
    expect(() => scheduler.step(modelOutput, 981, sample, { eta: -1 })).toThrow(/eta/);
    expect(() => scheduler.step(modelOutput.subarray(1), 981, sample, { eta: 0 })).toThrow(/4 elements/);
    expect(() => scheduler.step(modelOutput, 981, sample, { eta: 1, varianceNoise: varianceNoise.subarray(2) })).toThrow(/variance noise/);
    expect(() => scheduler.step(modelOutput, 1000, sample, { eta: 0 })).toThrow(/timestep/);
  });
});

describe('addNoise', () => {
  const original = Float32Array.from([0.5, -1.25, 2.0, 0.0, -0.375]);
  const noise = Float32Array.from([1.0, -0.5, 0.25, 2.0, -1.5]);

  it.each([
    [981, [1.0351064239822108, -0.5935499233640046, 0.40127043981973876, 1.9942161365915223, -1.5241608692084792]],
    [500, [1.113523155709115, -1.0824351303783406, 1.264018699909372, 1.701372758894447, -1.473157151367254]],
    [1, [0.5408530230201467, -1.2695741621796084, 2.008615100760415, 0.08255839537075817, -0.43659916552914435]],
  ])('t = %i', (timestep, expected) => {
    expectClose(sd15().addNoise(original, noise, timestep), expected);
  });

  it('rejects a noise of another size', () => {
    expect(() => sd15().addNoise(original, noise.subarray(1), 981)).toThrow(/noise has 4 elements/);
  });
});

describe('createSampler', () => {
  it('makes DDIM for "ddim", planned with diffusers\' img2img rule and η 0 by default', () => {
    const sampler = createSampler({ sampler: 'ddim', steps: 50, strength: 0.3 }, SD15_SCHEDULER_CONFIG);
    expect(sampler).toBeInstanceOf(DDIMSampler);
    // k = ⌊50 · 0.3⌋ = 15 steps: the last 15 of 981, 961, …, 1.
    expect(sampler.steps.map((s) => s.timestep)).toEqual([281, 261, 241, 221, 201, 181, 161, 141, 121, 101, 81, 61, 41, 21, 1]);
  });
});
