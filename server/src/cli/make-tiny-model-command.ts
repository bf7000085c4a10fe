import * as path from 'path';
import { makeTinyModel } from '../../../scripts/tiny-model/make-tiny-model';
import { UsageError } from './args';

/** `make-tiny-model DIR [--full-size]`: the tiny test model, or the real-size SD 1.5 graph for benchmarks. */
export async function makeTinyModelCommand(args: string[]): Promise<number> {
  const fullSize = args.includes('--full-size');
  const rest = args.filter((a) => a !== '--full-size');
  if (rest.length !== 1 || rest[0].startsWith('-')) {
    throw new UsageError('usage: insaneres make-tiny-model DIR [--full-size]');
  }
  const dir = path.resolve(rest[0]);
  const started = performance.now();
  if (fullSize) {
    // Loaded only here: the full-size generator is not needed by the server.
    const { makeFullSizeModel } = require('../../../scripts/tiny-model/full-size/make-full-size-model') as typeof import('../../../scripts/tiny-model/full-size/make-full-size-model');
    const { totalBytes } = await makeFullSizeModel(dir);
    process.stdout.write(
      `wrote the full-size SD 1.5-architecture model (random weights, ${(totalBytes / 1e9).toFixed(2)} GB) to ${dir} in ${Math.round((performance.now() - started) / 1000)} s (its images are meaningless)\n`,
    );
    return 0;
  }
  await makeTinyModel(dir);
  process.stdout.write(`wrote the tiny test model to ${dir} in ${Math.round(performance.now() - started)} ms (random weights: its images are meaningless)\n`);
  return 0;
}
