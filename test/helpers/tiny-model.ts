import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeTinyModel } from '../../scripts/tiny-model/make-tiny-model';
import { resolveOptions, type TinyModelOptions } from '../../scripts/tiny-model/options';
import { cachedModel } from './model-cache';

const GENERATOR = path.resolve(__dirname, '../../scripts/tiny-model/make-tiny-model.ts');

const made = new Map<string, Promise<string>>();

const temporary: string[] = [];
// Registered in every test file that imports this module: its temp folders go when the file ends. (A
// process 'exit' listener instead would keep each file's whole module graph alive in the jest worker, whose
// heap then grows file after file until the worker cannot exit in time at the end of a full run.)
afterAll(() => {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `insaneres-${prefix}-`));
  temporary.push(dir);
  return dir;
}

/**
 * The tiny model written by the real generator into a folder called `name`: made once per option set per
 * test run and shared by every test file (test/helpers/model-cache.ts), or once per file where the run has
 * no cache. Never write into it: copy it first (fs.cpSync) to change or break a model.
 */
export function tinyModel(options: TinyModelOptions = {}, name = 'tiny-model'): Promise<string> {
  const key = `${name}\0${JSON.stringify(options)}`;
  let dir = made.get(key);
  if (!dir) {
    dir = (async () => {
      const make = (target: string) => makeTinyModel(target, options);
      const cached = await cachedModel({ generator: GENERATOR, options: resolveOptions(options), name, make });
      if (cached) return cached;
      const target = path.join(tempDir('tiny'), name);
      await make(target);
      return target;
    })();
    made.set(key, dir);
  }
  return dir;
}
