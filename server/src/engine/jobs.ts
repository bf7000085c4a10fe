import { inpaintImage, ResolvedInpaintParams } from '../pipeline/inpaint/inpaint';
import { refineCrop, JobHooks, PipelineContext } from '../pipeline/refine';
import { ResolvedUpscaleParams, upscaleImage } from '../pipeline/upscale';
import type { OnnxDiffusionRuntime, RunStats } from '../runtime/onnx-runtime';
import type { ToWorker } from './messages';
import type { JobOutput } from './types';

function totalRunTime(stats: RunStats): number {
  return stats.textEncoder + stats.unet + stats.vaeEncoder + stats.vaeDecoder;
}

/** Runs one job of any kind inside the worker and reports where its time went. */
export async function runJob(
  context: PipelineContext,
  runtime: OnnxDiffusionRuntime,
  message: Extract<ToWorker, { type: 'run' }>,
  hooks: JobHooks,
): Promise<JobOutput> {
  const timings: Record<string, number> = {};
  // Time spent reporting progress (throttling, previews' transfer, postMessage), part of the job's overhead.
  const timedHooks: JobHooks = {
    ...hooks,
    onProgress: (progress) => {
      const start = performance.now();
      hooks.onProgress(progress);
      timings.progress = (timings.progress ?? 0) + (performance.now() - start);
    },
  };
  const before = { ...runtime.stats };
  const start = performance.now();
  let result;
  if (message.kind === 'img2img' && message.params.inpaint) {
    result = await inpaintImage(context, message.image, message.params as ResolvedInpaintParams, timedHooks, timings);
  } else if (message.kind === 'img2img') {
    result = await refineCrop(context, message.image, message.params, timedHooks, timings);
  } else {
    // The message's kind says which parameters it carries (checked by the schema on the way in).
    result = await upscaleImage(context, message.image, message.params as ResolvedUpscaleParams, timedHooks, timings);
  }
  timings.total = performance.now() - start;
  // Time spent inside session.run (the benchmark's "not inside run" share is total − this).
  timings.sessionRun = totalRunTime(runtime.stats) - totalRunTime(before);
  return { image: result.image, seed: message.params.seed, stepsRun: result.stepsRun, timings };
}
