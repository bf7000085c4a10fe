/**
 * An idle Node process that only watches its own event loop (the server's event-loop watch, same period),
 * run beside the benchmark's jobs: what it sees is what the machine alone does to an event loop. On the
 * 2-core VM, an idle process beside the bare-ORT floor (no server at all) saw a 93.6 ms delay during a
 * full-size pass, the size of the server's own longest delays (107–118 ms). So a server delay over 50 ms
 * is judged against the bystander's longest in the same run.
 *
 * As a script (forked with an IPC channel): each 'mark' message is answered with the longest delay since
 * the previous mark (or the start), and the watch starts afresh.
 */
import { fork, type ChildProcess } from 'child_process';
import { watchEventLoop } from '../../server/src/runtime/event-loop-watch';

export interface Bystander {
  /** The bystander's longest event-loop delay since the last mark (or its start), ms; restarts its watch. */
  mark(): Promise<number>;
  stop(): void;
}

export async function startBystander(): Promise<Bystander> {
  const execArgv = __filename.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
  const child: ChildProcess = fork(__filename, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the event-loop bystander exited ${code} before it started`)));
  });
  return {
    mark: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve((m as { maxDelayMs: number }).maxDelayMs));
        child.send('mark');
      }),
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}

if (require.main === module) {
  let watch = watchEventLoop();
  process.on('message', (m) => {
    if (m !== 'mark') return;
    const maxDelayMs = watch.stop();
    watch = watchEventLoop();
    process.send?.({ maxDelayMs });
  });
  process.on('disconnect', () => process.exit(0)); // the benchmark ended, however it ended
  process.send?.({ ready: true });
}
