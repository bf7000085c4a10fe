/**
 * The calling thread's CPU time and its time spent runnable but waiting for a CPU, from Linux's
 * /proc/thread-self/schedstat (nanoseconds). A busy machine stretches wall times several-fold; these two
 * say what the work itself cost and how long it queued. Null on other systems. Each thread (the main one,
 * the inference worker) has its own copy of this module, so the file opened here is that thread's.
 * A running thread's CPU figure is brought up to date only at a scheduler tick or a switch, so a read can be
 * up to one tick (4 ms at HZ=250) behind: fine for jobs of seconds, too coarse for spans of a few ms.
 */
import * as fs from 'fs';

let fd: number | null | undefined;
const buffer = Buffer.alloc(128);

export function threadTimes(): { cpuMs: number; waitMs: number } | null {
  if (fd === undefined) {
    try {
      fd = fs.openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      fd = null;
    }
  }
  if (fd === null) return null;
  // Read afresh from offset 0: the kernel renders the current figures on every read.
  const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
  const [runNs, waitNs] = buffer.toString('latin1', 0, length).split(' ');
  return { cpuMs: Number(runNs) / 1e6, waitMs: Number(waitNs) / 1e6 };
}
