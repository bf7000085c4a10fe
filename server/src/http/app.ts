/** The express app: security first, then the routes of DESIGN §6, A1111's /sdapi/v1 and the harness page at /, then one error handler. */
import express from 'express';
import { a1111Routes } from './a1111/routes';
import type { AppContext } from './context';
import { errorHandler, notFound } from './errors';
import { harnessPage } from './harness-page';
import { imageRoutes } from './images';
import { infoRoutes } from './info-routes';
import { jobRoutes } from './jobs-routes';
import { modelDownloadRoutes } from './model-download-routes';

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Status is polled: a 304 from an ETag would only make clients' caching logic matter.
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(ctx.security.middleware());
  app.use(imageRoutes(ctx.images, ctx.limits));
  app.use(jobRoutes(ctx));
  app.use(modelDownloadRoutes(ctx));
  app.use(infoRoutes(ctx));
  // A1111's /sdapi/v1 routes, so existing A1111 clients work (docs/api.md); behind the same security.
  app.use(a1111Routes(ctx));
  app.use(harnessPage());
  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
