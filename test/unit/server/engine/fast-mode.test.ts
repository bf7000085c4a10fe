import { applyFastMode, fastModeOf, FastModeError, resolveFast } from '../../../../server/src/engine/fast-mode';
import type { Img2ImgParams } from '../../../../server/src/engine/types';

const LCM = fastModeOf('lcm', 256, 'vae_decoder_tiny');
const PLAIN = fastModeOf('sd15', null, null);

describe('fast mode', () => {
  it('is available exactly on LCM-distilled UNets, with the reason otherwise', () => {
    expect(LCM).toEqual({ available: true, tinyDecoder: true, reason: null });
    expect(PLAIN).toMatchObject({ available: false, tinyDecoder: false });
    expect(PLAIN.reason).toMatch(/^sd15 is not an LCM-distilled model \(its UNet has no timestep_cond input\)/);
  });

  it.each([
    ['asked for, LCM', true, LCM, false, true],
    ['refused explicitly, default on', false, LCM, true, false],
    ['unsaid, default on', undefined, LCM, true, true],
    ['unsaid, default off', undefined, LCM, false, false],
    ['unsaid, default on, model without it', undefined, PLAIN, true, false],
    ['refused on a model without it', false, PLAIN, true, false],
  ] as const)('%s', (_name, requested, model, serverDefault, expected) => {
    expect(resolveFast(requested, model, serverDefault)).toBe(expected);
  });

  it('asked for on a model without it: FAST_UNAVAILABLE naming why', () => {
    expect(() => resolveFast(true, PLAIN, false)).toThrow(FastModeError);
    expect(() => resolveFast(true, PLAIN, false)).toThrow(/fast mode is not available: sd15 is not an LCM-distilled model/);
  });

  it('sets LCM at 4 steps (schedule automatic, no eta) and keeps everything else', () => {
    const params: Img2ImgParams = {
      prompt: 'p', negativePrompt: 'n', strength: 0.3, steps: 50, guidanceScale: 12, seed: 1, sampler: 'euler_a', scheduler: 'karras', eta: 0.5, emphasis: true,
    };
    expect(applyFastMode(params, true)).toEqual({ ...params, sampler: 'lcm', steps: 4, scheduler: 'automatic', eta: undefined, fast: true });
    expect(applyFastMode(params, false)).toEqual({ ...params, fast: false });
  });
});
