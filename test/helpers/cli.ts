import { spawn } from 'child_process';
import * as path from 'path';

export const BIN = path.resolve(__dirname, '../../bin/insaneres.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `insaneres …` as a user would (a real process), collecting its output. */
/** `env` adds to the environment (jest's `process.env` edits do not reach child processes). */
export function runCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = options.env ? { ...process.env, ...options.env } : undefined;
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * Runs the same `main()` the bin runs, inside the test process, collecting what it writes. For the many
 * bad-input and repeat cases: each real process costs a Node start and a TypeScript load (≈1 s of CPU),
 * which a busy machine pays many times over. Each test file still runs real processes for its main cases.
 */
export async function runCliInProcess(args: string[]): Promise<CliResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main } = require('../../server/src/cli') as typeof import('../../server/src/cli');
  let stdout = '';
  let stderr = '';
  const capture = (stream: NodeJS.WriteStream, append: (text: string) => void) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  const out = capture(process.stdout, (t) => (stdout += t));
  const err = capture(process.stderr, (t) => (stderr += t));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
