import {
  ACCEPTED_SAMPLER_NAMES,
  img2imgParamsSchema,
  parseSamplerName,
  parseScheduleType,
  resolveEta,
  resolveSchedule,
  SAMPLER_IDS,
  SAMPLERS,
  samplerUsesEta,
  upscaleParamsSchema,
} from '../../../shared/src';

describe('sampler names', () => {
  it.each([
    ['ddim', { sampler: 'ddim' }],
    ['DDIM', { sampler: 'ddim' }],
    ['euler', { sampler: 'euler' }],
    ['Euler', { sampler: 'euler' }],
    ['Euler a', { sampler: 'euler_a' }],
    ['euler A', { sampler: 'euler_a' }],
    ['k_euler_a', { sampler: 'euler_a' }],
    ['euler_a', { sampler: 'euler_a' }],
    ['DPM++ 2M', { sampler: 'dpmpp_2m' }],
    ['dpm++ 2m', { sampler: 'dpmpp_2m' }],
    ['dpmpp_2m', { sampler: 'dpmpp_2m' }],
    ['DPM++ 2M Karras', { sampler: 'dpmpp_2m', schedule: 'karras' }],
    ['  dpm++ 2m karras ', { sampler: 'dpmpp_2m', schedule: 'karras' }],
    ['LCM', { sampler: 'lcm' }],
  ])('reads %j', (name, expected) => {
    expect(parseSamplerName(name)).toEqual(expected);
  });

  it.each(['PLMS', 'UniPC', 'Euler Karras', 'dpmpp', ''])('knows no %j', (name) => {
    expect(parseSamplerName(name)).toBeNull();
  });

  it('lists every id and every A1111 label as accepted', () => {
    for (const id of SAMPLER_IDS) expect(ACCEPTED_SAMPLER_NAMES).toContain(id);
    expect(ACCEPTED_SAMPLER_NAMES).toEqual(expect.arrayContaining(['Euler a', 'Euler', 'DPM++ 2M', 'DPM++ 2M Karras', 'DDIM', 'LCM']));
    for (const name of ACCEPTED_SAMPLER_NAMES) expect(parseSamplerName(name)).not.toBeNull();
  });

  it('reads schedule types and their A1111 labels', () => {
    expect(parseScheduleType('Karras')).toBe('karras');
    expect(parseScheduleType('uniform')).toBe('uniform');
    expect(parseScheduleType('Automatic')).toBe('automatic');
    expect(parseScheduleType('exponential')).toBeNull();
  });
});

describe('A1111 1.10 defaults', () => {
  it('resolves automatic: Karras for DPM++ 2M, Uniform for Euler and Euler a, none for DDIM', () => {
    expect(resolveSchedule('dpmpp_2m', 'automatic')).toBe('karras');
    expect(resolveSchedule('dpmpp_2m', undefined)).toBe('karras');
    expect(resolveSchedule('euler', 'automatic')).toBe('uniform');
    expect(resolveSchedule('euler_a', 'automatic')).toBe('uniform');
    expect(resolveSchedule('euler_a', 'karras')).toBe('karras');
    expect(resolveSchedule('dpmpp_2m', 'uniform')).toBe('uniform');
    expect(resolveSchedule('ddim', 'karras')).toBeNull();
  });

  it('gives Euler a η 1 (eta_ancestral) and DDIM η 0 (eta_ddim); a given η wins', () => {
    expect(resolveEta('euler_a', undefined)).toBe(1);
    expect(resolveEta('ddim', undefined)).toBe(0);
    expect(resolveEta('euler_a', 0.5)).toBe(0.5);
    expect(samplerUsesEta('euler_a')).toBe(true);
    expect(samplerUsesEta('dpmpp_2m')).toBe(false);
  });

  it('has one entry per id', () => {
    expect(SAMPLERS.map((s) => s.id).sort()).toEqual([...SAMPLER_IDS].sort());
  });
});

describe('the sampler in the job schema', () => {
  it('turns a display name into its id', () => {
    expect(img2imgParamsSchema.parse({ sampler: 'Euler a' })).toMatchObject({ sampler: 'euler_a', scheduler: 'automatic' });
    expect(upscaleParamsSchema.parse({ sampler: 'dpm++ 2m' })).toMatchObject({ sampler: 'dpmpp_2m', scheduler: 'automatic' });
  });

  it('lets a name that carries a schedule override the scheduler field, as A1111 does', () => {
    expect(img2imgParamsSchema.parse({ sampler: 'DPM++ 2M Karras', scheduler: 'uniform' })).toMatchObject({ sampler: 'dpmpp_2m', scheduler: 'karras' });
    expect(upscaleParamsSchema.parse({ sampler: 'DPM++ 2M Karras' })).toMatchObject({ sampler: 'dpmpp_2m', scheduler: 'karras' });
  });

  it('accepts A1111 schedule labels and leaves η absent unless given', () => {
    const params = img2imgParamsSchema.parse({ sampler: 'euler', scheduler: 'Karras' });
    expect(params.scheduler).toBe('karras');
    expect(params.eta).toBeUndefined();
  });

  it('refuses an unknown name with the list of accepted ones', () => {
    const result = img2imgParamsSchema.safeParse({ sampler: 'PLMS' });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0].message).toBe(`unknown sampler 'PLMS'; accepted: ${ACCEPTED_SAMPLER_NAMES.join(', ')}`);
  });
});
