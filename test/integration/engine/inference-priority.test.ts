/**
 * `priority: 'low'` on Linux: the inference worker's thread and the threads ONNX Runtime creates for its
 * sessions run at nice 10, and nothing else of the process does (the main thread and libuv's pool, which
 * sharp and fs use for the HTTP side, keep their priority). Read from /proc/self/task/<tid>/stat. Only
 * threads that appear during a test are the engine's: one ONNX Runtime thread outlives its worker.
 */
import * as fs from 'fs';
import { createEngine } from '../../../server/src/engine/engine';
import type { Engine } from '../../../server/src/engine/types';
import { LOW_PRIORITY_NICE } from '../../../server/src/engine/thread-priority';
import { tinyModel } from '../../helpers/tiny-model';

const hasThreadSelf = process.platform === 'linux' && fs.existsSync('/proc/thread-self');
// eslint-disable-next-line no-console
if (!hasThreadSelf) console.log(`skipping: per-thread priority is Linux-only and needs /proc/thread-self (this is ${process.platform})`);

interface ThreadInfo {
  tid: number;
  name: string;
  nice: number;
}

function threadsOfThisProcess(): ThreadInfo[] {
  const threads: ThreadInfo[] = [];
  for (const entry of fs.readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/self/task/${entry}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const close = stat.lastIndexOf(')');
    // proc(5): field 2 is "(comm)", field 19 the nice value; fields after the name start at field 3.
    const fields = stat.slice(close + 2).split(' ');
    threads.push({ tid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close), nice: Number(fields[16]) });
  }
  return threads;
}

function waitForLog(lines: string[], pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => (lines.some((line) => pattern.test(line)) ? resolve() : void setTimeout(poll, 20));
    poll();
  });
}

(hasThreadSelf ? describe : describe.skip)('inference priority (Linux)', () => {
  const baseNice = hasThreadSelf ? threadsOfThisProcess().find((t) => t.tid === process.pid)?.nice ?? 0 : 0;
  let engine: Engine | null = null;
  afterEach(async () => {
    await engine?.close();
    engine = null;
  });

  (baseNice < LOW_PRIORITY_NICE ? it : it.skip)('low: the worker thread and ONNX Runtime\'s pool threads run at nice 10, the rest of the process as before', async () => {
    const logs: string[] = [];
    const logger = { info: (_: object, msg?: string) => void logs.push(msg ?? ''), warn: () => undefined, error: () => undefined };
    // libuv's pool starts with the first fs call in the process; the worker makes one before it lowers
    // itself, so if this file had not started the pool yet, its 4 threads appear here too, at the old priority.
    const before = threadsOfThisProcess();
    const isNew = (t: ThreadInfo): boolean => !before.some((b) => b.tid === t.tid);
    engine = await createEngine({ device: 'cpu', threads: 3, priority: 'low', logger });
    await waitForLog(logs, /inference threads run at nice/);
    const workerThreads = threadsOfThisProcess().filter(isNew);
    await engine.loadModel(await tinyModel());
    const after = threadsOfThisProcess();
    const sessionThreads = after.filter((t) => isNew(t) && !workerThreads.some((w) => w.tid === t.tid));
    // Before any session: the worker's own thread, lowered (and no other). With the sessions: ONNX Runtime's pools (3
    // intra-op threads = the calling thread + 2 of its own, per session), every one at the same nice value.
    expect(workerThreads.filter((t) => t.nice === LOW_PRIORITY_NICE)).toHaveLength(1);
    expect(workerThreads.filter((t) => t.nice !== LOW_PRIORITY_NICE).every((t) => t.nice === baseNice)).toBe(true);
    expect(sessionThreads.length).toBeGreaterThanOrEqual(2);
    expect(sessionThreads.every((t) => t.nice === LOW_PRIORITY_NICE)).toBe(true);
    // Everything that was there before (main thread, libuv's pool, V8's) keeps its priority.
    expect(after.filter((t) => !isNew(t))).toEqual(before.filter((b) => after.some((t) => t.tid === b.tid)));
    expect(logs).toContainEqual(expect.stringMatching(/nice 10.*--inference-priority normal/));
  });

  it('normal: no thread of the process changes its priority', async () => {
    const before = threadsOfThisProcess();
    engine = await createEngine({ device: 'cpu', threads: 3, priority: 'normal' });
    await engine.loadModel(await tinyModel());
    const after = threadsOfThisProcess();
    const isNew = (t: ThreadInfo): boolean => !before.some((b) => b.tid === t.tid);
    expect(after.filter(isNew).length).toBeGreaterThanOrEqual(3);
    expect(after.filter((t) => isNew(t) && t.nice !== baseNice)).toEqual([]);
    expect(after.filter((t) => !isNew(t))).toEqual(before.filter((b) => after.some((t) => t.tid === b.tid)));
  });
});
