/**
 * `insaneres serve` as a user starts it (a real process, the tiny demo model since no --model is given),
 * on a free loopback port with temporary outputs and model cache folders.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../helpers/free-port';

export { freePort };

const BIN = path.resolve(__dirname, '../../../bin/insaneres.js');

export class ServerProcess {
  private child: ChildProcess | null = null;
  private output = '';
  readonly outputs = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-e2e-outputs-'));
  /** Where the demo model is generated (INSANERES_CACHE), so the user's cache is left alone. */
  readonly cache = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-e2e-cache-'));

  /** `args` and `env` add to the command line and the environment (a models folder, a loopback Hub). */
  constructor(
    readonly port: number,
    private readonly extra: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  async start(timeoutMs = 90_000): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(this.port), '--outputs', this.outputs, ...(this.extra.args ?? [])], {
      env: { ...process.env, INSANERES_CACHE: this.cache, ...this.extra.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`insaneres serve exited with ${child.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`${this.url}/v1/health`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`insaneres serve did not answer within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Stops it as Ctrl+C would, and waits for the process to end. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    for (const dir of [this.outputs, this.cache]) fs.rmSync(dir, { recursive: true, force: true });
  }
}
