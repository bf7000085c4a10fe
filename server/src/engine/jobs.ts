import { inpaintImage, ResolvedInpaintParams } from '../pipeline/inpaint/inpaint';
import { refineCrop, JobHooks, PipelineContext } from '../pipeline/refine';
import { ResolvedUpscaleParams, upscaleImage } from '../pipeline/upscale';
import type { OnnxDiffusionRuntime, RunStats } from '../runtime/onnx-runtime';
import { threadTimes } from '../runtime/thread-cpu';
import { applyFastMode, fastModeOfInfo, resolveFast } from './fast-mode';
import type { ToWorker } from './messages';
import type { JobOutput, ModelInfo } from './types';

const RUN_PARTS = ['textEncoder', 'unet', 'vaeEncoder', 'vaeDecoder'] as const satisfies readonly (keyof RunStats)[];

function totalRunTime(stats: RunStats): number {
  return stats.textEncoder + stats.unet + stats.vaeEncoder + stats.vaeDecoder;
}

/** Runs one job of any kind inside the worker and reports where its time went. */
export async function runJob(
  context: PipelineContext,
  runtime: OnnxDiffusionRuntime,
  model: ModelInfo,
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
  const runCpuBefore = runtime.runThreadCpuMs;
  const threadBefore = threadTimes();
  const start = performance.now();
  // Callers resolve the default (server setting, CLI flag); here only `true` means fast, and a model
  // without fast mode refuses it whoever asked.
  const fast = resolveFast(message.params.fast === true ? true : undefined, fastModeOfInfo(model), false);
  const params = applyFastMode(message.params, fast);
  const jobRuntime = runtime.forJob({ fast });
  const jobContext: PipelineContext = { ...context, runtime: jobRuntime };
  let result;
  if (message.kind === 'img2img' && params.inpaint) {
    result = await inpaintImage(jobContext, message.image, params as ResolvedInpaintParams, timedHooks, timings);
  } else if (message.kind === 'img2img') {
    result = await refineCrop(jobContext, message.image, params, timedHooks, timings);
  } else {
    // The message's kind says which parameters it carries (checked by the schema on the way in).
    result = await upscaleImage(jobContext, message.image, params as ResolvedUpscaleParams, timedHooks, timings);
  }
  timings.total = performance.now() - start;
  // Time spent inside session.run (the benchmark's "not inside run" share is total − this), in all and
  // per model part, so each stage's own work (its timing minus its runs) can be told apart.
  timings.sessionRun = totalRunTime(runtime.stats) - totalRunTime(before);
  for (const part of RUN_PARTS) timings[`run.${part}`] = runtime.stats[part] - before[part];
  const threadAfter = threadTimes();
  if (threadBefore && threadAfter) {
    // This thread's CPU time outside session.run, and how long it waited for a CPU (the machine's load).
    timings['cpu.outsideRun'] = threadAfter.cpuMs - threadBefore.cpuMs - (runtime.runThreadCpuMs - runCpuBefore);
    timings['cpu.waited'] = threadAfter.waitMs - threadBefore.waitMs;
  }
  return { image: result.image, seed: message.params.seed, stepsRun: result.stepsRun, timings, decoder: jobRuntime.decoder.label, encoder: jobRuntime.encoder };
}
