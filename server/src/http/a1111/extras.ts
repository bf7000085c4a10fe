/**
 * `POST extra-single-image` (A1111's "Extras" upscale: Lanczos, or our SD upscale through the queue) and
 * `POST png-info` (the infotext of a PNG, parsed as A1111 parses it).
 */
import { promises as fsp } from 'fs';
import type { Request, Response } from 'express';
import sharp from 'sharp';
import { ApiError, upscaleParamsSchema } from '../../../../shared/src';
import { isPng } from '../../image/png';
import { readTextChunks, withTextChunk } from '../../image/png-text';
import { parseInfotext } from '../../infotext/infotext';
import { isTerminal } from '../../jobs/queue';
import { clientOf } from '../jobs-routes';
import { imageInfo } from '../pixels';
import { parseOrThrow } from '../validate';
import { parseA1111, ValidationError } from './errors';
import type { GenerateDeps } from './generate';
import { decodeImage, imageBytes } from './images';
import { extrasBatchImagesRequestSchema, extrasSingleImageRequestSchema, pngInfoRequestSchema, type ExtrasSingleImageRequest } from './schemas';

/** The upscaler that runs our tiled SD upscale (with its defaults: strength 0.3, 512 px tiles). */
export const SD_UPSCALER = 'InsaneRes SD upscale';
/** `GET /sdapi/v1/upscalers`, in A1111's shape. */
export const UPSCALERS = [
  { name: 'None', model_name: null, model_path: null, model_url: null, scale: 4 },
  { name: 'Lanczos', model_name: null, model_path: null, model_url: null, scale: 4 },
  { name: 'Nearest', model_name: null, model_path: null, model_url: null, scale: 4 },
  { name: SD_UPSCALER, model_name: null, model_path: null, model_url: null, scale: 4 },
];

/** A1111's target size: by factor (mode 0) or to width×height (mode 1; without crop the aspect is kept, covering it). */
function targetSize(req: Omit<ExtrasSingleImageRequest, 'image'>, width: number, height: number): { width: number; height: number; crop: boolean } {
  if (req.resize_mode === 1) {
    if (req.upscaling_crop) return { width: req.upscaling_resize_w, height: req.upscaling_resize_h, crop: true };
    const scale = Math.max(req.upscaling_resize_w / width, req.upscaling_resize_h / height);
    return { width: Math.round(width * scale), height: Math.round(height * scale), crop: false };
  }
  return { width: Math.max(1, Math.round(width * req.upscaling_resize)), height: Math.max(1, Math.round(height * req.upscaling_resize)), crop: false };
}

async function sdUpscale(deps: GenerateDeps, res: Response, input: Awaited<ReturnType<typeof decodeImage>>['image'], scale: number): Promise<Buffer> {
  const { queue, history } = deps.ctx;
  const params = parseOrThrow(upscaleParamsSchema, { scale }, `${SD_UPSCALER} (scale = upscaling_resize, 1…4)`);
  const batch = deps.state.begin('extras');
  let job;
  try {
    job = await queue.submit({ kind: 'upscale', image: 'a1111-extras', params }, input, imageInfo(input), { client: clientOf(res.req) });
  } catch (err) {
    deps.state.end(batch);
    throw err;
  }
  batch.jobs.push(job);
  const submitted = job;
  const onClose = (): void => void Promise.resolve(queue.cancel(submitted, 'the A1111 client closed the connection')).catch(() => undefined);
  res.on('close', onClose);
  try {
    await new Promise<void>((resolve) => {
      if (isTerminal(submitted)) return resolve();
      const stop = queue.subscribe(submitted, () => {
        if (isTerminal(submitted)) {
          stop();
          resolve();
        }
      });
    });
  } finally {
    res.off('close', onClose);
    deps.state.end(batch);
  }
  const entry = job.historyId ? history.get(job.historyId) : undefined;
  if (job.state !== 'done' || !entry) throw new ApiError(job.state === 'cancelled' ? 'CANCELLED' : 'MODEL_FAILED', job.error?.message ?? `the upscale ${job.state}`);
  return fsp.readFile(await history.pngFile(entry));
}

type ExtrasOptions = Omit<ExtrasSingleImageRequest, 'image'>;

/** One image through A1111's Extras upscale: the PNG, A1111's postprocessing note, and what was not done. */
async function postprocess(deps: GenerateDeps, res: Response, request: ExtrasOptions, encoded: string, field: string): Promise<{ png: Buffer; info: string; notes: string[] }> {
  const { image, bytes } = await decodeImage(encoded, field, deps.ctx.limits);
  const notes: string[] = [];
  if (request.gfpgan_visibility > 0 || request.codeformer_visibility > 0) notes.push('face restoration is not available');
  if (request.upscaler_2 !== 'None' && request.extras_upscaler_2_visibility > 0) notes.push(`upscaler_2 (${request.upscaler_2}) is not applied`);
  const upscaler = UPSCALERS.find((u) => u.name.toLowerCase() === request.upscaler_1.toLowerCase())?.name;
  const size = targetSize(request, image.width, image.height);
  if (size.width * size.height > deps.ctx.limits.maxResultPixels) {
    throw new ApiError('IMAGE_TOO_LARGE', `${field}: the result would be ${size.width}×${size.height} pixels; the limit is ${deps.ctx.limits.maxResultPixels} pixels`);
  }
  let png: Buffer;
  let info: string;
  const viaQueue = upscaler === SD_UPSCALER && request.resize_mode === 0;
  if (upscaler === 'None') {
    // A1111 skips the upscale step when the upscaler is None: the image comes back as it was.
    png = isPng(bytes) ? bytes : await sharp(bytes).png().toBuffer();
    info = '';
  } else if (viaQueue) {
    png = await sdUpscale(deps, res, image, request.upscaling_resize);
    info = `Postprocess upscale by: ${request.upscaling_resize}, Postprocess upscaler: ${SD_UPSCALER}`;
  } else {
    const kernel = upscaler === 'Nearest' ? 'nearest' : 'lanczos3';
    if (upscaler === undefined) notes.push(`upscaler "${request.upscaler_1}" is not available; used Lanczos`);
    if (upscaler === SD_UPSCALER) notes.push(`${SD_UPSCALER} upscales by a factor (resize_mode 0); used Lanczos`);
    png = await sharp(bytes).resize(size.width, size.height, { kernel, fit: size.crop ? 'cover' : 'fill' }).png().toBuffer();
    info = `Postprocess upscale by: ${request.resize_mode === 1 ? `${size.width}x${size.height}` : request.upscaling_resize}, Postprocess upscaler: ${upscaler === 'Nearest' ? 'Nearest' : 'Lanczos'}`;
  }
  // The input's own text (its infotext) travels with it, plus A1111's "postprocessing" note; an SD upscale
  // has its own infotext from the history.
  if (!viaQueue && isPng(bytes)) {
    for (const [keyword, value] of Object.entries(readTextChunks(bytes))) png = withTextChunk(png, keyword, value);
  }
  if (info) png = withTextChunk(png, 'postprocessing', info);
  return { png, info, notes };
}

function htmlInfo(lines: string[]): string {
  const html = [...new Set(lines.filter(Boolean))].join('<br>');
  return html ? `<p>${html}</p>` : '';
}

export async function extraSingleImage(deps: GenerateDeps, req: Request, res: Response): Promise<void> {
  const request = parseA1111(extrasSingleImageRequestSchema, req.body);
  if (request.image === '') throw ValidationError.one('image', 'the image to upscale, base64 or a data URL');
  const { png, info, notes } = await postprocess(deps, res, request, request.image, 'image');
  res.json({ html_info: htmlInfo([info, ...notes]), image: request.show_extras_results ? png.toString('base64') : null });
}

/** `POST extra-batch-images`: the same for each of `imageList` ([{data, name}]), one after the other. */
export async function extraBatchImages(deps: GenerateDeps, req: Request, res: Response): Promise<void> {
  const request = parseA1111(extrasBatchImagesRequestSchema, req.body);
  const images: string[] = [];
  const lines: string[] = [];
  for (const [i, item] of request.imageList.entries()) {
    const { png, info, notes } = await postprocess(deps, res, request, item.data, `imageList[${i}].data`);
    images.push(png.toString('base64'));
    lines.push(info, ...notes);
  }
  res.json({ html_info: htmlInfo(lines), images: request.show_extras_results ? images : [] });
}

export function pngInfo(req: Request, res: Response): void {
  const { image } = parseA1111(pngInfoRequestSchema, req.body);
  const bytes = imageBytes(image, 'image');
  // Only PNG text is read (A1111 also reads a JPEG's EXIF comment); any other image has no infotext here.
  const chunks = isPng(bytes) ? readTextChunks(bytes) : {};
  const { parameters, ...items } = chunks;
  const info = parameters ?? '';
  res.json({ info, items, parameters: parseInfotext(info) });
}
