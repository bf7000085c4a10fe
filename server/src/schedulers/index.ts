import { resolveEta, resolveSchedule, SamplerId, ScheduleType } from '../../../shared/src/samplers';
import { alphasCumprod } from './ddim';
import { DDIMSampler } from './ddim-sampler';
import { DPMPP2MSampler } from './dpmpp-2m';
import { EulerSampler } from './euler';
import { EulerAncestralSampler } from './euler-ancestral';
import { LcmSampler, LcmSchedule } from './lcm';
import { LcmDistilledSampler } from './lcm-distilled';
import type { Sampler } from './sampler';
import type { SchedulerConfig } from './scheduler';
import { DiscreteSchedule, img2imgSigmas, scheduleSigmas, sigmasFromAlphasCumprod } from './sigmas';

export { DDIMScheduler, alphasCumprod, inferenceTimesteps } from './ddim';
export { DDIMSampler } from './ddim-sampler';
export { guidanceScaleEmbedding } from './lcm-distilled';
export * from './sampler';
export * from './scheduler';
export * from './sigmas';

/** Everything that decides a job's sampling plan. */
export interface SamplerSpec {
  sampler: SamplerId;
  /** A1111's schedule type; absent = automatic. */
  scheduler?: ScheduleType;
  /** Absent = the sampler's default (shared/src/samplers.ts). */
  eta?: number;
  steps: number;
  strength: number;
}

/** What the model brings to the choice of sampler. */
export interface ModelTraits {
  /** The UNet takes a guidance embedding (`timestep_cond`): LCM then runs diffusers' LCMScheduler. */
  guidanceEmbedding: boolean;
}

/** The sampler for one job, its plan made (each sampler file owns its numerics). */
export function createSampler(spec: SamplerSpec, config: SchedulerConfig, model: ModelTraits = { guidanceEmbedding: false }): Sampler {
  const eta = resolveEta(spec.sampler, spec.eta);
  if (spec.sampler === 'ddim') return new DDIMSampler(config, spec.steps, spec.strength, eta);
  if (!Number.isInteger(spec.steps) || spec.steps < 1) throw new Error(`steps must be a positive integer, got ${spec.steps}`);
  if (spec.sampler === 'lcm' && model.guidanceEmbedding) return new LcmDistilledSampler(config, spec.steps, spec.strength);
  const schedule = resolveSchedule(spec.sampler, spec.scheduler) ?? 'uniform';
  const modelSigmas = sigmasFromAlphasCumprod(alphasCumprod(config));
  if (spec.sampler === 'lcm') {
    const lcm = new LcmSchedule(modelSigmas);
    return new LcmSampler(img2imgSigmas(lcm.sigmas(schedule, spec.steps), spec.steps, spec.strength), lcm);
  }
  const table = new DiscreteSchedule(modelSigmas);
  const sigmas = img2imgSigmas(scheduleSigmas(table, schedule, spec.steps), spec.steps, spec.strength);
  const prediction = config.prediction_type;
  switch (spec.sampler) {
    case 'euler':
      return new EulerSampler(sigmas, table, prediction);
    case 'euler_a':
      return new EulerAncestralSampler(sigmas, table, prediction, eta);
    case 'dpmpp_2m':
      return new DPMPP2MSampler(sigmas, table, prediction);
  }
}
