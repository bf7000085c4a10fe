import { DDIMScheduler } from './ddim';
import { Scheduler, SchedulerConfig } from './scheduler';

export { DDIMScheduler, alphasCumprod, inferenceTimesteps } from './ddim';
export * from './scheduler';

/** Sampler names a job may ask for; each maps to one scheduler file. */
export const SAMPLER_NAMES = ['ddim'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

const FACTORIES: Record<SamplerName, (config: SchedulerConfig) => Scheduler> = {
  ddim: (config) => new DDIMScheduler(config),
};

function isSamplerName(name: string): name is SamplerName {
  return (SAMPLER_NAMES as readonly string[]).includes(name);
}

export function createScheduler(name: string, config: SchedulerConfig): Scheduler {
  if (!isSamplerName(name)) {
    throw new Error(`unknown sampler "${name}" (accepted: ${SAMPLER_NAMES.map((known) => `"${known}"`).join(', ')})`);
  }
  return FACTORIES[name](config);
}
