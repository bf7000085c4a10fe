import { currentThreadId, describePriority, lowerThreadPriority, type PriorityHost } from '../../../../server/src/engine/thread-priority';

/** A host whose threads have nice values in a map; setPriority can be made to fail. */
function fakeHost(overrides: Partial<PriorityHost> & { nice?: number } = {}): PriorityHost & { nices: Map<number, number> } {
  const nices = new Map([[4242, overrides.nice ?? 0]]);
  return {
    platform: 'linux',
    threadId: () => 4242,
    getPriority: (tid) => nices.get(tid) as number,
    setPriority: (tid, nice) => void nices.set(tid, nice),
    ...overrides,
    nices,
  };
}

describe('lowerThreadPriority', () => {
  it('sets the calling thread (by its kernel id) to the nice value asked for', () => {
    const host = fakeHost();
    expect(lowerThreadPriority(10, host)).toEqual({ applied: true, tid: 4242, nice: 10 });
    expect(host.nices.get(4242)).toBe(10);
  });

  it('never raises a priority: a thread already nicer than asked stays where it is', () => {
    const host = fakeHost({ nice: 15 });
    expect(lowerThreadPriority(10, host)).toEqual({ applied: true, tid: 4242, nice: 15 });
  });

  it.each(['win32', 'darwin'] as const)('is skipped on %s, with the reason, without touching anything', (platform) => {
    const host = fakeHost({ platform });
    const outcome = lowerThreadPriority(10, host);
    expect(outcome).toEqual({ applied: false, reason: expect.stringContaining(platform) });
    expect(host.nices.get(4242)).toBe(0);
  });

  it('is skipped when /proc/thread-self cannot be read', () => {
    expect(lowerThreadPriority(10, fakeHost({ threadId: () => null }))).toEqual({ applied: false, reason: expect.stringContaining('/proc/thread-self') });
  });

  it('does not throw when setpriority fails; the reason is kept', () => {
    const host = fakeHost({ setPriority: () => { throw new Error('EACCES'); } });
    expect(lowerThreadPriority(10, host)).toEqual({ applied: false, reason: expect.stringContaining('EACCES') });
  });
});

describe('currentThreadId', () => {
  it('takes the id after "task/" in /proc/thread-self', () => {
    expect(currentThreadId(() => '1234/task/1240')).toBe(1240);
  });

  it('is null where the link is missing or odd', () => {
    expect(currentThreadId(() => { throw new Error('ENOENT'); })).toBeNull();
    expect(currentThreadId(() => 'nonsense')).toBeNull();
  });
});

describe('describePriority', () => {
  it('names the value applied and the setting that turns it off', () => {
    expect(describePriority({ applied: true, tid: 1, nice: 10 })).toMatch(/nice 10.*--inference-priority normal/);
  });

  it('says when it was skipped, and why', () => {
    expect(describePriority({ applied: false, reason: 'not Linux' })).toMatch(/skipped \(not Linux\)/);
  });
});
