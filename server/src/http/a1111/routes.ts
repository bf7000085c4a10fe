/**
 * The A1111 web API (`/sdapi/v1/…`, A1111 1.10's `modules/api/api.py`) on our server: its own JSON body
 * limit (base64 images inside JSON, bounded by the pixel limit), its own error shape, the same security
 * (mounted after our checks), queue and history as /v1. Lists are real: empty where we have nothing.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ApiError, type Limits } from '../../../../shared/src';
import type { AppContext } from '../context';
import { a1111ErrorHandler, parseA1111 } from './errors';
import { extraBatchImages, extraSingleImage, pngInfo, UPSCALERS } from './extras';
import { img2img, txt2img, type GenerateDeps } from './generate';
import { findCheckpoint, OptionsStore } from './options';
import { progressQuerySchema } from './schemas';
import { samplerList, schedulerList } from './samplers';
import { A1111State } from './state';

/** Base64 of the largest upload we accept, twice (init image + mask), plus room for the other fields. */
export function a1111JsonLimit(limits: Limits): number {
  return Math.ceil((limits.maxImageBytes * 4) / 3) * 2 + 1024 * 1024;
}

type Handler = (req: Request, res: Response) => unknown;

export function a1111Routes(ctx: AppContext): Router {
  const router = express.Router();
  const state = new A1111State(ctx.queue);
  const options = OptionsStore.open(ctx.history.dir);
  const deps: GenerateDeps = { ctx, state, options };
  // A1111 clients send JSON with or without the right Content-Type (some send text/plain): parse every POST.
  const json = express.json({ limit: a1111JsonLimit(ctx.limits), type: () => true, strict: false });
  const base = '/sdapi/v1';
  const get = (path: string, handler: Handler): void => void router.get(`${base}/${path}`, handler);
  const post = (path: string, handler: Handler): void => void router.post(`${base}/${path}`, json, handler);
  const currentModel = (): string | null => ctx.engine.model?.name ?? null;

  post('txt2img', (req, res) => txt2img(deps, req, res));
  post('img2img', (req, res) => img2img(deps, req, res));
  post('extra-single-image', (req, res) => extraSingleImage(deps, req, res));
  post('extra-batch-images', (req, res) => extraBatchImages(deps, req, res));
  post('png-info', pngInfo);
  get('progress', async (req, res) => {
    const { skip_current_image } = parseA1111(progressQuerySchema, req.query);
    res.json(await state.progress(skip_current_image));
  });
  post('interrupt', (_req, res) => {
    state.interrupt();
    res.json({});
  });
  post('skip', (_req, res) => {
    state.skip();
    res.json({});
  });
  post('interrogate', () => {
    throw new ApiError('NOT_IMPLEMENTED', 'interrogate (CLIP / DeepBooru captions) is not available on this server');
  });

  get('options', (_req, res) => void res.json(options.all(currentModel())));
  post('options', async (req, res) => {
    const changes = parseA1111(z.record(z.string(), z.unknown()), req.body);
    const checkpoint = changes.sd_model_checkpoint;
    if (typeof checkpoint === 'string') {
      const entry = findCheckpoint(ctx.catalog, checkpoint);
      // "name.safetensors [hash]" may name the loaded model: no reload then.
      if (!ctx.catalog.sameDir(entry.dir, ctx.engine.model?.dir)) await ctx.queue.selectModel(entry.name, entry.dir);
    }
    await options.set(changes);
    res.json(null);
  });

  get('samplers', (_req, res) => void res.json(samplerList()));
  get('schedulers', (_req, res) => void res.json(schedulerList()));
  get('upscalers', (_req, res) => void res.json(UPSCALERS));
  get('latent-upscale-modes', (_req, res) => void res.json([]));
  get('sd-models', (_req, res) => {
    res.json(ctx.catalog.list().map((m) => ({ title: m.name, model_name: m.name, hash: null, sha256: null, filename: m.dir, config: null })));
  });
  post('refresh-checkpoints', (_req, res) => {
    ctx.catalog.list();
    res.json(null);
  });
  post('refresh-vae', (_req, res) => void res.json(null));
  get('sd-vae', (_req, res) => void res.json([]));
  get('hypernetworks', (_req, res) => void res.json([]));
  get('face-restorers', (_req, res) => void res.json([]));
  get('realesrgan-models', (_req, res) => void res.json([]));
  get('prompt-styles', (_req, res) => void res.json([]));
  get('embeddings', (_req, res) => void res.json({ loaded: {}, skipped: {} }));
  get('loras', (_req, res) => void res.json([]));
  get('extensions', (_req, res) => void res.json([]));
  get('scripts', (_req, res) => void res.json({ txt2img: [], img2img: ['sd upscale'] }));
  get('script-info', (_req, res) => {
    res.json([
      {
        name: 'sd upscale', is_alwayson: false, is_img2img: true,
        args: [
          { label: 'info', value: '', minimum: null, maximum: null, step: null, choices: null },
          { label: 'Tile overlap', value: 64, minimum: 0, maximum: 256, step: 16, choices: null },
          { label: 'Upscaler', value: 'Lanczos', minimum: null, maximum: null, step: null, choices: ['None', 'Lanczos'] },
          { label: 'Scale Factor', value: 2, minimum: 1, maximum: 4, step: 0.05, choices: null },
        ],
      },
    ]);
  });
  get('cmd-flags', (_req, res) => {
    // Our serve flags under A1111's names where there is one; the API is always on, there is no web UI.
    res.json({ api: true, nowebui: true, device: ctx.engine.device, max_pixels: ctx.limits.maxPixels, max_queue: ctx.limits.maxQueue });
  });

  router.use(base, () => {
    throw new ApiError('NOT_FOUND', 'no such A1111 route here (see docs/api.md for the /sdapi/v1 routes this server has)');
  });
  router.use('/sdapi', a1111ErrorHandler(ctx.logger));
  return router;
}
