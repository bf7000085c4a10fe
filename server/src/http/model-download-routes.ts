/** Model downloads: the alias catalogue, start a pull, its state (JSON or SSE), cancel. */
import express, { type Router } from 'express';
import {
  ApiError,
  modelDownloadPaths,
  PULL_EVENT_NAME,
  pullRequestSchema,
  type ModelCatalogResponse,
  type PullState,
} from '../../../shared/src';
import type { PullManager } from '../models/pull-manager';
import type { AppContext } from './context';
import { requireJson } from './jobs-routes';
import { idParam, parseOrThrow } from './validate';

const HEARTBEAT_MS = 15_000;

export function modelDownloadRoutes(ctx: AppContext): Router {
  const router = express.Router();
  const json = express.json({ limit: ctx.limits.maxJsonBytes });
  const pulls = (): PullManager => {
    if (!ctx.pulls) throw new ApiError('UNAVAILABLE', 'model downloads are not available on this server');
    return ctx.pulls;
  };

  router.get(modelDownloadPaths.catalog, async (_req, res) => {
    const manager = pulls();
    const body: ModelCatalogResponse = { modelsDir: manager.modelsDir, aliases: await manager.catalog(), pull: manager.current() };
    res.json(body);
  });

  router.post(modelDownloadPaths.pull, (req, _res, next) => { requireJson(req); next(); }, json, (req, res) => {
    const body = parseOrThrow(pullRequestSchema, req.body, 'model download ({"alias"} or {"repo"}, optional "name", "acceptLicense")');
    const state = pulls().start({ spec: body.alias ?? body.repo!, name: body.name, acceptLicense: body.acceptLicense });
    res.status(202).json(state);
  });

  router.get(modelDownloadPaths.pullJob(':id'), (req, res) => {
    res.json(pulls().get(idParam(req.params)));
  });

  router.delete(modelDownloadPaths.pullJob(':id'), (req, res) => {
    res.json(pulls().cancel(idParam(req.params)));
  });

  router.get(modelDownloadPaths.pullEvents(':id'), (req, res) => {
    const manager = pulls();
    const id = idParam(req.params);
    const first = manager.get(id);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive' });
    const send = (s: PullState): void => {
      res.write(`event: ${PULL_EVENT_NAME}\ndata: ${JSON.stringify(s)}\n\n`);
    };
    let stop = (): void => undefined;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      stop();
      res.end();
    };
    send(first);
    if (first.state !== 'running') return end();
    stop = manager.subscribe(id, (s) => {
      send(s);
      if (s.state !== 'running') end();
    });
    res.on('close', end);
  });

  return router;
}
