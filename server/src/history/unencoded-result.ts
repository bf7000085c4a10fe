/**
 * A finished result's pixels as written before its PNG exists: the history's durable form while the PNG
 * encodes after the job is reported done (store.ts). Writing 1 MB of raw pixels and flushing them takes a
 * few ms where the PNG encode of a 512² result took ~50 ms on the job's path (scripts/bench/overhead-bench.ts).
 *
 * Layout: a 16-byte header, then the samples row by row, interleaved, 16-bit ones little-endian.
 *   0  'IRRW'   4  version (1)   5  channels (3|4)   6  bit depth (8|16)   7  0
 *   8  width (uint32 LE)   12  height (uint32 LE)
 * It is ours alone: only the store writes and reads it, and it lives only until the PNG is in place.
 */
import * as os from 'os';
import type { RawImage } from '../engine/types';

const MAGIC = 'IRRW';
const VERSION = 1;
const HEADER_BYTES = 16;

function byteLengthOf(width: number, height: number, channels: number, bitDepth: number): number {
  return width * height * channels * (bitDepth / 8);
}

/** The file's parts (header, then a view of the samples: no copy on a little-endian machine). */
export function unencodedParts(image: RawImage): Buffer[] {
  const { width, height, channels, bitDepth, data } = image;
  const expected = byteLengthOf(width, height, channels, bitDepth);
  if (data.byteLength !== expected) {
    throw new Error(`a ${width}×${height} ${channels}-channel ${bitDepth}-bit image needs ${expected} bytes of samples, got ${data.byteLength}`);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt8(VERSION, 4);
  header.writeUInt8(channels, 5);
  header.writeUInt8(bitDepth, 6);
  header.writeUInt32LE(width, 8);
  header.writeUInt32LE(height, 12);
  let samples = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bitDepth === 16 && os.endianness() === 'BE') samples = Buffer.from(samples).swap16();
  return [header, samples];
}

/** The image back from a file's bytes; throws, naming what is wrong, for anything but a complete file. */
export function readUnencoded(bytes: Buffer): RawImage {
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 4) !== MAGIC) throw new Error('not an unencoded result (no IRRW header)');
  if (bytes.readUInt8(4) !== VERSION) throw new Error(`unknown unencoded-result version ${bytes.readUInt8(4)}`);
  const channels = bytes.readUInt8(5);
  const bitDepth = bytes.readUInt8(6);
  const width = bytes.readUInt32LE(8);
  const height = bytes.readUInt32LE(12);
  if ((channels !== 3 && channels !== 4) || (bitDepth !== 8 && bitDepth !== 16)) {
    throw new Error(`unencoded result with ${channels} channels at ${bitDepth} bits (3 or 4 channels, 8 or 16 bits are written)`);
  }
  const expected = byteLengthOf(width, height, channels, bitDepth);
  if (bytes.length - HEADER_BYTES !== expected) {
    throw new Error(`unencoded ${width}×${height} result has ${bytes.length - HEADER_BYTES} bytes of samples, ${expected} expected (cut short)`);
  }
  // A copy: its own aligned buffer (a Uint16Array view needs an even offset), swapped on a big-endian machine.
  const samples = Buffer.from(bytes.subarray(HEADER_BYTES));
  if (bitDepth === 16 && os.endianness() === 'BE') samples.swap16();
  const data = bitDepth === 16 ? new Uint16Array(samples.buffer, samples.byteOffset, expected / 2) : new Uint8Array(samples.buffer, samples.byteOffset, expected);
  return { width, height, channels, bitDepth, data };
}
