import sharp, { type Metadata } from 'sharp';
import * as zlib from 'zlib';
import type { RawImage } from '../engine/types';

export class ImageFormatError extends Error {
  readonly code = 'BAD_IMAGE';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(PNG_SIGNATURE);
}

/** Decodes an 8- or 16-bit PNG into RGB or RGBA (grey is expanded, palette resolved). */
export async function decodePng(bytes: Uint8Array): Promise<RawImage> {
  if (!isPng(bytes)) throw new ImageFormatError('not a PNG file (the PNG signature is missing)');
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new ImageFormatError(`corrupt PNG: ${(err as Error).message}`);
  }
  const bitDepth = meta.depth === 'ushort' ? 16 : 8;
  const channels = meta.hasAlpha ? 4 : 3;
  try {
    let pipeline = sharp(bytes).toColourspace(bitDepth === 16 ? 'rgb16' : 'srgb');
    pipeline = channels === 4 ? pipeline.ensureAlpha() : pipeline.removeAlpha();
    const { data, info } = await pipeline.raw({ depth: bitDepth === 16 ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw new Error(`decoded ${info.channels} channels, expected ${channels}`);
    const pixels =
      bitDepth === 16
        ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
        : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { width: info.width, height: info.height, channels, bitDepth, data: pixels };
  } catch (err) {
    throw new ImageFormatError(`corrupt PNG: ${(err as Error).message}`);
  }
}

export async function encodePng(image: RawImage): Promise<Buffer> {
  if (image.bitDepth === 16) return encodePng16(image);
  const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return sharp(data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * 16-bit PNG writer (sharp 0.35 truncates raw 16-bit input to 8 bits). Rows use the "Up" filter, which
 * suits smooth photographic data, and big-endian samples as PNG requires.
 */
function encodePng16(image: RawImage): Buffer {
  const { width, height, channels } = image;
  const src = image.data as Uint16Array;
  const stride = width * channels * 2;
  const raw = Buffer.alloc((stride + 1) * height);
  const row = Buffer.alloc(stride);
  const prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) row.writeUInt16BE(src[y * width * channels + i], i * 2);
    const out = y * (stride + 1);
    raw[out] = 2; // filter type Up
    for (let i = 0; i < stride; i++) raw[out + 1 + i] = (row[i] - prev[i]) & 0xff;
    row.copy(prev);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  ihdr[9] = channels === 4 ? 6 : 2; // colour type RGBA or RGB
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
