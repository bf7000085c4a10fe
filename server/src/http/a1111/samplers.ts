/**
 * A1111 sampler and schedule names → ours (shared/src/samplers.ts), with the documented fallback for
 * A1111 samplers we do not run: A1111's own tests send PLMS and UniPC, and clients remember whatever their
 * user last picked, so such a name runs the nearest sampler we have and says so in `info.warnings`.
 */
import {
  SAMPLERS,
  SCHEDULE_LABELS,
  parseSamplerName,
  parseScheduleType,
  type SamplerId,
  type ScheduleType,
} from '../../../../shared/src/samplers';
import { createSampler, SD15_SCHEDULER_CONFIG } from '../../schedulers';
import { ValidationError } from './errors';

/** A1111 1.10's sampler labels (sd_samplers_kdiffusion, _timesteps, _lcm), for telling "theirs, not ours" from a typo. */
const A1111_SAMPLERS = [
  'DPM++ 2M', 'DPM++ SDE', 'DPM++ 2M SDE', 'DPM++ 2M SDE Heun', 'DPM++ 2S a', 'DPM++ 3M SDE', 'Euler a', 'Euler', 'LMS',
  'Heun', 'DPM2', 'DPM2 a', 'DPM fast', 'DPM adaptive', 'Restart', 'DDIM', 'DDIM CFG++', 'PLMS', 'UniPC', 'LCM',
];
/** Schedule suffixes of A1111's pre-1.9 combined names ("DPM++ 2M SDE Karras"). */
const SCHEDULE_SUFFIX = / (Karras|Exponential|Uniform)$/i;

/** Whether the engine runs this sampler yet (the registry names samplers before their numerics land). */
function runs(id: SamplerId): boolean {
  try {
    createSampler({ sampler: id, steps: 2, strength: 1 }, SD15_SCHEDULER_CONFIG);
    return true;
  } catch {
    return false;
  }
}

export function runnableSamplers(): SamplerId[] {
  return SAMPLERS.map((s) => s.id).filter(runs);
}

export interface SamplerResolution {
  sampler: SamplerId;
  scheduler: ScheduleType;
  warnings: string[];
}

function label(id: SamplerId): string {
  return SAMPLERS.find((s) => s.id === id)?.label ?? id;
}

/**
 * The fallback for an A1111 sampler we do not run: its timestep-based kin (PLMS, UniPC, DDIM CFG++) → DDIM;
 * ancestral and SDE samplers → Euler a; the other k-diffusion samplers → Euler; DDIM when the preferred
 * one does not run yet either.
 */
function fallbackFor(name: string): SamplerId {
  const preferred: SamplerId = /^(plms|unipc|ddim cfg\+\+)$/i.test(name) ? 'ddim' : / a$|sde|ancestral/i.test(name) ? 'euler_a' : 'euler';
  return runs(preferred) ? preferred : 'ddim';
}

function resolveSchedule(requested: string | undefined, warnings: string[]): ScheduleType {
  if (requested === undefined || requested === '') return 'automatic';
  const parsed = parseScheduleType(requested);
  if (parsed) return parsed;
  warnings.push(`schedule type "${requested}" is not available here; used Automatic (available: ${Object.values(SCHEDULE_LABELS).join(', ')})`);
  return 'automatic';
}

/** `sampler_name or sampler_index` plus `scheduler`, as A1111's API resolves them. */
export function resolveA1111Sampler(name: string, schedulerName: string | undefined): SamplerResolution {
  const warnings: string[] = [];
  let scheduler = resolveSchedule(schedulerName, warnings);
  const direct = parseSamplerName(name);
  if (direct && runs(direct.sampler)) {
    return { sampler: direct.sampler, scheduler: direct.schedule ?? scheduler, warnings };
  }
  const suffix = SCHEDULE_SUFFIX.exec(name.trim());
  const base = suffix ? name.trim().slice(0, suffix.index) : name.trim();
  if (suffix) {
    const named = parseScheduleType(suffix[1]);
    if (named) scheduler = named;
    else warnings.push(`schedule type "${suffix[1]}" (from the sampler name) is not available here; used Automatic`);
  }
  const known = direct !== null || A1111_SAMPLERS.some((s) => s.toLowerCase() === base.toLowerCase());
  if (!known) {
    const accepted = runnableSamplers().map(label);
    throw ValidationError.one('sampler_name', `unknown sampler "${name}"; this server runs ${accepted.join(', ')} and falls back for A1111's other samplers (${A1111_SAMPLERS.join(', ')})`);
  }
  const sampler = direct && runs(direct.sampler) ? direct.sampler : fallbackFor(base);
  warnings.push(`sampler "${name}" is not available on this server; used ${label(sampler)} instead`);
  return { sampler, scheduler, warnings };
}

/** `GET /sdapi/v1/samplers`: the samplers we run, named and aliased as A1111 names them. */
export function samplerList(): Array<{ name: string; aliases: string[]; options: Record<string, string> }> {
  const running = new Set(runnableSamplers());
  return SAMPLERS.filter((s) => running.has(s.id)).map((s) => {
    // A1111 marks a sampler's preferred schedule in its options (DPM++ 2M: {scheduler: 'karras'}).
    const options: Record<string, string> = s.automaticSchedule && s.automaticSchedule !== 'uniform' ? { scheduler: s.automaticSchedule } : {};
    return { name: s.label, aliases: [...s.aliases], options };
  });
}

/** `GET /sdapi/v1/schedulers`. */
export function schedulerList(): Array<{ name: string; label: string; aliases: string[] | null; default_rho: number; need_inner_model: boolean }> {
  return (Object.entries(SCHEDULE_LABELS) as Array<[ScheduleType, string]>).map(([name, text]) => ({
    name,
    label: text,
    aliases: null,
    // A1111's Karras scheduler: rho 7; the others have none (−1 there).
    default_rho: name === 'karras' ? 7 : -1,
    need_inner_model: false,
  }));
}
