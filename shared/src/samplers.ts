/**
 * The sampler registry, defined once for the server, the A1111 API and the panel: sampler ids, A1111's
 * display names and aliases, A1111's schedule types, what "Automatic" means per sampler, and the default
 * η. The numerics live in server/src/schedulers/; this file only names things. No node-only imports: the
 * panel bundles it.
 *
 * Sources: A1111 1.10 `modules/sd_samplers_kdiffusion.py` (labels, aliases, `{'scheduler': 'karras'}` on
 * DPM++ 2M), `sd_samplers_lcm.py` (LCM), `sd_samplers_timesteps.py` (DDIM), `sd_schedulers.py` (schedule
 * labels), `shared_options.py` (`eta_ddim` 0, `eta_ancestral` 1).
 */

/** Our sampler ids (the CLI's `--sampler` and the API's `sampler` after parsing). */
export const SAMPLER_IDS = ['ddim', 'euler', 'euler_a', 'dpmpp_2m', 'lcm'] as const;
export type SamplerId = (typeof SAMPLER_IDS)[number];

/** A1111's "Schedule type" (`--scheduler`, API `scheduler`). */
export const SCHEDULE_TYPES = ['automatic', 'uniform', 'karras'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];
/** A schedule after "automatic" is resolved. */
export type ConcreteSchedule = Exclude<ScheduleType, 'automatic'>;

/** A1111's labels for the schedule types (infotext "Schedule type: Karras", `/sdapi/v1/schedulers`). */
export const SCHEDULE_LABELS: Readonly<Record<ScheduleType, string>> = {
  automatic: 'Automatic',
  uniform: 'Uniform',
  karras: 'Karras',
};

export interface SamplerInfo {
  id: SamplerId;
  /** A1111's display name: its UI label, the infotext's "Sampler:" value, `/sdapi/v1/samplers` name. */
  label: string;
  /** A1111's aliases (`k_euler_a`, …), accepted like the label. */
  aliases: readonly string[];
  /**
   * What "automatic" resolves to in A1111 1.10 for this sampler; null for samplers whose steps are not a
   * σ schedule (our DDIM runs diffusers' own timesteps, and ignores the schedule type).
   */
  automaticSchedule: ConcreteSchedule | null;
  /** η when the request gives none (A1111's options); null for samplers that take no η. */
  defaultEta: number | null;
}

export const SAMPLERS: readonly SamplerInfo[] = [
  // DDIM: diffusers numerics (DESIGN §4); A1111's `eta_ddim` default is 0.
  { id: 'ddim', label: 'DDIM', aliases: [], automaticSchedule: null, defaultEta: 0 },
  // Euler / Euler a: no 'scheduler' option in A1111's table, so "Automatic" is the model's own
  // get_sigmas, i.e. Uniform. Euler a takes `eta_ancestral`, default 1.
  { id: 'euler', label: 'Euler', aliases: ['k_euler'], automaticSchedule: 'uniform', defaultEta: null },
  { id: 'euler_a', label: 'Euler a', aliases: ['k_euler_a', 'k_euler_ancestral'], automaticSchedule: 'uniform', defaultEta: 1 },
  // DPM++ 2M: `{'scheduler': 'karras'}` in A1111 1.10's table.
  { id: 'dpmpp_2m', label: 'DPM++ 2M', aliases: ['k_dpmpp_2m'], automaticSchedule: 'karras', defaultEta: null },
  // LCM: A1111's LCM denoiser brings its own get_sigmas (50 LCM timesteps), used for "Automatic"/Uniform.
  { id: 'lcm', label: 'LCM', aliases: ['k_lcm'], automaticSchedule: 'uniform', defaultEta: null },
];

/** Names that carry a schedule (A1111's pre-1.9 combined labels, still accepted there as aliases). */
const NAMES_WITH_SCHEDULE: readonly { names: readonly string[]; sampler: SamplerId; schedule: ConcreteSchedule }[] = [
  { names: ['DPM++ 2M Karras', 'k_dpmpp_2m_ka'], sampler: 'dpmpp_2m', schedule: 'karras' },
];

export interface SamplerChoice {
  sampler: SamplerId;
  /** Set when the name itself names a schedule ("DPM++ 2M Karras"); it overrides `scheduler`, as in A1111. */
  schedule?: ConcreteSchedule;
}

const fold = (name: string): string => name.trim().toLowerCase();

const CHOICES: ReadonlyMap<string, SamplerChoice> = new Map([
  ...SAMPLERS.flatMap((info) => [info.id, info.label, ...info.aliases].map((name) => [fold(name), { sampler: info.id }] as const)),
  ...NAMES_WITH_SCHEDULE.flatMap((entry) =>
    entry.names.map((name) => [fold(name), { sampler: entry.sampler, schedule: entry.schedule }] as const),
  ),
]);

/** Every name `parseSamplerName` accepts, for error messages: ids first, then A1111's labels. */
export const ACCEPTED_SAMPLER_NAMES: readonly string[] = [
  ...SAMPLER_IDS,
  ...SAMPLERS.map((info) => info.label),
  ...NAMES_WITH_SCHEDULE.map((entry) => entry.names[0]),
];

/** An id, an A1111 label or alias, case-insensitively; null for an unknown name. */
export function parseSamplerName(name: string): SamplerChoice | null {
  return CHOICES.get(fold(name)) ?? null;
}

export function unknownSamplerMessage(name: string): string {
  return `unknown sampler '${name}'; accepted: ${ACCEPTED_SAMPLER_NAMES.join(', ')}`;
}

/** A schedule type or its A1111 label, case-insensitively; null for an unknown one. */
export function parseScheduleType(name: string): ScheduleType | null {
  const folded = fold(name);
  return SCHEDULE_TYPES.find((type) => type === folded) ?? null;
}

export function samplerInfo(id: SamplerId): SamplerInfo {
  const info = SAMPLERS.find((entry) => entry.id === id);
  if (info === undefined) throw new Error(`no sampler '${id}'`);
  return info;
}

/** The schedule a job runs: "automatic" resolved per sampler; null for DDIM, which has none. */
export function resolveSchedule(sampler: SamplerId, schedule: ScheduleType | undefined): ConcreteSchedule | null {
  const info = samplerInfo(sampler);
  if (info.automaticSchedule === null) return null;
  return schedule === undefined || schedule === 'automatic' ? info.automaticSchedule : schedule;
}

/** The η a job runs: the request's, else the sampler's default (0 where the sampler takes none). */
export function resolveEta(sampler: SamplerId, eta: number | undefined): number {
  return eta ?? samplerInfo(sampler).defaultEta ?? 0;
}

/** Whether the sampler reads η at all (the infotext prints "Eta" only then). */
export function samplerUsesEta(sampler: SamplerId): boolean {
  return samplerInfo(sampler).defaultEta !== null;
}
