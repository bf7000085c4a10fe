import * as fs from 'fs';
import * as path from 'path';
import type { RawImage } from '../engine/types';
import { decodePng, encodePng, ImageFormatError } from '../image/png';
import { UsageError } from './args';

export async function readPngFile(file: string): Promise<RawImage> {
  if (!fs.existsSync(file)) throw new UsageError(`--input ${file} does not exist`);
  if (!fs.statSync(file).isFile()) throw new UsageError(`--input ${file} is not a file`);
  try {
    return await decodePng(fs.readFileSync(file));
  } catch (err) {
    if (err instanceof ImageFormatError) throw new UsageError(`--input ${file}: ${err.message} (8- or 16-bit RGB/RGBA PNG expected)`);
    throw err;
  }
}

/** Writes to a temporary name beside the target and renames, so a reader never sees half a file. */
export async function writePngFile(file: string, image: RawImage): Promise<void> {
  const bytes = await encodePng(image);
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
}

export function checkOutputPath(file: string): void {
  if (!/\.png$/i.test(file)) throw new UsageError(`--output ${file} must end in .png`);
  const dir = path.dirname(path.resolve(file));
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`--output: ${dir} is not a folder`);
}
