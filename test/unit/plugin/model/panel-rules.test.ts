/** Small rules of issue 10 §4–5 as tables: the upscale's final size, the ETA, the stale offline line, seeds. */
import { EtaEstimate } from '../../../../plugin/src/model/eta';
import { DEFAULT_SETTINGS } from '../../../../plugin/src/model/settings';
import { initialState, reducer } from '../../../../plugin/src/model/state';
import { jobRequest, variationSeed } from '../../../../plugin/src/model/tries';
import { upscaleSizing } from '../../../../plugin/src/model/upscale-plan';

describe('the upscale size', () => {
  it.each([
    // source, scale, recipe → the scale sent, the result, larger than asked
    [{ width: 512, height: 384 }, 2, true, 1.4993, { width: 1024, height: 768 }, false], // the 2.67× case
    [{ width: 512, height: 384 }, 2, false, 2, { width: 1024, height: 768 }, false],
    [{ width: 800, height: 600 }, 1.5, true, 1.5, { width: 1200, height: 900 }, false],
    [{ width: 1000, height: 250 }, 4, true, 1.9531, { width: 4000, height: 1000 }, false],
    [{ width: 20, height: 12 }, 4, true, 1, { width: 853, height: 512 }, true], // the recipe alone exceeds 4×
  ])('%o × %d (recipe %s): sends %d, gets %o', (source, scale, recipe, requestScale, output, larger) => {
    expect(upscaleSizing(source, scale, recipe)).toEqual({ requestScale, output, larger });
  });
});

describe('the time left', () => {
  it('starts measuring at the first finished step and says nothing until a second one', () => {
    let now = 0;
    const eta = new EtaEstimate({ now: () => now });
    const status = (step: number, tile = 1) => ({ state: 'running' as const, step, totalSteps: 10, tile, totalTiles: 2 });
    expect(eta.update(status(0))).toBeNull();
    now = 60_000; // the first step took a minute: warm-up
    expect(eta.update(status(1))).toBeNull();
    now = 61_000;
    expect(eta.update(status(2))).toBeCloseTo(18, 6); // 1 s per step, 18 steps to go
    now = 65_000;
    expect(eta.update(status(1, 2))).toBeCloseTo(9 * 0.5, 6); // 10 steps in 5 s since the mark, 9 to go
    expect(eta.update({ ...status(10, 2), state: 'done' })).toBe(0);
  });
});

describe('the error line', () => {
  it('drops a stale "server not running" line once the server answers', () => {
    const offline = reducer(initialState(DEFAULT_SETTINGS), { type: 'failed', error: { code: 'SERVER_OFFLINE', message: 'The InsaneRes server is not running.' } });
    const online = reducer(offline, { type: 'server', server: { kind: 'online', health: {} as never } });
    expect(online.error).toBeNull();
    const other = reducer(initialState(DEFAULT_SETTINGS), { type: 'failed', error: { code: 'MODEL_FAILED', message: 'x' } });
    expect(reducer(other, { type: 'server', server: { kind: 'online', health: {} as never } }).error).toMatchObject({ code: 'MODEL_FAILED' });
  });
});

describe('variation seeds', () => {
  it('are S, S+1, … for a fixed seed and random (−1) each otherwise', () => {
    expect([0, 1, 2, 3].map((i) => variationSeed(41, i))).toEqual([41, 42, 43, 44]);
    expect([0, 1].map((i) => variationSeed(-1, i))).toEqual([-1, -1]);
    expect(variationSeed(Number.MAX_SAFE_INTEGER, 1)).toBe(0);
    const request = jobRequest({ ...DEFAULT_SETTINGS, seedMode: 'fixed', seed: 7 }, 'img', null, { variation: 2 });
    expect(request.params?.seed).toBe(9);
  });
});
