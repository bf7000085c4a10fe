/**
 * DDIM (Song et al., "Denoising Diffusion Implicit Models", arXiv 2010.02502), as diffusers'
 * `DDIMScheduler` runs it, with its variable names: alpha_prod_t is ᾱ_t, beta_prod_t is 1 − ᾱ_t.
 *
 * Precision: the schedule and the per-step coefficients are float64. diffusers builds the betas with a
 * float32 `torch.linspace` and a float32 cumprod; the largest relative difference that makes in ᾱ over
 * the SD 1.5 schedule is 1.6e-6 (ᾱ_999 = 0.00466009851 in float64, 0.00466009136 in float32), far below
 * the float32 latents' own rounding after a few steps, so we keep the exact-math values.
 */
import { Img2ImgTimesteps, Scheduler, SchedulerConfig, StepOptions } from './scheduler';

/** numpy's `round` (half to even), which diffusers applies to float timesteps. */
function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** ᾱ_t = ∏_{s≤t} (1 − β_s) for the configured β schedule. */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const count = config.num_train_timesteps;
  const result = new Float64Array(count);
  // scaled_linear is linear in √β ("very specific to the latent diffusion model", diffusers).
  const scaled = config.beta_schedule === 'scaled_linear';
  const first = scaled ? Math.sqrt(config.beta_start) : config.beta_start;
  const last = scaled ? Math.sqrt(config.beta_end) : config.beta_end;
  // torch/np.linspace(first, last, count): first + t·step, the end point exact.
  const step = count > 1 ? (last - first) / (count - 1) : 0;
  let product = 1;
  for (let t = 0; t < count; t++) {
    const along = t === count - 1 ? last : first + t * step;
    const beta = scaled ? along * along : along;
    product *= 1 - beta;
    result[t] = product;
  }
  return result;
}

/**
 * The descending inference timesteps for N steps, per diffusers' `timestep_spacing` (table 2 of Lin et
 * al., "Common Diffusion Noise Schedules and Sample Steps are Flawed", arXiv 2305.08891).
 */
export function inferenceTimesteps(config: SchedulerConfig, numInferenceSteps: number): number[] {
  const trainSteps = config.num_train_timesteps;
  const steps = numInferenceSteps;
  const descending = (count: number, at: (i: number) => number): number[] =>
    Array.from({ length: count }, (_, i) => at(count - 1 - i));
  switch (config.timestep_spacing) {
    case 'leading': {
      // SD 1.5: N = 50 → 981, 961, …, 1.
      const stepRatio = Math.floor(trainSteps / steps);
      return descending(steps, (i) => i * stepRatio + config.steps_offset);
    }
    case 'trailing': {
      // np.arange(T, 0, -T/N): numpy's length and its start + i·(second − first) fill, then round − 1.
      const stepRatio = trainSteps / steps;
      const count = Math.ceil(-trainSteps / -stepRatio);
      const delta = (trainSteps - stepRatio) - trainSteps;
      return Array.from({ length: count }, (_, i) => roundHalfToEven(trainSteps + i * delta) - 1);
    }
    case 'linspace': {
      // np.linspace(0, T − 1, N): i·step with the end point set exactly.
      const end = trainSteps - 1;
      const stepSize = steps > 1 ? end / (steps - 1) : 0;
      return descending(steps, (i) => (i === steps - 1 && steps > 1 ? end : roundHalfToEven(i * stepSize)));
    }
  }
}

export class DDIMScheduler implements Scheduler {
  readonly config: SchedulerConfig;
  readonly initNoiseSigma = 1;
  readonly alphasCumprod: Float64Array;
  /** ᾱ used as alpha_prod_t_prev on the last step, where t − Δ < 0. */
  readonly finalAlphaCumprod: number;
  private numInferenceSteps: number | null = null;
  private currentTimesteps: number[] = [];

  constructor(config: SchedulerConfig) {
    this.config = { ...config };
    this.alphasCumprod = alphasCumprod(config);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0];
  }

  get timesteps(): readonly number[] {
    return this.currentTimesteps;
  }

  setTimesteps(numInferenceSteps: number): readonly number[] {
    const trainSteps = this.config.num_train_timesteps;
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > trainSteps) {
      throw new Error(`number of inference steps must be an integer in 1…${trainSteps}, got ${numInferenceSteps}`);
    }
    this.numInferenceSteps = numInferenceSteps;
    this.currentTimesteps = inferenceTimesteps(this.config, numInferenceSteps);
    return this.currentTimesteps;
  }

  /**
   * diffusers' img2img `get_timesteps`: k = min(⌊N·strength⌋, N) steps, the last k of the N-step schedule.
   * The floor is of the float product, so N = 100, strength 0.29 (28.999999999999996) runs 28 steps.
   */
  img2imgTimesteps(numInferenceSteps: number, strength: number): Img2ImgTimesteps {
    if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must lie in [0, 1], got ${strength}`);
    const all = this.setTimesteps(numInferenceSteps);
    const stepsRun = Math.min(Math.floor(numInferenceSteps * strength), numInferenceSteps);
    const firstIndex = Math.max(numInferenceSteps - stepsRun, 0);
    const timesteps = all.slice(firstIndex);
    return { timesteps, startTimestep: timesteps.length > 0 ? timesteps[0] : null };
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    this.checkTimestep(timestep);
    return sample;
  }

  /** DDIM update, eq. (12) of the paper, with σ_t(η) of eq. (16). */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions): Float32Array {
    if (this.numInferenceSteps === null) throw new Error('DDIM step before setTimesteps: the step size is unknown');
    const { eta, varianceNoise, out } = options;
    if (!(eta >= 0)) throw new Error(`eta must be ≥ 0, got ${eta}`);
    requireSameLength('model output', modelOutput, sample);
    if (eta > 0) {
      if (varianceNoise === undefined) throw new Error(`eta = ${eta} > 0 needs varianceNoise from the job's generator`);
      requireSameLength('variance noise', varianceNoise, sample);
    }
    if (out !== undefined) requireSameLength('the output', out, sample);

    // 1. previous timestep, computed (not looked up) as diffusers does, whatever the spacing
    const prevTimestep = timestep - Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    // 2. ᾱ_t, ᾱ_{t−Δ} (the final alpha once we step past t = 0) and 1 − ᾱ_t
    const alpha_prod_t = this.alphaProd(timestep);
    const alpha_prod_t_prev = prevTimestep >= 0 ? this.alphaProd(prevTimestep) : this.finalAlphaCumprod;
    const beta_prod_t = 1 - alpha_prod_t;
    // 5. σ_t = η · √((1 − ᾱ_{t−Δ}) / (1 − ᾱ_t)) · √(1 − ᾱ_t / ᾱ_{t−Δ})   (eq. 16)
    const variance = ((1 - alpha_prod_t_prev) / beta_prod_t) * (1 - alpha_prod_t / alpha_prod_t_prev);
    const std_dev_t = eta * Math.sqrt(variance);

    const sqrtAlpha = Math.sqrt(alpha_prod_t);
    const sqrtBeta = Math.sqrt(beta_prod_t);
    const sqrtAlphaPrev = Math.sqrt(alpha_prod_t_prev);
    // 6. coefficient of the "direction pointing to x_t": √(1 − ᾱ_{t−Δ} − σ_t²)
    const directionScale = Math.sqrt(1 - alpha_prod_t_prev - std_dev_t * std_dev_t);
    const isVPrediction = this.config.prediction_type === 'v_prediction';
    const clipSample = this.config.clip_sample;
    const clipRange = this.config.clip_sample_range;

    const prev_sample = out ?? new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x_t = sample[i];
      const output = modelOutput[i];
      // 3. predicted x_0 ("f_θ(x_t)", eq. 12) and the noise ε_θ it implies
      let pred_original_sample: number;
      let pred_epsilon: number;
      if (isVPrediction) {
        // v = √ᾱ_t·ε − √(1 − ᾱ_t)·x_0 (Salimans & Ho, "Progressive Distillation", sec. 4)
        pred_original_sample = sqrtAlpha * x_t - sqrtBeta * output;
        pred_epsilon = sqrtAlpha * output + sqrtBeta * x_t;
      } else {
        pred_original_sample = (x_t - sqrtBeta * output) / sqrtAlpha;
        pred_epsilon = output;
      }
      // 4. optional clipping of x_0 (off for SD 1.x); no Math.* per element, see addNoise
      if (clipSample) {
        if (pred_original_sample > clipRange) pred_original_sample = clipRange;
        else if (pred_original_sample < -clipRange) pred_original_sample = -clipRange;
      }
      // 7. x_{t−Δ} = √ᾱ_{t−Δ}·x_0 + √(1 − ᾱ_{t−Δ} − σ_t²)·ε + σ_t·z
      let value = sqrtAlphaPrev * pred_original_sample + directionScale * pred_epsilon;
      if (varianceNoise !== undefined && eta > 0) value += std_dev_t * varianceNoise[i];
      prev_sample[i] = value;
    }
    return prev_sample;
  }

  /**
   * x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (DDPM forward process, Ho et al. eq. 4).
   * The per-element loops here and in step() read no globals (`Math.x`): in a vm context such as jest's,
   * each global lookup is an interceptor call that slows a loop by one to two orders of magnitude.
   */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    requireSameLength('noise', noise, original);
    const alpha_prod_t = this.alphaProd(timestep);
    const sqrtAlpha = Math.sqrt(alpha_prod_t);
    const sqrtOneMinusAlpha = Math.sqrt(1 - alpha_prod_t);
    const noisy = new Float32Array(original.length);
    for (let i = 0; i < original.length; i++) noisy[i] = sqrtAlpha * original[i] + sqrtOneMinusAlpha * noise[i];
    return noisy;
  }

  private checkTimestep(timestep: number): void {
    if (!Number.isInteger(timestep) || timestep < 0 || timestep >= this.alphasCumprod.length) {
      throw new Error(`timestep must be an integer in 0…${this.alphasCumprod.length - 1}, got ${timestep}`);
    }
  }

  private alphaProd(timestep: number): number {
    this.checkTimestep(timestep);
    return this.alphasCumprod[timestep];
  }
}

function requireSameLength(what: string, array: Float32Array, sample: Float32Array): void {
  if (array.length !== sample.length) {
    throw new Error(`${what} has ${array.length} elements, the sample has ${sample.length}`);
  }
}
