/** Runs `insaneres serve …` as a real process (bin/insaneres.js) and reads its pino lines from stderr. */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

const BIN = path.resolve(__dirname, '../../../bin/insaneres.js');

export interface ServeProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the URL once the server logs 'listening'. */
  listening: Promise<string>;
  exited: Promise<number | null>;
}

export function spawnServe(args: string[]): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let text = '';
  let resolveUrl: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    text += chunk;
    for (const line of chunk.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.msg === 'listening') resolveUrl(parsed.url as string);
      } catch {
        // a line split across chunks; the pino lines this test needs are short
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr: () => text, listening, exited };
}
