/**
 * Pixels in studio mode never travel through Redis as job data. Inputs are written by the front into the
 * shared outputs folder (`inputs/<job>.rgba`: raw samples, no PNG encode or decode on either side) and read
 * by the worker; results go into the same folder as history entries (PNG + JSON sidecar). Only live previews,
 * a few KB each, go through Redis, because they change every step and are not worth a file.
 */
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import type { RawImage } from '../../engine/types';

const INPUTS = 'inputs';

function inputPath(sharedDir: string, relative: string): string {
  // Job data comes from Redis: a reference must stay inside the shared folder.
  const resolved = path.resolve(sharedDir, relative);
  if (!resolved.startsWith(path.resolve(sharedDir, INPUTS) + path.sep)) throw new Error(`input reference "${relative}" leaves the shared folder`);
  return resolved;
}

/** 16-byte header (magic, width, height, channels | bitDepth << 8), then the samples little-endian. */
const MAGIC = 0x49525631; // "IRV1"

export function encodeRaw(image: RawImage): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(image.width, 4);
  header.writeUInt32LE(image.height, 8);
  header.writeUInt32LE(image.channels | (image.bitDepth << 8), 12);
  const body = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return Buffer.concat([header, body]);
}

export function decodeRaw(bytes: Buffer): RawImage {
  if (bytes.byteLength < 16 || bytes.readUInt32LE(0) !== MAGIC) throw new Error('not an InsaneRes raw image');
  const width = bytes.readUInt32LE(4);
  const height = bytes.readUInt32LE(8);
  const packed = bytes.readUInt32LE(12);
  const channels = (packed & 0xff) as 3 | 4;
  const bitDepth = (packed >> 8) as 8 | 16;
  const samples = width * height * channels;
  const byteLength = samples * (bitDepth === 16 ? 2 : 1);
  if (bytes.byteLength !== 16 + byteLength || (channels !== 3 && channels !== 4) || (bitDepth !== 8 && bitDepth !== 16)) {
    throw new Error(`raw image header says ${width}×${height}×${channels} at ${bitDepth} bit, the file holds ${bytes.byteLength - 16} bytes`);
  }
  // A copy: typed arrays need aligned, exclusively owned memory (and the engine may transfer it).
  const copy = new ArrayBuffer(byteLength);
  new Uint8Array(copy).set(bytes.subarray(16));
  const data = bitDepth === 16 ? new Uint16Array(copy) : new Uint8Array(copy);
  return { width, height, channels, bitDepth, data };
}

/** Writes the input (temp name, then rename, so a worker never reads half a file); returns its reference. */
export async function writeInput(sharedDir: string, jobId: string, image: RawImage): Promise<string> {
  const relative = `${INPUTS}/${jobId}.rgba`;
  const file = inputPath(sharedDir, relative);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(3).toString('hex')}.part`;
  await fsp.writeFile(tmp, encodeRaw(image));
  await fsp.rename(tmp, file);
  return relative;
}

export async function readInput(sharedDir: string, relative: string): Promise<RawImage> {
  return decodeRaw(await fsp.readFile(inputPath(sharedDir, relative)));
}

export async function removeInput(sharedDir: string, relative: string): Promise<void> {
  await fsp.rm(inputPath(sharedDir, relative), { force: true });
}
