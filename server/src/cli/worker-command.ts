/**
 * `insaneres worker --queue redis://HOST:6379[/DB] [--model DIR | --models-dir DIR [--model NAME]] [--device …]
 * [--name NAME] [--shared-outputs DIR] [--log-level info]`: a studio-mode GPU worker. Runs until SIGINT/SIGTERM;
 * the running job is finished first (a second signal leaves at once, and BullMQ gives the job to another worker).
 */
import { ConfigError } from '../config-error';
import { checkRedisUrl } from '../jobs/bull/keys';
import { startStudioWorker, type StudioWorkerOptions } from '../jobs/bull/studio-worker';
import { createLogger, type LogLevel } from '../logger';
import { INFERENCE_PRIORITIES, type InferencePriority } from '../engine/thread-priority';
import { DEVICES } from '../runtime/device';
import { parseFlags, UsageError } from './args';

export const WORKER_USAGE = `insaneres worker --queue redis://HOST:6379[/DB] [--model DIR | --models-dir DIR [--model NAME]]
                 [--device ${DEVICES.join('|')}] [--name NAME] [--shared-outputs DIR] [--fast] [--log-level info]
                 [--inference-priority low|normal]
  One process per GPU. --shared-outputs: this machine's path to the front's shared folder, if it differs.
  --fast: jobs that do not say run in fast mode (LCM, 4 steps), where the model is LCM-distilled.
  --inference-priority: low (the default) runs the model's threads at a lower CPU priority (Linux: nice 10);
  its default may also come from INSANERES_INFERENCE_PRIORITY.
  --queue may also come from INSANERES_QUEUE (keeps Redis's password out of the process list).`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseWorkerArgs(args: string[], env: NodeJS.ProcessEnv = process.env): Omit<StudioWorkerOptions, 'logger'> & { logLevel?: LogLevel } | 'help' {
  const values = parseFlags('worker', args, {
    queue: { type: 'string' },
    model: { type: 'string' },
    'models-dir': { type: 'string' },
    device: { type: 'string' },
    name: { type: 'string' },
    'shared-outputs': { type: 'string' },
    'log-level': { type: 'string' },
    fast: { type: 'boolean' },
    'inference-priority': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  // From the environment, the Redis password stays out of the process list.
  const url = values.queue ?? env.INSANERES_QUEUE;
  if (typeof url !== 'string') throw new UsageError('--queue redis://HOST:6379 is required (the Redis the front server uses)');
  const problem = checkRedisUrl(url);
  if (problem) throw new UsageError(problem);
  const model = values.model as string | undefined;
  const modelsDir = values['models-dir'] as string | undefined;
  if (model === undefined && modelsDir === undefined) throw new UsageError('--model DIR or --models-dir DIR is required (the model this worker serves)');
  const device = (values.device as string | undefined) ?? 'auto';
  if (!DEVICES.includes(device as never)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, got "${device}"`);
  const name = values.name as string | undefined;
  if (name !== undefined && !/^[\w.-]{1,64}$/.test(name)) throw new UsageError(`--name must be 1–64 letters, digits, '.', '_' or '-', got "${name}"`);
  const logLevel = values['log-level'] as string | undefined;
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const priority = (values['inference-priority'] as string | undefined) ?? env.INSANERES_INFERENCE_PRIORITY;
  if (priority !== undefined && !(INFERENCE_PRIORITIES as readonly string[]).includes(priority)) {
    const source = values['inference-priority'] !== undefined ? '--inference-priority' : 'INSANERES_INFERENCE_PRIORITY';
    throw new UsageError(`${source} must be one of ${INFERENCE_PRIORITIES.join(', ')}, got "${priority}"`);
  }
  return { url, model, modelsDir, device, name, sharedOutputs: values['shared-outputs'] as string | undefined, fast: values.fast === true, logLevel: logLevel as LogLevel | undefined,
    ...(priority !== undefined ? { inferencePriority: priority as InferencePriority } : {}) };
}

export async function workerCommand(args: string[]): Promise<number> {
  const parsed = parseWorkerArgs(args);
  if (parsed === 'help') {
    process.stdout.write(`${WORKER_USAGE}\n`);
    return 0;
  }
  const logger = createLogger(parsed.logLevel);
  let worker;
  try {
    worker = await startStudioWorker({ ...parsed, logger });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const running = worker;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`insaneres worker: ${signal}, finishing the running job, then stopping\n`);
      running.close().then(() => resolve(0), (err: unknown) => {
        process.stderr.write(`insaneres worker: ${(err as Error).message}\n`);
        resolve(1);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
