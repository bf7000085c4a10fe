/**
 * `POST /v1/images`: PNG, or raw RGBA with the size in the query. Uploaded images live in memory (shared
 * memory, which the inference worker reads without a copy), bounded by count and bytes (oldest dropped
 * first); jobs keep their own reference, so dropping one never breaks a queued job.
 */
import express, { type Request, type Response, type Router } from 'express';
import {
  ApiError,
  apiPaths,
  rawImageQuerySchema,
  type ImageUploadResponse,
  type Limits,
} from '../../../shared/src';
import type { RawImage } from '../engine/types';
import { decodePng, isPng } from '../image/png';
import { newId } from '../jobs/queue';
import { imageInfo } from './pixels';
import { checkDeclaredLength, readRawUpload, toSharedImage } from './upload-body';
import { parseOrThrow } from './validate';

export interface StoredImage {
  id: string;
  image: RawImage;
}

export class ImageStore {
  private readonly images = new Map<string, StoredImage>();
  private bytes = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  add(image: RawImage): StoredImage {
    const stored = { id: newId(), image };
    this.images.set(stored.id, stored);
    this.bytes += image.data.byteLength;
    // Map iteration is insertion order: the first entries are the oldest.
    for (const [id, old] of this.images) {
      if (this.images.size <= this.maxCount && this.bytes <= this.maxBytes) break;
      if (id === stored.id) break;
      this.images.delete(id);
      this.bytes -= old.image.data.byteLength;
    }
    return stored;
  }

  get(id: string): StoredImage {
    const stored = this.images.get(id);
    if (!stored) {
      throw new ApiError('UNKNOWN_IMAGE', `no uploaded image with id "${id}" (upload it with POST ${apiPaths.images}; old uploads are dropped)`);
    }
    return stored;
  }
}

/** PNG's IHDR holds the size right after the signature, so the pixel limit is checked before decoding. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.byteLength < 24 || !isPng(bytes)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ihdr = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  return ihdr === 'IHDR' ? { width: view.getUint32(16), height: view.getUint32(20) } : null;
}

function checkPixels(width: number, height: number, limits: Limits): void {
  if (width * height > limits.maxPixels) {
    throw new ApiError(
      'IMAGE_TOO_LARGE',
      `the image is ${width}×${height} = ${width * height} pixels; the limit is ${limits.maxPixels} pixels`,
    );
  }
}

function uploadKind(req: Request): 'png' | 'raw' {
  if (req.is('image/png')) return 'png';
  if (req.is('application/octet-stream')) return 'raw';
  throw new ApiError(
    'UNSUPPORTED_MEDIA_TYPE',
    'upload an image as image/png, or as application/octet-stream (raw RGBA) with ?width=&height=&bitDepth=8|16',
  );
}

export function imageRoutes(store: ImageStore, limits: Limits): Router {
  const router = express.Router();
  const readPng = express.raw({ type: () => true, limit: limits.maxImageBytes });

  router.post(
    apiPaths.images,
    (req, _res, next) => {
      // Everything that can be refused from the headers is refused before the body is read.
      checkDeclaredLength(req, limits.maxImageBytes);
      if (uploadKind(req) === 'raw') {
        const query = parseOrThrow(rawImageQuerySchema, req.query, 'raw image size (query ?width=&height=&bitDepth=)');
        checkPixels(query.width, query.height, limits);
      }
      next();
    },
    async (req, res, next) => {
      if (uploadKind(req) !== 'raw') {
        next();
        return;
      }
      const image = await readRawUpload(req, rawImageQuerySchema.parse(req.query), limits);
      answer(res, store.add(image));
    },
    readPng,
    async (req, res) => {
      const body: unknown = req.body;
      if (!(body instanceof Uint8Array) || body.byteLength === 0) throw new ApiError('BAD_IMAGE', 'the upload is empty');
      const size = pngSize(body);
      if (!size) throw new ApiError('BAD_IMAGE', 'not a PNG file (the PNG signature or header is missing)');
      checkPixels(size.width, size.height, limits);
      let image: RawImage;
      try {
        image = await decodePng(body);
      } catch (err) {
        throw new ApiError('BAD_IMAGE', err instanceof Error ? err.message : 'corrupt PNG');
      }
      answer(res, store.add(await toSharedImage(image)));
    },
  );
  return router;
}

function answer(res: Response, stored: StoredImage): void {
  const response: ImageUploadResponse = { id: stored.id, ...imageInfo(stored.image) };
  res.status(201).json(response);
}
