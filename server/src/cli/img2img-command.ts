import { createEngine } from '../engine/engine';
import { parseFlags, requireFlag } from './args';
import { checkModelFolder, GENERATION_FLAGS, loadOrUsage, parseDevice, parseThreads, parseGenerationFlags, stderrLogger } from './generation-flags';
import { checkOutputPath, readPngFile, writePngFile } from './image-files';
import { stderrProgress } from './progress';

export async function img2imgCommand(args: string[]): Promise<number> {
  const values = parseFlags('img2img', args, GENERATION_FLAGS);
  const modelDir = requireFlag(values, 'model', 'a diffusers/optimum ONNX model folder');
  const inputFile = requireFlag(values, 'input', 'the PNG to refine');
  const outputFile = requireFlag(values, 'output', 'where to write the result PNG');
  const prompt = typeof values.prompt === 'string' ? values.prompt : requireFlag(values, 'prompt', 'the text prompt');
  const params = parseGenerationFlags(values, prompt);
  const device = parseDevice(values.device);
  const threads = parseThreads(values.threads);
  checkOutputPath(outputFile);
  checkModelFolder(modelDir);
  const image = await readPngFile(inputFile);

  const engine = await createEngine({ device, threads, logger: stderrLogger });
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
