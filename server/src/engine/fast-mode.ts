/**
 * Fast mode: an LCM-distilled model at 4 LCM steps, decoded by the tiny (TAESD) decoder when the model has
 * one. What the model offers is read once at load (`fastModeOf`); a job asks for it with `fast: true`, or gets
 * the server's default for the model when it says nothing (`resolveFast`).
 *
 * A model that is not LCM-distilled is refused, not run anyway: 4 LCM steps of an ordinary checkpoint give a
 * blurred, washed-out picture that a retoucher would take for a bug; a one-line reason says what to use.
 * The guidance scale is kept: an LCM-distilled UNet takes it as an embedding (w = cfg − 1), with no CFG batch,
 * so it costs nothing (diffusers' LatentConsistencyModelPipeline does the same).
 */
import { ApiError } from '../../../shared/src/errors';
import type { FastMode, JobSpec } from '../../../shared/src/protocol';
import type { Img2ImgParams, ModelInfo } from './types';

/** LCM's own recommendation (the LCM paper and diffusers' docs: 2–8 steps, 4 the usual). */
export const FAST_STEPS = 4;

export class FastModeError extends Error {
  readonly code = 'FAST_UNAVAILABLE';
}

/** What the loaded model offers: `timestepCondDim` is the UNet's `timestep_cond` width (null = not LCM-distilled). */
export function fastModeOf(model: string, timestepCondDim: number | null, tinyDecoder: string | null): Omit<FastMode, 'default'> {
  if (!timestepCondDim) {
    return {
      available: false,
      tinyDecoder: tinyDecoder !== null,
      reason: `${model} is not an LCM-distilled model (its UNet has no timestep_cond input); fast mode needs one, e.g. an ONNX export of SimianLuo/LCM_Dreamshaper_v7`,
    };
  }
  return { available: true, tinyDecoder: tinyDecoder !== null, reason: null };
}

/** The model's fast mode; a model that reports none (a studio front's view, a fake) has none. */
export function fastModeOfInfo(model: ModelInfo): Omit<FastMode, 'default'> {
  return model.fast ?? { available: false, tinyDecoder: false, reason: `${model.name} reports no fast mode` };
}

/**
 * Whether a job runs fast: what it asked for, else the default (the server's setting, where the model has
 * fast mode). Asking for fast mode on a model without it is an error naming why.
 */
export function resolveFast(requested: boolean | undefined, model: Omit<FastMode, 'default'>, serverDefault: boolean): boolean {
  if (requested === true && !model.available) throw new FastModeError(`fast mode is not available: ${model.reason}`);
  return requested ?? (serverDefault && model.available);
}

/**
 * At submit: `fast: true` for a model known to have no fast mode is refused now rather than failed later
 * (the model may still change before the job runs: `specToRun` checks again then).
 */
export function checkFastRequest(requested: boolean | undefined, model: ModelInfo | null): void {
  if (requested === true && model?.fast && !model.fast.available) {
    throw new ApiError('FAST_UNAVAILABLE', `fast mode is not available: ${model.fast.reason}`);
  }
}

/** A job as it runs on `model`: fast mode resolved (what it asked for, else the default) and applied. */
export function specToRun(spec: JobSpec, model: ModelInfo, serverDefault: boolean): JobSpec {
  const fast = resolveFast(spec.params.fast, fastModeOfInfo(model), serverDefault);
  return { ...spec, params: applyFastMode(spec.params, fast) } as JobSpec;
}

/** The parameters a fast job runs with: LCM at 4 steps (eta and schedule type do not apply to it). */
export function applyFastMode<P extends Img2ImgParams>(params: P, fast: boolean): P {
  if (!fast) return { ...params, fast: false };
  const { eta: _eta, ...rest } = params;
  return { ...rest, fast: true, sampler: 'lcm', steps: FAST_STEPS, scheduler: 'automatic' } as P;
}
