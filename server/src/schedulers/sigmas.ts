/**
 * The σ side of the k-diffusion samplers (A1111 1.10 + k-diffusion): the model's discrete σ table, the
 * fractional `sigma_to_t` / `t_to_sigma` maps between σ and the UNet's timestep, A1111's schedules
 * (Uniform, Karras) and its img2img tail rule. Sources: k-diffusion `external.py` (`DiscreteSchedule`),
 * `sampling.py` (`get_sigmas_karras`, `append_zero`), A1111 `sd_schedulers.py`, `sd_samplers_common.py`
 * (`setup_img2img_steps`) and `sd_samplers_kdiffusion.py` (`sample_img2img`).
 *
 * Precision: float64 throughout. A1111 holds ᾱ and σ in float32 (and torch.linspace in float32), which
 * moves σ by at most a few parts in 10⁷ — below the float32 latents' own rounding after one step.
 */
import type { ConcreteSchedule } from '../../../shared/src/samplers';

/** σ_t = √((1 − ᾱ_t)/ᾱ_t): the noise level of timestep t in variance-exploding terms. */
export function sigmasFromAlphasCumprod(alphasCumprod: ArrayLike<number>): Float64Array {
  return Float64Array.from(alphasCumprod, (alpha) => Math.sqrt((1 - alpha) / alpha));
}

/**
 * k-diffusion's `DiscreteSchedule`: a discrete, ascending σ table indexed by timestep, with log-linear
 * interpolation between entries. `sigmaToT` is the non-quantized variant A1111 uses (its
 * `enable_quantization` option is off by default), so the UNet sees fractional timesteps.
 */
export class DiscreteSchedule {
  readonly logSigmas: Float64Array;

  constructor(readonly sigmas: Float64Array) {
    if (sigmas.length < 2) throw new Error('a discrete schedule needs at least two σ');
    this.logSigmas = sigmas.map(Math.log);
  }

  get sigmaMin(): number {
    return this.sigmas[0];
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1];
  }

  /**
   * `sigma_to_t`: low_idx = the last t with log σ_t ≤ log σ (clamped to len − 2, and 0 below the
   * table), w = (log σ_low − log σ) / (log σ_low − log σ_high) clamped to [0, 1], t = low_idx + w.
   */
  sigmaToT(sigma: number): number {
    const logSigma = Math.log(sigma);
    const last = this.logSigmas.length - 1;
    let low = 0;
    for (let t = 0; t <= last; t++) if (this.logSigmas[t] <= logSigma) low = t;
    low = Math.min(low, last - 1);
    const lowLog = this.logSigmas[low];
    const highLog = this.logSigmas[low + 1];
    const w = Math.min(Math.max((lowLog - logSigma) / (lowLog - highLog), 0), 1);
    return (1 - w) * low + w * (low + 1);
  }

  /** `t_to_sigma`: exp of the linear interpolation of log σ between ⌊t⌋ and ⌈t⌉. */
  tToSigma(t: number): number {
    const low = Math.floor(t);
    const high = Math.ceil(t);
    const w = t - low;
    return Math.exp((1 - w) * this.logSigmas[low] + w * this.logSigmas[high]);
  }

  /** `get_sigmas(n)` ("Uniform"): σ at t = linspace(len − 1, 0, n), then 0. */
  uniformSigmas(n: number): number[] {
    const tMax = this.sigmas.length - 1;
    return appendZero(linspace(tMax, 0, n).map((t) => this.tToSigma(t)));
  }
}

/** numpy/torch `linspace(start, end, n)`: start + i·step, the end point exact. */
export function linspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [start];
  const step = (end - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? end : start + i * step));
}

function appendZero(sigmas: number[]): number[] {
  return [...sigmas, 0];
}

/**
 * `get_sigmas_karras` (Karras et al. 2022, eq. 5): σ_i = (σ_max^(1/ρ) + i/(n−1)·(σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ,
 * ρ = 7, then 0. A1111 1.10 passes the model's own σ_min/σ_max (its `use_old_karras_scheduler_sigmas` off).
 */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return appendZero(linspace(0, 1, n).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho));
}

/** The n-step σ schedule of a model's table, per A1111's schedule type. */
export function scheduleSigmas(schedule: DiscreteSchedule, type: ConcreteSchedule, n: number): number[] {
  return type === 'karras' ? karrasSigmas(n, schedule.sigmaMin, schedule.sigmaMax) : schedule.uniformSigmas(n);
}

/**
 * A1111's img2img tail rule (`setup_img2img_steps` with `img2img_fix_steps` off, then `sample_img2img`):
 * t_enc = int(min(strength, 0.999) · steps); run `sigmas[steps − t_enc − 1:]`, i.e. t_enc + 1 model calls
 * from σ_start = that slice's first entry. One σ earlier than diffusers' rule.
 *
 * Deviation: strength 0 gives no steps (the input comes back unchanged, as with DDIM) where A1111 would
 * still run one model call at the smallest σ.
 */
export function img2imgSigmas(sigmas: readonly number[], steps: number, strength: number): number[] {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must lie in [0, 1], got ${strength}`);
  if (sigmas.length !== steps + 1) throw new Error(`expected ${steps + 1} σ for ${steps} steps, got ${sigmas.length}`);
  if (strength === 0) return [];
  const tEnc = Math.trunc(Math.min(strength, 0.999) * steps);
  return sigmas.slice(steps - tEnc - 1);
}
