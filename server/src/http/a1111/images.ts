/**
 * Images inside A1111 JSON: base64, raw or as a data URL, any format sharp reads (A1111 takes whatever PIL
 * opens). The pixel limit is checked from the header before anything is decoded; URLs are refused (A1111
 * fetches them only with an option that is off by default, and a local server must not fetch for a page).
 */
import sharp from 'sharp';
import { ApiError, type Limits } from '../../../../shared/src';
import type { RawImage } from '../../engine/types';
import { decodePng, isPng } from '../../image/png';

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** The bytes of a base64 image field (`data:image/png;base64,…` or bare base64). */
export function imageBytes(encoded: string, field: string): Buffer {
  let text = encoded.trim();
  if (/^https?:\/\//i.test(text)) {
    throw new ApiError('BAD_IMAGE', `${field}: image URLs are not fetched by this server; send the image itself as base64`);
  }
  if (text.startsWith('data:')) {
    const comma = text.indexOf(',');
    if (comma < 0 || !/;base64$/i.test(text.slice(0, comma))) throw new ApiError('BAD_IMAGE', `${field}: a data URL must be data:image/…;base64,…`);
    text = text.slice(comma + 1);
  }
  if (text.length === 0 || !BASE64.test(text)) throw new ApiError('BAD_IMAGE', `${field}: not a base64-encoded image`);
  return Buffer.from(text, 'base64');
}

/** Decodes a base64 image to RGB/RGBA pixels (PNG keeps 16 bits; other formats are 8-bit). */
export async function decodeImage(encoded: string, field: string, limits: Limits): Promise<{ image: RawImage; bytes: Buffer }> {
  const bytes = imageBytes(encoded, field);
  let size: { width?: number; height?: number };
  try {
    size = await sharp(bytes).metadata();
  } catch {
    throw new ApiError('BAD_IMAGE', `${field}: not an image sharp can read (PNG, JPEG, WebP, TIFF, GIF, AVIF)`);
  }
  const width = size.width ?? 0;
  const height = size.height ?? 0;
  if (width * height > limits.maxPixels) {
    throw new ApiError('IMAGE_TOO_LARGE', `${field}: the image is ${width}×${height} = ${width * height} pixels; the limit is ${limits.maxPixels} pixels`);
  }
  try {
    if (isPng(bytes)) return { image: await decodePng(bytes), bytes };
    const { data, info } = await sharp(bytes).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 && info.channels !== 4) throw new Error(`${info.channels} channels`);
    return { image: { width: info.width, height: info.height, channels: info.channels, bitDepth: 8, data: new Uint8Array(data) }, bytes };
  } catch (err) {
    throw new ApiError('BAD_IMAGE', `${field}: the image could not be decoded (${(err as Error).message})`);
  }
}
