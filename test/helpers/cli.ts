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
