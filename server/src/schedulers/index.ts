import { resolveEta, resolveSchedule, SamplerId, ScheduleType } from '../../../shared/src/samplers';
import { DDIMSampler } from './ddim-sampler';
import type { Sampler } from './sampler';
import type { SchedulerConfig } from './scheduler';

export { DDIMScheduler, alphasCumprod, inferenceTimesteps } from './ddim';
export { DDIMSampler } from './ddim-sampler';
export * from './sampler';
export * from './scheduler';

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

/** The sampler for one job, its plan made (each sampler file owns its numerics). */
export function createSampler(spec: SamplerSpec, config: SchedulerConfig): Sampler {
  const eta = resolveEta(spec.sampler, spec.eta);
  const schedule = resolveSchedule(spec.sampler, spec.scheduler);
  switch (spec.sampler) {
    case 'ddim':
      return new DDIMSampler(config, spec.steps, spec.strength, eta);
    default:
      throw new Error(`sampler '${spec.sampler}' (${schedule ?? 'no'} schedule) is not implemented yet`);
  }
}
