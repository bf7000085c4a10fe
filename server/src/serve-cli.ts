/**
 * `insaneres serve [flags]`: parses the flags (DESIGN §5 plus the server's own), starts the server and
 * runs it until SIGINT/SIGTERM, then stops cleanly. Bad flags: exit 2 with one line on stderr.
 */
import { parseArgs } from 'util';
import { DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT } from '../../shared/src';
import { ConfigError } from './config-error';
import { banner, humanDestination } from './cli/human-log';
import { checkRedisUrl } from './jobs/bull/keys';
import { createLogger, type Logger, type LogLevel } from './logger';
import { version } from '../../package.json';
import { INFERENCE_PRIORITIES, type InferencePriority } from './engine/thread-priority';
import { DEVICES } from './runtime/device';
import { inspectVaeFolder } from './runtime/vae-decoder-folder';
import { StartStopped, startServer, type RunningServer, type ServerOptions } from './serve';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const SERVE_USAGE = `insaneres serve [--model DIR | --models-dir DIR] [--host ${DEFAULT_HOST}] [--port ${DEFAULT_PORT}]
                [--device ${DEVICES.join('|')}] [--threads N] [--inference-priority low|normal] [--fast] [--vae DIR]
                [--outputs DIR] [--token T]
                [--allow-origin ORIGIN]... [--allow-host NAME]... [--max-queue ${DEFAULT_LIMITS.maxQueue}]
                [--max-pixels ${DEFAULT_LIMITS.maxPixels}] [--log-level info] [--log-format auto|pretty|json]
                [--queue redis://HOST:6379[/DB] [--shared-outputs DIR]]   (studio mode: GPU workers run the jobs)
  --token may also come from the INSANERES_TOKEN environment variable (it then stays out of the process list),
  --queue from INSANERES_QUEUE (the same for Redis's password).
  --fast makes fast mode (LCM, 4 steps, tiny decoder) the default on LCM-distilled models; --vae DIR replaces
  the VAE decoder (a TAESD or SD VAE decoder folder with its config.json).
  --inference-priority low (the default) runs the model's threads at a lower CPU priority (Linux: nice 10), so
  the server's replies and your other apps get a core first; normal keeps them at the server's priority.
  Its default may also come from INSANERES_INFERENCE_PRIORITY.
  --log-format auto (the default) prints a banner and readable lines on a terminal, JSON lines otherwise.`;

const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface ServeArgs extends ServerOptions {
  logFormat: LogFormat;
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** `--vae DIR` checked before anything starts: a wrong folder is a bad flag, not a failed model load. */
function checkVaeFolder(dir: string): string {
  try {
    inspectVaeFolder(dir);
  } catch (err) {
    throw new ConfigError(`--vae: ${(err as Error).message}`);
  }
  return dir;
}

/** Flags → ServerOptions; throws ConfigError with a one-line message. */
export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv = process.env): ServeArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        'models-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        device: { type: 'string' },
        threads: { type: 'string' },
        'inference-priority': { type: 'string' },
        fast: { type: 'boolean' },
        vae: { type: 'string' },
        outputs: { type: 'string' },
        token: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
        'max-queue': { type: 'string' },
        'max-pixels': { type: 'string' },
        'log-level': { type: 'string' },
        queue: { type: 'string' },
        'shared-outputs': { type: 'string' },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0]);
  }
  if (values.help) return 'help';
  if (values.device !== undefined && !(DEVICES as readonly string[]).includes(values.device)) {
    throw new ConfigError(`--device must be one of ${DEVICES.join(', ')}, got "${values.device}"`);
  }
  const logLevel = values['log-level'];
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  for (const origin of values['allow-origin'] ?? []) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(origin)) {
      throw new ConfigError(`--allow-origin needs an origin like http://localhost:8080 (scheme://host[:port], no path), got "${origin}"`);
    }
  }
  // Like the token: from the environment, the Redis password stays out of the process list.
  values.queue ??= env.INSANERES_QUEUE;
  if (values.queue !== undefined) {
    const problem = checkRedisUrl(values.queue);
    if (problem) throw new ConfigError(problem);
  } else if (values['shared-outputs'] !== undefined) {
    throw new ConfigError('--shared-outputs is for studio mode: give --queue redis://HOST:6379 as well');
  }
  const priority = values['inference-priority'] ?? env.INSANERES_INFERENCE_PRIORITY;
  if (priority !== undefined && !(INFERENCE_PRIORITIES as readonly string[]).includes(priority)) {
    const source = values['inference-priority'] !== undefined ? '--inference-priority' : 'INSANERES_INFERENCE_PRIORITY';
    throw new ConfigError(`${source} must be one of ${INFERENCE_PRIORITIES.join(', ')}, got "${priority}"`);
  }
  const logFormat = values['log-format'] ?? 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new ConfigError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${logFormat}"`);
  }
  const token = values.token ?? env.INSANERES_TOKEN;
  if (token !== undefined && token.trim().length < 8) throw new ConfigError('--token must be at least 8 characters');
  const maxQueue = integer('max-queue', values['max-queue'], 1, 10_000);
  const maxPixels = integer('max-pixels', values['max-pixels'], 64 * 64, 2 ** 31);
  return {
    model: values.model,
    modelsDir: values['models-dir'],
    host: values.host,
    port: integer('port', values.port, 0, 65_535),
    device: values.device,
    threads: integer('threads', values.threads, 1, 1024),
    ...(priority !== undefined ? { inferencePriority: priority as InferencePriority } : {}),
    ...(values.fast === true ? { fast: true } : {}),
    ...(values.vae !== undefined ? { vae: checkVaeFolder(values.vae) } : {}),
    outputs: values.outputs,
    token: token?.trim(),
    allowOrigins: values['allow-origin'],
    allowHosts: values['allow-host'],
    limits: {
      ...(maxQueue !== undefined ? { maxQueue } : {}),
      ...(maxPixels !== undefined ? { maxPixels, maxImageBytes: maxPixels * 8 + 1024 * 1024 } : {}),
    },
    logLevel: logLevel as LogLevel | undefined,
    ...(values.queue !== undefined ? { queue: values.queue, sharedOutputs: values['shared-outputs'] } : {}),
    logFormat: logFormat as LogFormat,
  };
}

/** A wildcard bind address is not something a browser can open; this machine's loopback is. */
function browserUrl(url: string, port: number): string {
  const host = new URL(url).hostname;
  return host === '0.0.0.0' || host === '[::]' ? `http://127.0.0.1:${port}` : url;
}

/** Runs the server until a stop signal; resolves with the process exit code. */
export async function serveCommand(args: string[]): Promise<number> {
  let options: ServeArgs | 'help';
  try {
    options = parseServeArgs(args);
  } catch (err) {
    process.stderr.write(`insaneres serve: ${(err as Error).message}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const pretty = options.logFormat === 'pretty' || (options.logFormat === 'auto' && process.stderr.isTTY === true);
  const logger = createLogger(options.logLevel, pretty ? humanDestination(process.stderr) : undefined);
  // The handlers come first: a Ctrl+C while the first model loads stops as cleanly as one later on.
  const stopRequest = new AbortController();
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    onSignal = (signal) => {
      if (stopRequest.signal.aborted) {
        // A second Ctrl+C means "now": the running step is abandoned, files are still never half-written.
        process.exit(130);
      }
      process.stderr.write(`insaneres serve: ${signal}, stopping\n`);
      stopRequest.abort();
      resolve();
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await serveUntilStopped(options, logger, pretty, stopRequest.signal, stopped);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Starts the server, waits for the stop request (which may come during start-up), closes it; the exit code. */
async function serveUntilStopped(options: ServeArgs, logger: Logger, pretty: boolean, stopSignal: AbortSignal, stopped: Promise<void>): Promise<number> {
  let running: RunningServer;
  try {
    running = await startServer({ ...options, logger, stopSignal });
    if (pretty && !stopSignal.aborted) {
      process.stderr.write(banner({ version, url: running.url, browserUrl: browserUrl(running.url, running.port), ...running.describe() }));
    }
  } catch (err) {
    if (err instanceof StartStopped) return 0;
    process.stderr.write(`insaneres serve: ${(err as Error).message.split('\n')[0]}\n`);
    return err instanceof ConfigError ? 2 : 1;
  }
  await stopped;
  try {
    await running.close();
    return 0;
  } catch (err) {
    process.stderr.write(`insaneres serve: ${(err as Error).message}\n`);
    return 1;
  }
}
