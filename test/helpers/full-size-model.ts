import * as path from 'path';
import { makeFullSizeModel, type FullSizeShape } from '../../scripts/tiny-model/full-size/make-full-size-model';
import { cachedModel } from './model-cache';
import { tempDir } from './tiny-model';

const GENERATOR = path.resolve(__dirname, '../../scripts/tiny-model/full-size/make-full-size-model.ts');

/** SD 1.5's depth and ops at a width that runs in seconds: what the full-size model's tests check. */
export const REDUCED_SHAPE: FullSizeShape = { unetBase: 32, vaeBase: 32, textWidth: 64, textLayers: 2, textHeads: 4 };

let made: Promise<string> | null = null;

/**
 * The full-size generator's plain model at REDUCED_SHAPE, made once per test run for the files that check
 * it (test/helpers/model-cache.ts), or once per file where the run has no cache. Never write into it.
 */
export function reducedFullSizeModel(): Promise<string> {
  made ??= (async () => {
    const make = (dir: string) => makeFullSizeModel(dir, REDUCED_SHAPE);
    const cached = await cachedModel({ generator: GENERATOR, options: REDUCED_SHAPE, name: 'full-size-reduced', make });
    if (cached) return cached;
    const dir = path.join(tempDir('full-size'), 'full-size-reduced');
    await make(dir);
    return dir;
  })();
  return made;
}
