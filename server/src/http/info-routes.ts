/** Health, models, history and the OpenAPI document. */
import express, { type Router } from 'express';
import {
  ApiError,
  apiPaths,
  historyImageQuerySchema,
  historyQuerySchema,
  modelSelectRequestSchema,
  type HealthResponse,
  type ModelSelectResponse,
  type ModelsResponse,
} from '../../../shared/src';
import type { AppContext } from './context';
import { requireJson } from './jobs-routes';
import { buildOpenApi } from './openapi';
import { sendStoredImage } from './stored-image';
import { idParam, parseOrThrow } from './validate';

export function infoRoutes(ctx: AppContext): Router {
  const router = express.Router();
  const { engine, queue, history, catalog, limits } = ctx;
  const json = express.json({ limit: limits.maxJsonBytes });
  let openapi: object | null = null;

  router.get(apiPaths.health, (_req, res) => {
    // Studio mode: Redis unreachable → 503 with the reason, so a panel shows why instead of a stale picture.
    if (queue.workers) queue.checkAvailable();
    const demo = engine.model?.demo ?? false;
    const fast = engine.model?.fast;
    const body: HealthResponse = {
      ok: true,
      version: ctx.version,
      model: engine.model?.name ?? null,
      loading: queue.loading,
      device: engine.device,
      demo,
      notice: demo ? ctx.demoNotice : null,
      queueLength: queue.queueLength,
      running: queue.running,
      limits,
      ...(queue.workers ? { workers: queue.workers() } : {}),
      fast: fast ? { ...fast, default: (engine.model?.fastDefault ?? ctx.fastDefault ?? false) && fast.available } : null,
    };
    res.json(body);
  });

  router.get(apiPaths.models, (_req, res) => {
    const current = engine.model?.name ?? null;
    const body: ModelsResponse = {
      models: catalog.list().map((m) => ({ name: m.name, demo: m.demo, active: catalog.sameDir(m.dir, engine.model?.dir) })),
      current,
      loading: queue.loading,
    };
    res.json(body);
  });

  router.post(apiPaths.modelSelect, (req, _res, next) => { requireJson(req); next(); }, json, async (req, res) => {
    const { name } = parseOrThrow(modelSelectRequestSchema, req.body, 'model selection');
    const entry = catalog.find(name);
    const info = await queue.selectModel(entry.name, entry.dir);
    const body: ModelSelectResponse = { current: info.name, demo: info.demo };
    res.json(body);
  });

  router.get(apiPaths.history, (req, res) => {
    const { offset, limit } = parseOrThrow(historyQuerySchema, req.query, 'history query (?offset=&limit=)');
    res.json(history.list(offset, limit));
  });

  router.get(apiPaths.historyImage(':id'), async (req, res) => {
    const entry = history.get(idParam(req.params));
    if (!entry) throw new ApiError('UNKNOWN_HISTORY', `no history entry with id "${idParam(req.params)}"`);
    const { maxSide } = parseOrThrow(historyImageQuerySchema, req.query, 'history image query (?maxSide=16…1024)');
    await sendStoredImage(req, res, history, entry, { maxSide });
  });

  router.get(apiPaths.openapi, (_req, res) => {
    openapi ??= buildOpenApi(ctx.version);
    res.json(openapi);
  });

  return router;
}
