import * as path from 'path';
import { makeTinyModel } from '../../../scripts/tiny-model/make-tiny-model';
import { parseFlags, UsageError } from './args';

export async function makeTinyModelCommand(args: string[]): Promise<number> {
  const folders = args.filter((arg) => !arg.startsWith('-'));
  // --inpainting: the 9-channel UNet of an inpainting checkpoint (latents ‖ mask ‖ masked-image latents).
  const values = parseFlags('make-tiny-model', args.filter((arg) => arg.startsWith('-')), { inpainting: { type: 'boolean' } });
  if (folders.length !== 1) throw new UsageError('usage: insaneres make-tiny-model DIR [--inpainting]');
  const dir = path.resolve(folders[0]);
  const started = performance.now();
  await makeTinyModel(dir, { inpainting: values.inpainting === true });
  process.stdout.write(`wrote the tiny test model to ${dir} in ${Math.round(performance.now() - started)} ms (random weights: its images are meaningless)\n`);
  return 0;
}
