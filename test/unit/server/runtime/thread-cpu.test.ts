import * as fs from 'fs';
import { threadTimes } from '../../../../server/src/runtime/thread-cpu';

const math = Math;
const linux = fs.existsSync('/proc/thread-self/schedstat');

describe('threadTimes', () => {
  (linux ? it : it.skip)('counts this thread’s CPU time as it works (Linux)', () => {
    const before = threadTimes();
    let x = 0;
    const start = performance.now();
    while (performance.now() - start < 30) x += math.sqrt(x + 1);
    const after = threadTimes();
    const elapsed = performance.now() - start;
    expect(x).toBeGreaterThan(0);
    expect(before && after).not.toBeNull();
    // Busy for 30 ms of wall time: some of it on a CPU, never more than the time that passed (one thread).
    const cpu = (after?.cpuMs ?? 0) - (before?.cpuMs ?? 0);
    expect(cpu).toBeGreaterThan(0);
    expect(cpu).toBeLessThanOrEqual(elapsed + 1);
  });

  (linux ? it.skip : it)('is null where /proc/thread-self/schedstat does not exist', () => {
    expect(threadTimes()).toBeNull();
  });
  if (!linux) console.log('thread-cpu: the Linux case is skipped: /proc/thread-self/schedstat is missing here');
  else console.log('thread-cpu: the non-Linux case is skipped: this machine has /proc/thread-self/schedstat');
});
