import * as fs from 'fs';
import { threadTimes } from '../../../../server/src/runtime/thread-cpu';

const math = Math;
const linux = fs.existsSync('/proc/thread-self/schedstat');

describe('threadTimes', () => {
  (linux ? it : it.skip)('counts this thread’s CPU time as it works (Linux)', () => {
    threadTimes(); // opens the file, so that cost falls outside the measured span
    // Linux brings a running thread's figure up to date only at a scheduler tick or a switch, so a read can be a
    // tick behind (4 ms at HZ=250; CI once saw 31.7 ms of CPU in 30.2 ms of wall). A 1 ms sleep switches this
    // thread out, which brings the figure up to date: `before` is then exact, and `after` can only be low.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    const start = performance.now();
    const before = threadTimes();
    let x = 0;
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
