import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeTinyModel } from '../../scripts/tiny-model/make-tiny-model';
import type { TinyModelOptions } from '../../scripts/tiny-model/options';

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

/** The tiny model written by the real generator (once per option set per test file). */
export function tinyModel(options: TinyModelOptions = {}): Promise<string> {
  const key = JSON.stringify(options);
  let dir = made.get(key);
  if (!dir) {
    const target = path.join(tempDir('tiny'), 'tiny-model');
    dir = Promise.resolve(makeTinyModel(target, options)).then(() => target);
    made.set(key, dir);
  }
  return dir;
}
