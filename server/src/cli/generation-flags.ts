import { img2imgParamsSchema } from '../../../shared/src/protocol';
import { parseSamplerName, parseScheduleType, SCHEDULE_TYPES, unknownSamplerMessage } from '../../../shared/src/samplers';
import * as path from 'path';
import { EngineError } from '../engine/engine';
import { applyFastMode, FAST_STEPS, FastModeError, fastModeOfInfo, resolveFast } from '../engine/fast-mode';
import type { Engine, Img2ImgParams, JobOutput, ModelInfo } from '../engine/types';
import { inspectVaeFolder } from '../runtime/vae-decoder-folder';
import { DEVICES, isDevice } from '../runtime/device';
import { inspectModelFolder, ModelFolderError } from '../runtime/model-folder';
import { numberFlag, UsageError, zodErrorLine } from './args';

/** Flags every generating command takes: model and files, then the img2img parameters (DESIGN §5). */
export const GENERATION_FLAGS = {
  model: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  prompt: { type: 'string' },
  negative: { type: 'string' },
  strength: { type: 'string' },
  steps: { type: 'string' },
  cfg: { type: 'string' },
  seed: { type: 'string' },
  sampler: { type: 'string' },
  scheduler: { type: 'string' },
  eta: { type: 'string' },
  device: { type: 'string' },
  threads: { type: 'string' },
  'no-emphasis': { type: 'boolean' },
  fast: { type: 'boolean' },
  vae: { type: 'string' },
} as const;

/** Parameter name → the flag that sets it, for error lines. */
const FLAG_OF: Record<string, string> = { negativePrompt: 'negative', guidanceScale: 'cfg' };

export function parseDevice(value: unknown): string {
  const device = typeof value === 'string' ? value : 'auto';
  if (!isDevice(device)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, got '${device}'`);
  return device;
}

/** `--threads N`: ONNX Runtime's intra-op threads (absent: the physical cores). */
export function parseThreads(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1 || n > 1024) {
    throw new UsageError(`--threads must be a whole number from 1 to 1024, got '${String(value)}'`);
  }
  return n;
}

/** Parses and validates the generation flags with the protocol's schema (the HTTP API's rules). */
export function parseGenerationFlags(values: Record<string, unknown>, prompt: string) {
  const input = {
    prompt,
    negativePrompt: typeof values.negative === 'string' ? values.negative : undefined,
    strength: numberFlag(values, 'strength'),
    steps: numberFlag(values, 'steps'),
    guidanceScale: numberFlag(values, 'cfg'),
    seed: numberFlag(values, 'seed'),
    sampler: values.sampler,
    scheduler: values.scheduler,
    eta: numberFlag(values, 'eta'),
    emphasis: values['no-emphasis'] === true ? false : undefined,
  };
  if (typeof input.sampler === 'string' && parseSamplerName(input.sampler) === null) {
    throw new UsageError(`--sampler: ${unknownSamplerMessage(input.sampler)}`);
  }
  if (typeof input.scheduler === 'string' && parseScheduleType(input.scheduler) === null) {
    throw new UsageError(`--scheduler: unknown schedule type '${input.scheduler}'; accepted: ${SCHEDULE_TYPES.join(', ')}`);
  }
  const parsed = img2imgParamsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(zodErrorLine(parsed.error, FLAG_OF, input));
  return parsed.data;
}

/** A model folder that does not fit the layout is bad input (exit 2), caught before any session loads. */
export function checkModelFolder(modelDir: string): void {
  try {
    inspectModelFolder(modelDir);
  } catch (err) {
    if (err instanceof ModelFolderError) throw new UsageError(`--model: ${err.message}`);
    throw err;
  }
}

/** `--vae DIR`, checked before any session loads (its model.onnx's inputs are checked when it loads). */
export function parseVaeFlag(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    inspectVaeFolder(String(value));
  } catch (err) {
    if (err instanceof ModelFolderError) throw new UsageError(`--vae: ${err.message}`);
    throw err;
  }
  return path.resolve(String(value));
}

export async function loadOrUsage(engine: Pick<Engine, 'loadModel'>, modelDir: string, vae?: string): Promise<ModelInfo> {
  try {
    return await engine.loadModel(modelDir);
  } catch (err) {
    if (err instanceof EngineError && err.code === 'MODEL_INVALID') {
      // A decoder given with --vae that loads but does not fit is the --vae flag's fault.
      throw new UsageError(`${vae !== undefined && err.message.includes(vae) ? '--vae' : '--model'}: ${err.message}`);
    }
    throw err;
  }
}

/**
 * `--fast` after the model loaded (only then is it known to be LCM-distilled): LCM at 4 steps, or a usage
 * error naming why the model has no fast mode. Flags it overrides are named on stderr.
 */
export function applyFastFlag<P extends Img2ImgParams>(values: Record<string, unknown>, params: P, model: ModelInfo): P {
  if (values.fast !== true) return params;
  let fast: boolean;
  try {
    fast = resolveFast(true, fastModeOfInfo(model), false);
  } catch (err) {
    if (err instanceof FastModeError) throw new UsageError(`--fast: ${err.message}`);
    throw err;
  }
  const overridden = ['steps', 'sampler', 'scheduler', 'eta'].filter((flag) => values[flag] !== undefined);
  if (overridden.length > 0) process.stderr.write(`--fast runs LCM at ${FAST_STEPS} steps: ${overridden.map((f) => `--${f}`).join(', ')} ignored\n`);
  if (model.fast && !model.fast.tinyDecoder) process.stderr.write('--fast: the model has no tiny decoder (vae_decoder_tiny/ or --vae): decoding with the full VAE\n');
  return applyFastMode(params, fast);
}

/** The engine's log lines on stderr, next to the progress. */
export const stderrLogger = {
  info: (_obj: object, msg?: string) => msg && process.stderr.write(`${msg}\n`),
  warn: (_obj: object, msg?: string) => msg && process.stderr.write(`warning: ${msg}\n`),
  error: (_obj: object, msg?: string) => msg && process.stderr.write(`error: ${msg}\n`),
};

/** What the result line adds about how it ran: fast mode and a decoder other than the model's own. */
export function describeRun(params: Img2ImgParams, output: JobOutput): string {
  const parts = [
    params.fast ? 'fast: LCM' : null,
    output.encoder && output.encoder !== 'vae_encoder' ? `encoder ${output.encoder}` : null,
    output.decoder && output.decoder !== 'vae_decoder' ? `decoder ${output.decoder}` : null,
  ];
  return parts.filter((p) => p !== null).map((p) => `, ${p}`).join('');
}
