import { refineCrop, JobHooks, PipelineContext } from '../pipeline/refine';
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
  const before = { ...runtime.stats };
  const start = performance.now();
  let result;
  if (message.kind === 'img2img') {
    result = await refineCrop(context, message.image, message.params, hooks, timings);
  } else {
    throw Object.assign(new Error('upscale jobs are not available in this build'), { code: 'INVALID_REQUEST' });
  }
  timings.total = performance.now() - start;
  // Time spent inside session.run (the benchmark's "not inside run" share is total − this).
  timings.sessionRun = totalRunTime(runtime.stats) - totalRunTime(before);
  return { image: result.image, seed: message.params.seed, stepsRun: result.stepsRun, timings };
}
