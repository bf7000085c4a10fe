import type { PreviewSource } from '../pipeline/preview';
import type { Img2ImgParams, JobOutput, ModelInfo, Progress, RawImage, UpscaleParams } from './types';

/** Messages between the engine (main thread) and its inference worker. */

export type JobKind = 'img2img' | 'upscale';

export type ToWorker =
  | {
      type: 'load';
      requestId: number;
      dir: string;
      device: string;
      /** intra-op threads; 0 = ONNX Runtime's choice */
      threads: number;
      /** `--vae DIR`: replaces the model's VAE decoder. */
      vae?: string;
    }
  | {
      type: 'run';
      requestId: number;
      kind: JobKind;
      image: RawImage;
      params: (Img2ImgParams | UpscaleParams) & { seed: number };
      /** Int32Array(1) over a SharedArrayBuffer: 1 = cancel. Read between steps without a message round trip. */
      cancelFlag: SharedArrayBuffer;
    }
  /** Handled after the running job: release the sessions and let the worker thread end on its own. */
  | { type: 'close'; requestId: number };

export interface WorkerError {
  code: string;
  message: string;
}

export type FromWorker =
  | { type: 'loaded'; requestId: number; info: ModelInfo }
  /** `previewSource`: the engine makes `progress.preview` from it on its own thread (JobHooks.deferPreview). */
  | { type: 'progress'; requestId: number; progress: Progress; previewSource?: PreviewSource }
  | { type: 'done'; requestId: number; output: JobOutput }
  | { type: 'failed'; requestId: number; error: WorkerError }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };
