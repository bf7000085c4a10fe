/**
 * The sampler interface the img2img pipeline drives, and the scheduler configuration read from a model's
 * `scheduler/scheduler_config.json` (diffusers' key names, so a config file maps onto it one to one).
 */

export const BETA_SCHEDULES = ['scaled_linear', 'linear'] as const;
export const PREDICTION_TYPES = ['epsilon', 'v_prediction'] as const;
export const TIMESTEP_SPACINGS = ['leading', 'trailing', 'linspace'] as const;

export type BetaSchedule = (typeof BETA_SCHEDULES)[number];
export type PredictionType = (typeof PREDICTION_TYPES)[number];
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];

export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  steps_offset: number;
  /** false: the last step's "previous" alpha is alphas_cumprod[0] instead of 1. */
  set_alpha_to_one: boolean;
  prediction_type: PredictionType;
  timestep_spacing: TimestepSpacing;
  clip_sample: boolean;
  clip_sample_range: number;
}

/** The timesteps an img2img job runs, and the one its input latents are noised to. */
export interface Img2ImgTimesteps {
  /** Descending; empty when the strength rounds down to zero steps (the input comes back unchanged). */
  timesteps: number[];
  /** timesteps[0], or null for zero steps. */
  startTimestep: number | null;
}

export interface StepOptions {
  /** DDIM's η: 0 is deterministic DDIM, 1 is DDPM-like. */
  eta: number;
  /** Standard normal noise of the sample's size, from the job's generator; required when eta > 0. */
  varianceNoise?: Float32Array;
  /** Where to write x_{t−Δ} (a new array when absent); may be the sample itself, as the update is element-wise. */
  out?: Float32Array;
}

export interface Scheduler {
  readonly config: SchedulerConfig;
  /** Standard deviation of the initial noise (1 for DDIM). */
  readonly initNoiseSigma: number;
  /** The descending timesteps of the last setTimesteps call. */
  readonly timesteps: readonly number[];
  setTimesteps(numInferenceSteps: number): readonly number[];
  /** Sets N inference steps and returns the last min(floor(N·strength), N) of them. */
  img2imgTimesteps(numInferenceSteps: number, strength: number): Img2ImgTimesteps;
  /** The UNet input for this timestep (identity for DDIM). */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /** x_t → x_{t-Δ} given the model's output at t. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, options: StepOptions): Float32Array;
  /** The forward process q(x_t | x_0): noises clean latents to timestep t. */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

/** diffusers' `DDIMScheduler.__init__` defaults, used for keys a config file leaves out. */
export const DDIM_DEFAULTS: Readonly<SchedulerConfig> = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  steps_offset: 0,
  set_alpha_to_one: true,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
  clip_sample: true,
  clip_sample_range: 1.0,
};

/** Stable Diffusion 1.5's scheduler (its `scheduler_config.json`, with clip_sample off as diffusers runs it). */
export const SD15_SCHEDULER_CONFIG: Readonly<SchedulerConfig> = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  steps_offset: 1,
  set_alpha_to_one: false,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
  clip_sample: false,
  clip_sample_range: 1.0,
};

type Key = keyof SchedulerConfig;
const NUMBER_KEYS = ['num_train_timesteps', 'beta_start', 'beta_end', 'steps_offset', 'clip_sample_range'] as const;
const BOOLEAN_KEYS = ['set_alpha_to_one', 'clip_sample'] as const;
const CONFIG_KEYS: readonly Key[] = Object.keys(DDIM_DEFAULTS) as Key[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badValue(key: string, value: unknown, accepted: string): Error {
  return new Error(`scheduler config: ${key} = ${JSON.stringify(value)} is not supported (accepted: ${accepted})`);
}

function oneOf<T extends string>(raw: Record<string, unknown>, key: Key, accepted: readonly T[], fallback: T): T {
  const value = raw[key];
  if (value === undefined) return fallback;
  const match = accepted.find((name) => name === value);
  if (match === undefined) throw badValue(key, value, accepted.map((name) => `"${name}"`).join(', '));
  return match;
}

/** Features of diffusers' DDIM that SD 1.x never uses and we do not implement: refuse rather than ignore. */
function rejectUnsupported(raw: Record<string, unknown>): void {
  if (raw.trained_betas !== undefined && raw.trained_betas !== null) {
    throw badValue('trained_betas', '[…]', 'null; betas come from beta_start, beta_end and beta_schedule');
  }
  for (const key of ['thresholding', 'rescale_betas_zero_snr']) {
    if (raw[key] !== undefined && raw[key] !== false) throw badValue(key, raw[key], 'false');
  }
}

/**
 * A SchedulerConfig from parsed `scheduler_config.json` (or null when the model has none).
 * Keys the file omits take diffusers' DDIM defaults, as `DDIMScheduler.from_config` does; unknown keys
 * (`_class_name`, `skip_prk_steps`, …) are ignored. `notes` says what was defaulted or overridden.
 */
export function schedulerConfigFromJson(
  json: unknown,
  options: { isSd1: boolean },
): { config: SchedulerConfig; notes: string[] } {
  if (json === null || json === undefined) {
    return {
      config: { ...SD15_SCHEDULER_CONFIG },
      notes: ['no scheduler config: using the Stable Diffusion 1.5 schedule (scaled_linear 0.00085 → 0.012, steps_offset 1)'],
    };
  }
  if (!isRecord(json)) throw new Error(`scheduler config must be a JSON object, got ${JSON.stringify(json)}`);
  rejectUnsupported(json);

  const config: SchedulerConfig = {
    ...DDIM_DEFAULTS,
    beta_schedule: oneOf(json, 'beta_schedule', BETA_SCHEDULES, DDIM_DEFAULTS.beta_schedule),
    prediction_type: oneOf(json, 'prediction_type', PREDICTION_TYPES, DDIM_DEFAULTS.prediction_type),
    timestep_spacing: oneOf(json, 'timestep_spacing', TIMESTEP_SPACINGS, DDIM_DEFAULTS.timestep_spacing),
  };
  for (const key of NUMBER_KEYS) {
    const value = json[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw badValue(key, value, 'a finite number');
    config[key] = value;
  }
  for (const key of BOOLEAN_KEYS) {
    const value = json[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw badValue(key, value, 'true or false');
    config[key] = value;
  }
  validateRanges(config);

  const notes: string[] = [];
  const defaulted = CONFIG_KEYS.filter((key) => json[key] === undefined);
  if (defaulted.length > 0) notes.push(`DDIM defaults used for missing keys: ${defaulted.join(', ')}`);
  if (options.isSd1 && config.clip_sample) {
    // diffusers' StableDiffusionPipeline turns clip_sample off for SD 1.x checkpoints whose config has it on
    // (or lacks it, since DDIM defaults it to true): clipping x_0 to [-1, 1] is wrong for latents.
    const source = json.clip_sample === undefined ? 'missing (DDIM default true)' : 'true in the file';
    notes.push(`clip_sample ${source}: forced to false for SD 1.x, as diffusers does`);
    config.clip_sample = false;
  }
  return { config, notes };
}

function validateRanges(config: SchedulerConfig): void {
  const trainSteps = config.num_train_timesteps;
  if (!Number.isInteger(trainSteps) || trainSteps < 1) throw badValue('num_train_timesteps', trainSteps, 'a positive integer');
  if (!Number.isInteger(config.steps_offset) || config.steps_offset < 0 || config.steps_offset >= trainSteps) {
    throw badValue('steps_offset', config.steps_offset, `an integer in 0…${trainSteps - 1}`);
  }
  if (!(config.beta_start > 0 && config.beta_start <= config.beta_end && config.beta_end < 1)) {
    throw badValue('beta_start', config.beta_start, `0 < beta_start ≤ beta_end (${config.beta_end}) < 1`);
  }
  if (!(config.clip_sample_range > 0)) throw badValue('clip_sample_range', config.clip_sample_range, 'a positive number');
}
