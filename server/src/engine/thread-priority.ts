/**
 * The inference worker's CPU priority. ONNX Runtime's intra-op threads keep every core busy through a
 * UNet step; at the same priority the server's main thread (HTTP, SSE) and the user's own apps
 * (Photoshop) wait for a core behind them. On Linux the worker thread raises its own nice value before it
 * creates any session: setpriority(PRIO_PROCESS, tid) changes that one thread, and the threads it creates
 * (ONNX Runtime's pool) inherit it. Inference still gets every idle cycle; it only yields when another
 * thread wants the CPU. Raising one's nice value needs no privilege.
 */
import * as fs from 'fs';
import * as os from 'os';

export const INFERENCE_PRIORITIES = ['low', 'normal'] as const;
export type InferencePriority = (typeof INFERENCE_PRIORITIES)[number];

/** The nice value of 'low': a nice-0 thread gets ~10× its CPU share when both want a core. */
export const LOW_PRIORITY_NICE = 10;

export type PriorityOutcome =
  | { applied: true; tid: number; nice: number }
  | { applied: false; reason: string };

/** The calling thread's kernel id, from /proc/thread-self ("PID/task/TID"); null where there is none. */
export function currentThreadId(readlink: (p: string) => string = fs.readlinkSync): number | null {
  try {
    const tid = Number(readlink('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

export interface PriorityHost {
  platform: NodeJS.Platform;
  threadId(): number | null;
  getPriority(tid: number): number;
  setPriority(tid: number, nice: number): void;
}

const realHost: PriorityHost = {
  platform: process.platform,
  threadId: () => currentThreadId(),
  getPriority: (tid) => os.getPriority(tid),
  setPriority: (tid, nice) => os.setPriority(tid, nice),
};

/**
 * Lowers the calling thread to `nice` (never raises it: a server started under `nice -n 15` stays there).
 * Never throws: where it cannot apply, the outcome says why and the caller logs it.
 */
export function lowerThreadPriority(nice: number, host: PriorityHost = realHost): PriorityOutcome {
  if (host.platform !== 'linux') return { applied: false, reason: `per-thread priority is set on Linux only (this is ${host.platform})` };
  const tid = host.threadId();
  if (tid === null) return { applied: false, reason: '/proc/thread-self cannot be read (no /proc?)' };
  try {
    const current = host.getPriority(tid);
    if (current < nice) host.setPriority(tid, nice);
    return { applied: true, tid, nice: host.getPriority(tid) };
  } catch (err) {
    return { applied: false, reason: `setpriority failed: ${(err as Error).message}` };
  }
}

/** The log line for lowering the priority: what was applied, or why it was skipped. */
export function describePriority(outcome: PriorityOutcome): string {
  if (!outcome.applied) return `inference threads run at the normal CPU priority: lowering it was skipped (${outcome.reason})`;
  return `inference threads run at nice ${outcome.nice}, below the HTTP side and other apps when they need the CPU (--inference-priority normal turns this off)`;
}
