import * as path from 'path';
import { makeTinyModel } from '../../../scripts/tiny-model/make-tiny-model';
import { parseFlags, UsageError } from './args';

/**
 * `make-tiny-model DIR [--inpainting | --full-size] [--lcm] [--taesd]`: the tiny test model, or the
 * real-size SD 1.5 graph for benchmarks; `--lcm` gives the UNet a timestep_cond input (LCM-distilled, 256
 * wide as LCM_Dreamshaper_v7's), `--taesd` adds TAESD's decoder and encoder in vae_decoder_tiny/ and vae_encoder_tiny/ (fast mode).
 */
export async function makeTinyModelCommand(args: string[]): Promise<number> {
  const folders = args.filter((arg) => !arg.startsWith('-'));
  // --inpainting: the 9-channel UNet of an inpainting checkpoint (latents ‖ mask ‖ masked-image latents).
  // --full-size: the real-size SD 1.5 graph with random weights, for benchmarks.
  const values = parseFlags('make-tiny-model', args.filter((arg) => arg.startsWith('-')), {
    inpainting: { type: 'boolean' },
    'full-size': { type: 'boolean' },
    lcm: { type: 'boolean' },
    taesd: { type: 'boolean' },
  });
  if (folders.length !== 1) throw new UsageError('usage: insaneres make-tiny-model DIR [--inpainting | --full-size] [--lcm] [--taesd]');
  if (values.inpainting === true && values['full-size'] === true) throw new UsageError('--inpainting and --full-size do not go together (the full-size model has a 4-channel UNet)');
  const variant = { timestepCondDim: values.lcm === true ? 256 : 0, tinyDecoder: values.taesd === true };
  const dir = path.resolve(folders[0]);
  const started = performance.now();
  if (values['full-size'] === true) {
    // Loaded only here: the full-size generator is not needed by the server.
    const { makeFullSizeModel } = require('../../../scripts/tiny-model/full-size/make-full-size-model') as typeof import('../../../scripts/tiny-model/full-size/make-full-size-model');
    const { totalBytes } = await makeFullSizeModel(dir, undefined, 'float32', variant);
    process.stdout.write(
      `wrote the full-size SD 1.5-architecture model (random weights, ${(totalBytes / 1e9).toFixed(2)} GB) to ${dir} in ${Math.round((performance.now() - started) / 1000)} s (its images are meaningless)\n`,
    );
    return 0;
  }
  await makeTinyModel(dir, { inpainting: values.inpainting === true, ...variant });
  process.stdout.write(`wrote the tiny test model to ${dir} in ${Math.round(performance.now() - started)} ms (random weights: its images are meaningless)\n`);
  return 0;
}
