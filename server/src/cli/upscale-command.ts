import { DEFAULT_LIMITS } from '../../../shared/src/defaults';
import { upscaleParamsSchema } from '../../../shared/src/protocol';
import { createEngine } from '../engine/engine';
import type { Progress } from '../engine/types';
import { planUpscale } from '../pipeline/upscale';
import { numberFlag, parseFlags, requireFlag, UsageError, zodErrorLine } from './args';
import {
  applyFastFlag, checkModelFolder, describeRun, GENERATION_FLAGS, loadOrUsage, parseDevice, parseThreads, parseGenerationFlags, parseVaeFlag, stderrLogger,
} from './generation-flags';
import { checkOutputPath, readPngFile, writePngFile } from './image-files';
import { stderrProgress } from './progress';

export const UPSCALE_FLAGS = {
  ...GENERATION_FLAGS,
  scale: { type: 'string' },
  tile: { type: 'string' },
  overlap: { type: 'string' },
  recipe: { type: 'string' },
  'no-color-match': { type: 'boolean' },
} as const;

/** Parameter name → the flag that sets it, for error lines. */
const FLAG_OF: Record<string, string> = { tileSize: 'tile', tileOverlap: 'overlap', colorMatch: 'no-color-match' };

export function parseUpscaleFlags(values: Record<string, unknown>) {
  const generation = parseGenerationFlags(values, typeof values.prompt === 'string' ? values.prompt : '');
  if (values.recipe !== undefined && values.recipe !== 'insane') {
    throw new UsageError(`--recipe: unknown recipe '${String(values.recipe)}'; accepted: insane`);
  }
  const input = {
    ...generation,
    scale: numberFlag(values, 'scale'),
    tileSize: numberFlag(values, 'tile'),
    tileOverlap: numberFlag(values, 'overlap'),
    colorMatch: values['no-color-match'] === true ? false : undefined,
    recipe: values.recipe,
  };
  const parsed = upscaleParamsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(zodErrorLine(parsed.error, FLAG_OF, input));
  return parsed.data;
}

export async function upscaleCommand(args: string[]): Promise<number> {
  const values = parseFlags('upscale', args, UPSCALE_FLAGS);
  const modelDir = requireFlag(values, 'model', 'a diffusers/optimum ONNX model folder');
  const inputFile = requireFlag(values, 'input', 'the PNG to enlarge');
  const outputFile = requireFlag(values, 'output', 'where to write the result PNG');
  const requested = parseUpscaleFlags(values);
  const device = parseDevice(values.device);
  const threads = parseThreads(values.threads);
  const vae = parseVaeFlag(values.vae);
  checkOutputPath(outputFile);
  checkModelFolder(modelDir);
  const image = await readPngFile(inputFile);
  const { output: size } = planUpscale(image.width, image.height, requested);
  if (size.width * size.height > DEFAULT_LIMITS.maxResultPixels) {
    throw new UsageError(
      `--scale: the result would be ${size.width}×${size.height} px; at most ${DEFAULT_LIMITS.maxResultPixels} pixels are accepted`,
    );
  }

  const engine = await createEngine({ device, threads, vae, logger: stderrLogger });
  try {
    const params = applyFastFlag(values, requested, await loadOrUsage(engine, modelDir, vae));
    const started = performance.now();
    let tiles = 0;
    const report = stderrProgress('upscale');
    const onProgress = (progress: Progress): void => {
      tiles = progress.totalTiles;
      report(progress);
    };
    const output = await engine.upscale(image, params, { onProgress });
    await writePngFile(outputFile, output.image);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const stepsNote = output.stepsRun === 0 ? ' (strength too small for one step: the image is only enlarged)' : '';
    process.stdout.write(
      `wrote ${outputFile} (${output.image.width}×${output.image.height}, seed ${output.seed}, ${tiles} tiles of ` +
        `${output.stepsRun} steps${describeRun(params, output)}, ${seconds} s)${stepsNote}\n`,
    );
    return 0;
  } finally {
    await engine.close();
  }
}
