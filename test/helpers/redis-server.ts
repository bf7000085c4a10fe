/**
 * A real Redis for studio-mode tests: Debian's `redis-server` on a free loopback port with its own temp folder,
 * stopped (and restartable on the same port, with its data) by the test. Never a mock.
 *
 * Without redis-server the tests print why and skip, except in CI (CI=true) or with INSANERES_REQUIRE_REDIS=1,
 * where they fail instead (`.ci/run` installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './free-port';

const BINARY = process.env.REDIS_SERVER_PATH ?? 'redis-server';

export interface TestRedis {
  /** redis://:PASSWORD@127.0.0.1:PORT (or rediss:// with tls). */
  url: string;
  port: number;
  password: string;
  dir: string;
  /** The CA that signed the server certificate (tls only). */
  caFile?: string;
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data folder. */
  start(): Promise<void>;
}

/** Why studio tests cannot run here, or null when they can. Throws where they must run (CI). */
export function redisMissing(): string | null {
  const found = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (!found.error && found.status === 0) return null;
  const why = `redis-server not found (${BINARY}); install it (Debian: apt-get install redis-server) or set REDIS_SERVER_PATH`;
  if (process.env.CI === 'true' || process.env.INSANERES_REQUIRE_REDIS === '1') throw new Error(`${why}: required in CI`);
  process.stdout.write(`SKIP studio-mode tests: ${why}\n`);
  return why;
}

/** A self-signed CA and a server certificate for 127.0.0.1 / localhost, made with openssl. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ca = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  const ext = path.join(dir, 'san.ext');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const run = (args: string[]): void => {
    const result = spawnSync('openssl', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=insaneres-test-ca', '-keyout', caKey, '-out', ca]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', path.join(dir, 'server.csr')]);
  run(['x509', '-req', '-in', path.join(dir, 'server.csr'), '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', cert]);
  return { ca, cert, key };
}

export async function startRedis(options: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-redis-'));
  const port = await freePort();
  const password = options.password ?? 'studio-test-password';
  const certs = options.tls ? makeCertificates(dir) : null;
  // Append-only file: a stopped and restarted Redis keeps its jobs, as a production one would.
  const args = [
    '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--requirepass', password,
    ...(certs
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key,
        '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no']
      : ['--port', String(port)]),
  ];
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 20_000);
      proc.stdout?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (/Ready to accept connections/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${log}`));
      });
    });
    proc.removeAllListeners('exit');
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  };

  await start();
  const scheme = certs ? 'rediss' : 'redis';
  return {
    url: `${scheme}://:${password}@127.0.0.1:${port}`,
    port,
    password,
    dir,
    caFile: certs?.ca,
    start,
    stop: async () => {
      await stop();
    },
  };
}

/** Removes a stopped Redis's folder. */
export function removeRedisDir(redis: TestRedis | undefined): void {
  if (redis) fs.rmSync(redis.dir, { recursive: true, force: true });
}
