/** A1111 sampler names → ours, with the documented fallback (docs/api.md), as a table. */
import { resolveA1111Sampler, runnableSamplers, samplerList, schedulerList } from '../../../../../server/src/http/a1111/samplers';
import { ValidationError } from '../../../../../server/src/http/a1111/errors';

describe('A1111 sampler names', () => {
  it('runs the samplers the engine has', () => {
    expect(runnableSamplers()).toEqual(expect.arrayContaining(['ddim', 'euler', 'euler_a', 'dpmpp_2m', 'lcm']));
    expect(samplerList().map((s) => s.name)).toEqual(expect.arrayContaining(['DDIM', 'Euler', 'Euler a', 'DPM++ 2M', 'LCM']));
    expect(samplerList().find((s) => s.name === 'DPM++ 2M')?.options).toEqual({ scheduler: 'karras' });
    expect(schedulerList().map((s) => s.label)).toEqual(['Automatic', 'Uniform', 'Karras']);
  });

  it.each([
    // name, scheduler field, → sampler, schedule, fallback?
    ['Euler a', undefined, 'euler_a', 'automatic', false],
    ['k_euler_a', 'Karras', 'euler_a', 'karras', false],
    ['DPM++ 2M Karras', 'Uniform', 'dpmpp_2m', 'karras', false],
    ['dpm++ 2m', 'karras', 'dpmpp_2m', 'karras', false],
    ['DDIM', undefined, 'ddim', 'automatic', false],
    ['PLMS', undefined, 'ddim', 'automatic', true],
    ['UniPC', undefined, 'ddim', 'automatic', true],
    ['DDIM CFG++', undefined, 'ddim', 'automatic', true],
    ['DPM++ SDE', undefined, 'euler_a', 'automatic', true],
    ['DPM++ SDE Karras', undefined, 'euler_a', 'karras', true],
    ['DPM2 a', undefined, 'euler_a', 'automatic', true],
    ['DPM++ 2M SDE Exponential', undefined, 'euler_a', 'automatic', true],
    ['LMS', undefined, 'euler', 'automatic', true],
    ['Heun', 'Karras', 'euler', 'karras', true],
    ['DPM adaptive', undefined, 'euler', 'automatic', true],
  ] as const)('%s (scheduler %s) → %s, %s', (name, scheduler, sampler, schedule, fallback) => {
    const resolved = resolveA1111Sampler(name, scheduler);
    expect([resolved.sampler, resolved.scheduler]).toEqual([sampler, schedule]);
    expect(resolved.warnings.some((w) => w.includes(`sampler "${name}" is not available`))).toBe(fallback);
  });

  it('runs Automatic for a schedule type it does not have, saying so', () => {
    expect(resolveA1111Sampler('DPM++ 2M SDE Exponential', undefined).warnings.join('\n')).toMatch(/"Exponential" \(from the sampler name\) is not available/);
    const resolved = resolveA1111Sampler('Euler', 'SGM Uniform');
    expect(resolved.scheduler).toBe('automatic');
    expect(resolved.warnings).toEqual([expect.stringMatching(/schedule type "SGM Uniform" is not available here; used Automatic/)]);
  });

  it('refuses a name A1111 does not have either, naming what runs', () => {
    expect(() => resolveA1111Sampler('Warp Drive', undefined)).toThrow(ValidationError);
    expect(() => resolveA1111Sampler('Warp Drive', undefined)).toThrow(/unknown sampler "Warp Drive"; this server runs DDIM, Euler/);
  });
});
