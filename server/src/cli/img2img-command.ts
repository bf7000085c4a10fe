import { createEngine } from '../engine/engine';
import type { Img2ImgParams } from '../engine/types';
import { parseFlags, requireFlag } from './args';
import {
  applyFastFlag, checkModelFolder, describeRun, GENERATION_FLAGS, loadOrUsage, parseDevice, parseThreads, parseGenerationFlags, parseVaeFlag, stderrLogger,
} from './generation-flags';
import { checkOutputPath, readPngFile, writePngFile } from './image-files';
import { INPAINT_FLAGS, parseInpaintFlags, readMaskFile } from './inpaint-flags';
import { stderrProgress } from './progress';

export async function img2imgCommand(args: string[]): Promise<number> {
  const values = parseFlags('img2img', args, { ...GENERATION_FLAGS, ...INPAINT_FLAGS });
  const modelDir = requireFlag(values, 'model', 'a diffusers/optimum ONNX model folder');
  const inputFile = requireFlag(values, 'input', 'the PNG to refine');
  const outputFile = requireFlag(values, 'output', 'where to write the result PNG');
  const prompt = typeof values.prompt === 'string' ? values.prompt : requireFlag(values, 'prompt', 'the text prompt');
  const params = parseGenerationFlags(values, prompt);
  const inpaint = parseInpaintFlags(values);
  const device = parseDevice(values.device);
  const threads = parseThreads(values.threads);
  const vae = parseVaeFlag(values.vae);
  checkOutputPath(outputFile);
  checkModelFolder(modelDir);
  const image = await readPngFile(inputFile);
  const withMask: Img2ImgParams = inpaint ? { ...params, inpaint: { ...inpaint.settings, mask: await readMaskFile(inpaint.maskFile, image) } } : params;

  const engine = await createEngine({ device, threads, vae, logger: stderrLogger });
  try {
    const model = await loadOrUsage(engine, modelDir, vae);
    const jobParams = applyFastFlag(values, withMask, model);
    const started = performance.now();
    const output = await engine.img2img(image, jobParams, { onProgress: stderrProgress('img2img') });
    await writePngFile(outputFile, output.image);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const nothing = inpaint ? 'the mask is empty or the strength too small for one step' : 'strength too small for one step';
    const stepsNote = output.stepsRun === 0 ? ` (${nothing}: the input is returned unchanged)` : '';
    process.stdout.write(
      `wrote ${outputFile} (${output.image.width}×${output.image.height}, seed ${output.seed}, ${output.stepsRun} steps${describeRun(jobParams, output)}, ${seconds} s)${stepsNote}\n`,
    );
    return 0;
  } finally {
    await engine.close();
  }
}
