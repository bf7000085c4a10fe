/**
 * The inference worker: owns the ONNX sessions, so their blocking run() never stalls the main thread's
 * event loop (HTTP, progress, cancel). One job at a time; messages are handled in arrival order.
 */
import { promises as fsp } from 'fs';
import { parentPort, workerData } from 'worker_threads';
import type { JobHooks, PipelineContext } from '../pipeline/refine';
import { isDevice } from '../runtime/device';
import { OnnxDiffusionRuntime, RuntimeLog } from '../runtime/onnx-runtime';
import { schedulerConfigFromJson } from '../schedulers/scheduler';
import { ClipTokenizer } from '../text/clip-tokenizer';
import type { FromWorker, ToWorker, WorkerError } from './messages';
import { fastModeOf } from './fast-mode';
import { runJob } from './jobs';
import { ProgressThrottle } from './progress-throttle';
import { describePriority, lowerThreadPriority, LOW_PRIORITY_NICE, type InferencePriority } from './thread-priority';
import type { ModelInfo, RawImage } from './types';

if (!parentPort) throw new Error('engine/worker.ts must run in a worker thread');

/** What the engine gives the worker when it starts it. */
export interface WorkerData {
  priority: InferencePriority;
}
const port = parentPort;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

const log: RuntimeLog = {
  info: (message) => post({ type: 'log', level: 'info', message }),
  warn: (message) => post({ type: 'log', level: 'warn', message }),
};

/**
 * Before any session exists, as asked: ONNX Runtime's threads, created with the sessions, inherit this
 * thread's priority. libuv's thread pool (fs and sharp for the whole process, main thread included) is
 * started by the first thread that uses it, and its threads would inherit a lowered priority too: it is
 * made to start first, here at the normal priority, if the main thread has not started it already.
 */
async function setPriority(priority: InferencePriority): Promise<void> {
  if (priority !== 'low') return;
  await fsp.stat(__filename);
  post({ type: 'log', level: 'info', message: describePriority(lowerThreadPriority(LOW_PRIORITY_NICE)) });
}

let loaded: { runtime: OnnxDiffusionRuntime; context: PipelineContext; info: ModelInfo } | null = null;

function toWorkerError(err: unknown): WorkerError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'MODEL_FAILED';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return { code, message };
}

async function load(dir: string, device: string, threads: number, vae: string | undefined): Promise<ModelInfo> {
  if (!isDevice(device)) throw Object.assign(new Error(`unknown device '${device}'`), { code: 'INVALID_REQUEST' });
  const runtime = await OnnxDiffusionRuntime.load(dir, device, log, threads, { vae });
  const { folder } = runtime;
  const { config, notes } = schedulerConfigFromJson(folder.schedulerConfig, { isSd1: folder.isSd1 });
  for (const note of notes) log.info(`model ${folder.name}: ${note}`);
  const tokenizer = ClipTokenizer.fromFiles(folder.files.vocab, folder.files.merges);
  if (loaded) await loaded.runtime.release();
  const fast = fastModeOf(folder.name, runtime.timestepCondDim, runtime.tinyDecoder);
  const info: ModelInfo = { name: folder.name, dir: folder.dir, demo: folder.demo, device: runtime.provider, fast };
  loaded = { runtime, context: { runtime, tokenizer, schedulerConfig: config, latentScale: folder.latentScale, scratch: new Map() }, info };
  return info;
}

/** What to transfer with a message: an image's own buffer (shared memory is shared, never transferred). */
function buffersOf(image: RawImage | undefined): ArrayBuffer[] {
  return image && image.data.buffer instanceof ArrayBuffer ? [image.data.buffer] : [];
}

async function handle(message: ToWorker): Promise<void> {
  const { requestId } = message;
  try {
    if (message.type === 'load') {
      post({ type: 'loaded', requestId, info: await load(message.dir, message.device, message.threads, message.vae) });
      return;
    }
    if (message.type === 'close') {
      await loaded?.runtime.release();
      loaded = null;
      // Nothing else keeps the thread alive: it ends by itself, never inside session.run.
      port.close();
      return;
    }
    if (!loaded) throw Object.assign(new Error('no model is loaded'), { code: 'NOT_READY' });
    const flag = new Int32Array(message.cancelFlag);
    const throttle = new ProgressThrottle();
    const hooks: JobHooks = {
      isCancelled: () => Atomics.load(flag, 0) === 1,
      previewDue: () => throttle.previewDue(),
      onProgress: (progress) => {
        if (throttle.shouldPost(progress)) post({ type: 'progress', requestId, progress }, buffersOf(progress.preview));
      },
      // The preview is made on the engine's thread, while this one runs the next step: on a GPU, where a
      // step takes milliseconds, that takes it out of the job's time; here it costs a 64 KB copy.
      deferPreview: (progress, previewSource) => {
        throttle.shouldPost(progress, true);
        post({ type: 'progress', requestId, progress, previewSource }, [previewSource.latents.data.buffer as ArrayBuffer]);
      },
    };
    // Uploads arrive in shared memory and the job reads them there: no pipeline writes into its input
    // (each copies first where it would), so the 1 MB copy made here before (~8 ms with its fresh pages'
    // faults at 512²) is gone. "uploads in shared memory" in engine.test.ts checks the input after each kind of job.
    const output = await runJob(loaded.context, loaded.runtime, loaded.info, message, hooks);
    post({ type: 'done', requestId, output }, buffersOf(output.image));
  } catch (err) {
    post({ type: 'failed', requestId, error: toWorkerError(err) });
  }
}

// Never in the way of a job: a failure here is logged, and the jobs run at the normal priority.
let queue = setPriority((workerData as WorkerData).priority).catch((err: unknown) => post({ type: 'log', level: 'warn', message: `inference priority: ${String(err)}` }));
port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});
