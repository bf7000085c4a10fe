import sharp, { type Metadata } from 'sharp';
import type { RawImage } from '../engine/types';

export class ImageFormatError extends Error {
  readonly code = 'BAD_IMAGE';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(PNG_SIGNATURE);
}

/**
 * sharp's 16-bit output as samples: a view of its buffer (its own allocation, at offset 0), not a copy.
 * Copying a 4096² 16-bit image (128 MB) held the event loop 530–580 ms (CPU time of the longest gap in
 * a stored entry's raw download, scripts/bench/download-gaps.ts, on the busy 2-core VM). Only a buffer at
 * an odd offset, where no Uint16Array view can start, is copied.
 */
function samples16(data: Buffer): Uint16Array {
  if (data.byteOffset % 2 === 0) return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  return new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
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
    const pixels = bitDepth === 16 ? samples16(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { width: info.width, height: info.height, channels, bitDepth, data: pixels };
  } catch (err) {
    throw new ImageFormatError(`corrupt PNG: ${(err as Error).message}`);
  }
}

/**
 * PNG of an 8- or 16-bit RGB(A) image, through sharp (libvips/libspng on libuv's thread pool, so a 4096²
 * result never stalls the event loop). 16-bit goes in as a Uint16Array and out through the `rgb16`
 * colourspace: IHDR depth 16 and every sample exact (test/unit/server/image/sharp-paths.test.ts; an
 * earlier sharp truncated it to 8 bits, hence a hand-written writer here before). Adaptive row filtering:
 * a 4096² 8-bit result is about a third of its unfiltered size, at a small encode-time cost.
 */
export async function encodePng(image: RawImage): Promise<Buffer> {
  const { width, height, channels } = image;
  const raw = { width, height, channels: channels as 3 | 4 };
  const png = { compressionLevel: 6, adaptiveFiltering: true };
  if (image.bitDepth === 16) {
    // A view made in this realm: sharp checks `instanceof Uint16Array`, which fails for pixels that came
    // from the inference worker under jest's sandbox (test/integration/server/flow.test.ts, 16-bit case).
    const samples = new Uint16Array(image.data.buffer, image.data.byteOffset, image.data.length);
    return sharp(samples, { raw }).toColourspace('rgb16').png(png).toBuffer();
  }
  const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return sharp(data, { raw }).png(png).toBuffer();
}
