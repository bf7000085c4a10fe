/** Studio-mode processes for tests: a front (`insaneres serve --queue`) and workers (`insaneres worker`), as real processes. */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { spawnServe, type ServeProcess } from '../server/spawn';

export { eventually } from '../../helpers/eventually';

const BIN = path.resolve(__dirname, '../../../bin/insaneres.js');

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Its pino lines, parsed. */
  lines: Record<string, unknown>[];
  /** Resolves once it waits for jobs. */
  ready: Promise<void>;
  exited: Promise<number | null>;
}

export function spawnWorker(url: string, model: string, name: string): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--model', model, '--device', 'cpu', '--name', name], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let text = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready:\n${text}`)));
  });
  let pending = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    text += chunk;
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      if (parsed.msg === 'waiting for jobs') markReady();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  ready.catch(() => undefined);
  return { name, child, lines, ready, exited };
}

export function spawnFront(url: string, shared: string): ServeProcess {
  return spawnServe(['--queue', url, '--shared-outputs', shared, '--port', '0', '--log-level', 'info']);
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
