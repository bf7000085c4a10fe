/**
 * The demo model: with no --model/--models-dir, `serve` generates the tiny random-weight model once into a
 * per-user cache folder, so a fresh `npm start` runs the real loader and pipeline. Its images are meaningless.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeTinyModel } from '../../../scripts/tiny-model/make-tiny-model';
import { pullHint } from './hub/aliases';

export const DEMO_NOTICE =
  'DEMO MODEL: the tiny random-weight model is loaded, so its images are meaningless. ' +
  `To refine for real, ${pullHint()}. ` +
  'Or use your own Stable Diffusion 1.5 ONNX export (diffusers/optimum layout, e.g. from ' +
  '`optimum-cli export onnx --model stable-diffusion-v1-5/stable-diffusion-v1-5 DIR`): ' +
  '`npx insaneres serve --model DIR` (or --models-dir with one folder per model).';

/** The OS's usual cache folder: %LOCALAPPDATA% on Windows, ~/Library/Caches on macOS, XDG elsewhere. */
export function defaultCacheRoot(): string {
  if (process.env.INSANERES_CACHE) return process.env.INSANERES_CACHE;
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'insaneres');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'insaneres');
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'insaneres');
}

/**
 * The demo model's folder, generated on first use. The folder name carries the package version so a
 * newer generator never meets an older model; it is written under a temporary name and renamed, so an
 * interrupted start leaves no half model behind.
 */
export async function ensureDemoModel(version: string, cacheRoot = defaultCacheRoot()): Promise<{ dir: string; created: boolean }> {
  const dir = path.join(cacheRoot, `tiny-model-${version}`);
  if (fs.existsSync(path.join(dir, 'unet', 'model.onnx'))) return { dir, created: false };
  fs.mkdirSync(cacheRoot, { recursive: true });
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await makeTinyModel(tmp);
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another server generated it at the same moment: theirs is as good as ours.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, 'unet', 'model.onnx'))) throw err;
  }
  return { dir, created: true };
}
