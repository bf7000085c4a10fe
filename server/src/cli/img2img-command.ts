import { img2imgParamsSchema } from '../../../shared/src/protocol';
import { createEngine, EngineError } from '../engine/engine';
import { isDevice, DEVICES } from '../runtime/device';
import { inspectModelFolder, ModelFolderError } from '../runtime/model-folder';
import { numberFlag, parseFlags, requireFlag, UsageError, zodErrorLine } from './args';
import { checkOutputPath, readPngFile, writePngFile } from './image-files';
import { stderrProgress } from './progress';

const FLAGS = {
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
  eta: { type: 'string' },
  device: { type: 'string' },
  'no-emphasis': { type: 'boolean' },
} as const;

/** Parameter name → the flag that sets it, for error lines. */
const FLAG_OF: Record<string, string> = { negativePrompt: 'negative', guidanceScale: 'cfg' };

export function parseDevice(value: unknown): string {
  const device = typeof value === 'string' ? value : 'auto';
  if (!isDevice(device)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, got '${device}'`);
  return device;
}

/** Parses and validates the shared generation flags with the protocol's schema (the HTTP API's rules). */
export function parseGenerationFlags(values: Record<string, unknown>, prompt: string) {
  const input = {
    prompt,
    negativePrompt: typeof values.negative === 'string' ? values.negative : undefined,
    strength: numberFlag(values, 'strength'),
    steps: numberFlag(values, 'steps'),
    guidanceScale: numberFlag(values, 'cfg'),
    seed: numberFlag(values, 'seed'),
    sampler: values.sampler,
    eta: numberFlag(values, 'eta'),
    emphasis: values['no-emphasis'] === true ? false : undefined,
  };
  if (typeof input.sampler === 'string' && input.sampler !== 'ddim') {
    throw new UsageError(`--sampler: unknown sampler '${input.sampler}'; accepted: ddim`);
  }
  const parsed = img2imgParamsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(zodErrorLine(parsed.error, FLAG_OF, input));
  return parsed.data;
}

export async function img2imgCommand(args: string[]): Promise<number> {
  const values = parseFlags('img2img', args, FLAGS);
  const modelDir = requireFlag(values, 'model', 'a diffusers/optimum ONNX model folder');
  const inputFile = requireFlag(values, 'input', 'the PNG to refine');
  const outputFile = requireFlag(values, 'output', 'where to write the result PNG');
  const prompt = typeof values.prompt === 'string' ? values.prompt : requireFlag(values, 'prompt', 'the text prompt');
  const params = parseGenerationFlags(values, prompt);
  const device = parseDevice(values.device);
  checkOutputPath(outputFile);
  try {
    inspectModelFolder(modelDir);
  } catch (err) {
    if (err instanceof ModelFolderError) throw new UsageError(`--model: ${err.message}`);
    throw err;
  }
  const image = await readPngFile(inputFile);

  const engine = await createEngine({ device, logger: stderrLogger });
  try {
    await loadOrUsage(engine, modelDir);
    const started = performance.now();
    const output = await engine.img2img(image, params, { onProgress: stderrProgress('img2img') });
    await writePngFile(outputFile, output.image);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const stepsNote = output.stepsRun === 0 ? ' (strength too small for one step: the input is returned unchanged)' : '';
    process.stdout.write(
      `wrote ${outputFile} (${output.image.width}×${output.image.height}, seed ${output.seed}, ${output.stepsRun} steps, ${seconds} s)${stepsNote}\n`,
    );
    return 0;
  } finally {
    await engine.close();
  }
}

export async function loadOrUsage(engine: { loadModel(dir: string): Promise<unknown> }, modelDir: string): Promise<void> {
  try {
    await engine.loadModel(modelDir);
  } catch (err) {
    if (err instanceof EngineError && err.code === 'MODEL_INVALID') throw new UsageError(`--model: ${err.message}`);
    throw err;
  }
}

export const stderrLogger = {
  info: (_obj: object, msg?: string) => msg && process.stderr.write(`${msg}\n`),
  warn: (_obj: object, msg?: string) => msg && process.stderr.write(`warning: ${msg}\n`),
  error: (_obj: object, msg?: string) => msg && process.stderr.write(`error: ${msg}\n`),
};
