import * as path from 'path';
import { Worker } from 'worker_threads';
import { cropPreview, warmUpPreview } from '../pipeline/preview';
import { randomSeed } from '../rng/philox';
import { resolveThreads } from '../runtime/threads';
import type { FromWorker, JobKind, ToWorker, WorkerError } from './messages';
import type { InferencePriority } from './thread-priority';
import type { WorkerData } from './worker';
import type { Engine, Img2ImgParams, JobOutput, ModelInfo, Progress, RawImage, RunOptions, UpscaleParams } from './types';

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineOptions {
  device: string;
  /** ONNX Runtime intra-op threads; absent or 0 = the physical cores (runtime/threads.ts). */
  threads?: number;
  /** `--vae DIR`: a VAE decoder folder that replaces every model's own (runtime/vae-decoder-folder.ts). */
  vae?: string;
  /** 'low': the inference threads yield the CPU to everything else (engine/thread-priority.ts). Default 'normal'. */
  priority?: InferencePriority;
  logger?: EngineLogger;
}

/** A job or load that failed in the worker; `code` is one of the shared error codes. */
export class EngineError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: Progress) => void;
  /** Milliseconds this thread spent making the job's live previews (reported as timings.previewEngineThread). */
  previewMs?: number;
}

const WORKER_ENTRY = path.join(__dirname, 'worker-entry.js');

const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };

/** Seeds are 32-bit unsigned like A1111's; −1 (or any negative) asks for a random one. */
export function resolveSeed(seed: number): number {
  return seed < 0 ? randomSeed() : seed;
}

class WorkerEngine implements Engine {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private current: ModelInfo | null = null;
  private closed = false;
  /** The cancel flag of every run in flight, so that close() can stop them between steps. */
  private readonly cancelFlags = new Map<object, Int32Array>();

  constructor(
    readonly requestedDevice: string,
    private readonly logger: EngineLogger,
    readonly threads: number,
    private readonly vae: string | undefined,
    private readonly priority: InferencePriority,
  ) {
    this.spawn();
  }

  get device(): string {
    return this.current?.device ?? this.requestedDevice;
  }

  get model(): ModelInfo | null {
    return this.current;
  }

  private spawn(): void {
    const workerData: WorkerData = { priority: this.priority };
    this.worker = new Worker(WORKER_ENTRY, { workerData });
    this.worker.on('message', (message: FromWorker) => this.onMessage(message));
    this.worker.on('error', (err) => this.logger.error({ err: err.message }, 'inference worker error'));
    this.worker.on('exit', (code) => this.onExit(code));
  }

  /** A crashed worker fails what it held, then comes back with the last model so the server keeps serving. */
  private onExit(code: number): void {
    if (this.closed) return;
    this.logger.error({ code }, 'inference worker stopped unexpectedly; restarting it');
    for (const [, p] of this.pending) p.reject(new EngineError('MODEL_FAILED', `the inference worker stopped (exit code ${code})`));
    this.pending.clear();
    this.spawn();
    const model = this.current;
    this.current = null;
    if (model) this.loadModel(model.dir).catch((err) => this.logger.error({ err: (err as Error).message }, 'reloading the model failed'));
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'log') {
      this.logger[message.level]({ source: 'engine' }, message.message);
      return;
    }
    const pending = this.pending.get(message.requestId);
    if (!pending) return;
    switch (message.type) {
      case 'progress': {
        let { progress } = message;
        if (message.previewSource && pending.onProgress) {
          const started = performance.now();
          const { latents, visibleWidth, visibleHeight } = message.previewSource;
          progress = { ...progress, preview: cropPreview(latents, visibleWidth, visibleHeight) };
          pending.previewMs = (pending.previewMs ?? 0) + (performance.now() - started);
        }
        pending.onProgress?.(progress);
        return;
      }
      case 'loaded':
        this.pending.delete(message.requestId);
        pending.resolve(message.info);
        return;
      case 'done':
        this.pending.delete(message.requestId);
        if (pending.previewMs !== undefined) message.output.timings.previewEngineThread = pending.previewMs;
        pending.resolve(message.output);
        return;
      case 'failed':
        this.pending.delete(message.requestId);
        pending.reject(new EngineError(message.error.code, message.error.message));
        return;
    }
  }

  private request<T>(build: (requestId: number) => ToWorker, onProgress?: (p: Progress) => void, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new EngineError('NOT_READY', 'the engine is closed'));
    const requestId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.worker.postMessage(build(requestId), transfer);
    });
  }

  async loadModel(dir: string): Promise<ModelInfo> {
    const info = await this.request<ModelInfo>((requestId) => ({ type: 'load', requestId, dir, device: this.requestedDevice, threads: this.threads, vae: this.vae }));
    this.current = info;
    return info;
  }

  private run(kind: JobKind, image: RawImage, params: Img2ImgParams | UpscaleParams, options: RunOptions = {}): Promise<JobOutput> {
    const cancelFlag = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancelFlag);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new EngineError('CANCELLED', 'cancelled'));
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const key = {};
    this.cancelFlags.set(key, flag);
    const resolved = { ...params, seed: resolveSeed(params.seed) };
    // Not transferred: the caller keeps its image (e.g. the server's upload store). Pixels in shared memory
    // (the server's uploads) cross without a copy; plain buffers are cloned by postMessage.
    return this.request<JobOutput>((requestId) => ({ type: 'run', requestId, kind, image, params: resolved, cancelFlag }), options.onProgress).finally(
      () => {
        signal?.removeEventListener('abort', onAbort);
        this.cancelFlags.delete(key);
      },
    );
  }

  img2img(image: RawImage, params: Img2ImgParams, options?: RunOptions): Promise<JobOutput> {
    return this.run('img2img', image, params, options);
  }

  upscale(image: RawImage, params: UpscaleParams, options?: RunOptions): Promise<JobOutput> {
    return this.run('upscale', image, params, options);
  }

  /**
   * Cancels what runs (it stops between steps), then lets the worker finish its current message, release
   * its sessions and exit by itself. Never `worker.terminate()` here: onnxruntime-node aborts the whole
   * process (exit 134) when a worker is terminated inside `session.run`.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const flag of this.cancelFlags.values()) Atomics.store(flag, 0, 1);
    for (const [, p] of this.pending) p.reject(new EngineError('CANCELLED', 'the engine was closed'));
    this.pending.clear();
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const slow = setTimeout(() => this.logger.warn({}, 'waiting for the running model step to finish before the worker stops'), 2000);
    this.worker.postMessage({ type: 'close', requestId: this.nextId++ } satisfies ToWorker);
    await exited;
    clearTimeout(slow);
  }
}

/** Starts the inference worker. Load a model with `loadModel` before running jobs. */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  // This thread makes the live previews (onMessage): not the first one in V8's interpreter, in a job.
  warmUpPreview();
  return new WorkerEngine(options.device, options.logger ?? silentLogger, resolveThreads(options.threads), options.vae, options.priority ?? 'normal');
}
