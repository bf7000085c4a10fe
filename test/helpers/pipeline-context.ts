import type { JobHooks, PipelineContext } from '../../server/src/pipeline/refine';
import { OnnxDiffusionRuntime } from '../../server/src/runtime/onnx-runtime';
import { schedulerConfigFromJson } from '../../server/src/schedulers/scheduler';
import { ClipTokenizer } from '../../server/src/text/clip-tokenizer';

/**
 * A model loaded in this thread, as the engine's worker loads it, for tests that call pipeline functions
 * directly (options the engine does not expose, e.g. hard tile cuts). Call `release` when done. Test files
 * using it need `@jest-environment ./test/helpers/ort-environment.js`.
 */
export async function loadPipelineContext(dir: string): Promise<{ context: PipelineContext; release(): Promise<void> }> {
  const quiet = { info() {}, warn() {} };
  const runtime = await OnnxDiffusionRuntime.load(dir, 'cpu', quiet);
  const { folder } = runtime;
  const { config } = schedulerConfigFromJson(folder.schedulerConfig, { isSd1: folder.isSd1 });
  const tokenizer = ClipTokenizer.fromFiles(folder.files.vocab, folder.files.merges);
  return {
    context: { runtime, tokenizer, schedulerConfig: config, latentScale: folder.latentScale },
    release: () => runtime.release(),
  };
}

/** Hooks that never cancel and keep every progress report. */
export function recordingHooks(): JobHooks & { reports: Parameters<JobHooks['onProgress']>[0][] } {
  const reports: Parameters<JobHooks['onProgress']>[0][] = [];
  return { reports, isCancelled: () => false, onProgress: (progress) => reports.push(progress) };
}
