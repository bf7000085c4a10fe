import * as path from 'path';
import { makeTinyModel } from '../../../scripts/tiny-model/make-tiny-model';
import { UsageError } from './args';

export async function makeTinyModelCommand(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    throw new UsageError('usage: insaneres make-tiny-model DIR');
  }
  const dir = path.resolve(args[0]);
  const started = performance.now();
  await makeTinyModel(dir);
  process.stdout.write(`wrote the tiny test model to ${dir} in ${Math.round(performance.now() - started)} ms (random weights: its images are meaningless)\n`);
  return 0;
}
