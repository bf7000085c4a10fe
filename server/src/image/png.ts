import sharp, { type Metadata } from 'sharp';
import { once } from 'events';
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
 * 16-bit PNG writer (sharp 0.35 truncates raw 16-bit input to 8 bits). It must not stall the server's event
 * loop on a 4096² result: rows go through a deflate stream (compressed on libuv's thread pool) in ~1 MB
 * pieces, each compressed piece becomes its own IDAT chunk (PNG allows many), so no step touches the
 * whole image at once. Rows use filter None; samples are swapped to big-endian natively (swap16).
 */
async function encodePng16(image: RawImage): Promise<Buffer> {
  const { width, height, channels } = image;
  const src = image.data as Uint16Array;
  const samples = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  const stride = width * channels * 2;
  const rowsPerPiece = Math.max(1, Math.floor((1 << 20) / (stride + 1)));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  ihdr[9] = channels === 4 ? 6 : 2; // colour type RGBA or RGB
  const chunks: Buffer[] = [PNG_SIGNATURE, chunk('IHDR', ihdr)];

  const deflater = zlib.createDeflate({ level: 6 });
  deflater.on('data', (piece: Buffer) => chunks.push(chunk('IDAT', piece)));
  const finished = once(deflater, 'end');
  for (let y0 = 0; y0 < height; y0 += rowsPerPiece) {
    const rows = Math.min(rowsPerPiece, height - y0);
    const piece = Buffer.alloc(rows * (stride + 1)); // filter byte 0 (None) before each row
    for (let r = 0; r < rows; r++) samples.copy(piece, r * (stride + 1) + 1, (y0 + r) * stride, (y0 + r + 1) * stride);
    for (let r = 0; r < rows; r++) piece.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1)).swap16();
    if (!deflater.write(piece)) await once(deflater, 'drain');
  }
  deflater.end();
  await finished;
  chunks.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(chunks);
}
