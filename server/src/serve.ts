/**
 * `startServer`: the engine, the job queue, history and the HTTP API on one port. Loopback by default;
 * any other address needs a token. Resolves once the server listens and the first model is loaded.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { Duplex } from 'stream';
import { ApiError, DEFAULT_HOST, DEFAULT_LIMITS, DEFAULT_PORT, type Limits } from '../../shared/src';
import { ConfigError } from './config-error';
import { createEngine } from './engine/engine';
import type { InferencePriority } from './engine/thread-priority';
import type { Engine } from './engine/types';
import { HistoryStore } from './history/store';
import { createApp } from './http/app';
import { ImageStore } from './http/images';
import { SecurityPolicy, isLoopbackHost } from './http/security';
import type { JobQueueApi } from './jobs/api';
import { startStudioFront } from './jobs/bull/front';
import { redactUrl } from './jobs/bull/keys';
import { JobQueue } from './jobs/queue';
import { createLogger, type Logger, type LogLevel } from './logger';
import { ModelCatalog } from './models/catalog';
import { DEMO_NOTICE, ensureDemoModel } from './models/demo-model';
import { HubClient } from './models/hub/http';
import { defaultModelsDir, defaultOutputsDir } from './models/models-dir';
import { PullManager } from './models/pull-manager';
import { listModelFolders } from './runtime/model-folder';
import { version } from '../../package.json';

export interface ServerOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** One model folder, or (with modelsDir) the name of the one to start with. */
  model?: string;
  modelsDir?: string;
  device?: string;
  /** ONNX Runtime intra-op threads; absent = the physical cores. */
  threads?: number;
  /** `--inference-priority`: 'low' (the default) lets the HTTP side and other apps take the CPU first. */
  inferencePriority?: InferencePriority;
  /** Fast mode by default for jobs that do not say, on models that have it (engine/fast-mode.ts). */
  fast?: boolean;
  /** A VAE decoder folder that replaces every model's own (runtime/vae-decoder-folder.ts). */
  vae?: string;
  /** Defaults to ~/InsaneRes/outputs. */
  outputs?: string;
  token?: string;
  allowOrigins?: string[];
  allowHosts?: string[];
  limits?: Partial<Limits>;
  /** Bytes of uploaded images kept in memory (their count is limits.maxStoredImages). */
  maxStoredImageBytes?: number;
  /** Where the demo model is generated (default: the OS's cache folder). */
  cacheDir?: string;
  /** The Hub for model downloads (default: HF_ENDPOINT, else https://huggingface.co). */
  hubEndpoint?: string;
  logger?: Logger;
  logLevel?: LogLevel;
  /** Studio mode: `redis://HOST:6379[/DB]`. Jobs go to BullMQ on that Redis and GPU workers run them; no model here. */
  queue?: string;
  /** Studio mode: the folder every worker reaches too (inputs and results); defaults to `outputs`. */
  sharedOutputs?: string;
  /**
   * A stop asked for during start-up (SIGINT/SIGTERM while the first model loads): what has started is
   * closed (a model load in the worker is let finish, never cut) and startServer rejects with StartStopped.
   */
  stopSignal?: AbortSignal;
}

/** startServer's answer to `stopSignal`: everything it had started is closed again. */
export class StartStopped extends Error {
  constructor() {
    super('stopped during start-up');
  }
}

/** `work`, unless `signal` aborts first: then StartStopped (what `work` does goes on, the caller closes it). */
function unlessStopped<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new StartStopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new StartStopped());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface RunningServer {
  url: string;
  port: number;
  /** What is running, for the start-up banner. */
  describe(): { model: string | null; device: string; demo: boolean; outputs: string; token: boolean };
  /** Stops accepting work, cancels the queued and the running job (recorded as cancelled), closes the engine. */
  close(): Promise<void>;
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? new ConfigError(`port ${port} on ${host} is in use (choose another with --port)`) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Bytes that are not HTTP at all still get the JSON error shape (Node's default answer has no body). */
function answerMalformedHttp(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    tooLarge
      ? new ApiError('HEADERS_TOO_LARGE', 'the request headers are too large').toJSON()
      : new ApiError('INVALID_REQUEST', 'malformed HTTP request').toJSON(),
  );
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const logger = options.logger ?? createLogger(options.logLevel);
  if (!isLoopbackHost(host) && !options.token) {
    throw new ConfigError(
      `--host ${host} would expose the server beyond this machine: start it with --token T as well (clients then send "Authorization: Bearer T")`,
    );
  }
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (options.queue !== undefined) return startStudioServer(options, host, logger, limits);

  // Downloads go to --models-dir, else to the user's InsaneRes/models folder (created here), which is
  // listed beside --model too, so a model pulled from the panel can be picked without a restart.
  const modelsDir = path.resolve(options.modelsDir ?? defaultModelsDir());
  if (options.modelsDir === undefined) fs.mkdirSync(modelsDir, { recursive: true });
  let catalog: ModelCatalog;
  if (options.model !== undefined) {
    // Without --models-dir, --model is a folder path first (as it always was), else an installed model's name.
    const asPath = path.resolve(options.model);
    const byName = options.modelsDir !== undefined || (!fs.existsSync(asPath) && fs.existsSync(path.join(modelsDir, options.model)));
    catalog = ModelCatalog.create({ model: byName ? options.model : asPath, modelsDir });
  } else {
    if (fs.existsSync(modelsDir) && listModelFolders(modelsDir).length > 0) {
      catalog = ModelCatalog.create({ modelsDir });
    } else {
      // No model yet (a fresh machine, or an empty --models-dir): the demo model, until one is pulled.
      const demo = await ensureDemoModel(version, options.cacheDir);
      if (demo.created) logger.info({ dir: demo.dir }, 'generated the tiny demo model');
      catalog = ModelCatalog.create({ model: demo.dir, modelsDir });
    }
  }
  const stopSignal = options.stopSignal;
  const stoppedEarly = (): StartStopped => {
    logger.info('stopped');
    return new StartStopped();
  };
  if (stopSignal?.aborted) throw stoppedEarly();
  const pulls = pullManager(modelsDir, options.hubEndpoint, logger);

  const history = await HistoryStore.open(options.outputs ?? defaultOutputsDir(), logger);
  const engine: Engine = await createEngine({
    device: options.device ?? 'auto', threads: options.threads, vae: options.vae, priority: options.inferencePriority ?? 'low', logger,
  });
  if (stopSignal?.aborted) {
    await engine.close();
    throw stoppedEarly();
  }
  const queue = new JobQueue({
    engine, history, logger, maxQueue: limits.maxQueue, maxResultPixels: limits.maxResultPixels, fastDefault: options.fast ?? false,
  });
  const security = new SecurityPolicy({ host, token: options.token, allowOrigins: options.allowOrigins, allowHosts: options.allowHosts });
  const initial = catalog.initial;
  const serving = await serveHttp({ host, options, logger, limits, engine, queue, history, catalog, security, pulls });
  try {
    // A stop during the load closes the server: the queue waits for the load to end in the worker, then
    // the worker exits by itself (terminating it inside ONNX Runtime would abort the process).
    await unlessStopped(queue.selectModel(initial.name, initial.dir), stopSignal);
  } catch (err) {
    await serving.close();
    if (err instanceof StartStopped) throw err;
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  if (engine.model?.demo) logger.warn(DEMO_NOTICE);
  if (options.fast && engine.model?.fast && !engine.model.fast.available) {
    logger.warn({ model: engine.model.name }, `--fast: jobs run at full quality on this model: ${engine.model.fast.reason}`);
  }
  logger.info({ url: serving.url, model: engine.model?.name, device: engine.device, outputs: history.dir, token: Boolean(options.token) }, 'listening');
  return serving;
}

/** Studio mode's front: the API on a BullMQ queue; GPU workers (`insaneres worker`) run the jobs. */
async function startStudioServer(options: ServerOptions, host: string, logger: Logger, limits: Limits): Promise<RunningServer> {
  const sharedDir = options.sharedOutputs ?? options.outputs ?? defaultOutputsDir();
  const history = await HistoryStore.open(sharedDir, logger, { shared: true });
  const { queue, engine, catalog } = startStudioFront({
    url: options.queue as string, sharedDir: history.dir, history, logger, maxQueue: limits.maxQueue,
    maxResultPixels: limits.maxResultPixels, defaultModel: options.model,
  });
  // A few seconds for Redis, so a restarted front knows its jobs before the first request; then it starts anyway.
  if (!(await queue.ready(5_000))) logger.warn({ queue: redactUrl(options.queue as string) }, 'Redis not reachable yet: answering 503 until it is');
  const security = new SecurityPolicy({ host, token: options.token, allowOrigins: options.allowOrigins, allowHosts: options.allowHosts });
  // Downloads from the front land in its models folder; a worker started on that folder serves them.
  const modelsDir = path.resolve(options.modelsDir ?? defaultModelsDir());
  const pulls = pullManager(modelsDir, options.hubEndpoint, logger);
  const serving = await serveHttp({ host, options, logger, limits, engine, queue, history, catalog, security, pulls });
  logger.info({ url: serving.url, queue: redactUrl(options.queue as string), shared: history.dir, token: Boolean(options.token) }, 'listening');
  return serving;
}

/** Model downloads (one at a time) into `modelsDir`, from `hubEndpoint` or HF_ENDPOINT / the Hub. */
function pullManager(modelsDir: string, hubEndpoint: string | undefined, logger: Logger): PullManager {
  return new PullManager({ modelsDir, logger, ...(hubEndpoint ? { client: () => new HubClient({ endpoint: hubEndpoint }) } : {}) });
}

interface Parts {
  host: string;
  options: ServerOptions;
  logger: Logger;
  limits: Limits;
  engine: Engine;
  queue: JobQueueApi;
  history: HistoryStore;
  catalog: ModelCatalog;
  security: SecurityPolicy;
  pulls: PullManager;
}

/** The HTTP server on its port, and a close that stops the queue first (so SSE streams end cleanly). */
async function serveHttp(parts: Parts): Promise<RunningServer> {
  const { host, options, logger, limits, engine, queue, history, catalog, security, pulls } = parts;
  const images = new ImageStore(
    limits.maxStoredImages,
    options.maxStoredImageBytes ?? 1024 * 1024 * 1024,
  );
  const app = createApp({
    version, engine, queue, history, images, catalog, pulls, security, limits, logger, demoNotice: DEMO_NOTICE, fastDefault: options.fast ?? false,
  });
  // A missing Host is refused by our own guard, with the JSON error shape (Node's check answers with no body).
  const server = http.createServer({ requireHostHeader: false }, app);
  // Big raw uploads over a slow link must not be cut off; idle keep-alive sockets may be.
  server.requestTimeout = 10 * 60 * 1000;
  server.on('clientError', answerMalformedHttp);

  let port: number;
  try {
    port = await listen(server, host, options.port ?? DEFAULT_PORT);
  } catch (err) {
    await queue.close();
    await engine.close();
    throw err;
  }
  security.setPort(port);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      logger.info('stopping: cancelling queued and running jobs');
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await pulls.close();
      await queue.close();
      // Results already reported done get their PNG before the process ends (a hard stop leaves their raw
      // pixels, which the next start encodes).
      await history.pngsWritten();
      // SSE streams have ended with the cancelled state by now; whatever is left is cut.
      server.closeAllConnections();
      await stopped;
      await engine.close();
      logger.info('stopped');
    })());
  const describe = (): ReturnType<RunningServer['describe']> => ({
    model: engine.model?.name ?? null, device: engine.device, demo: engine.model?.demo ?? false, outputs: history.dir, token: Boolean(options.token),
  });
  return { url, port, close, describe };
}
