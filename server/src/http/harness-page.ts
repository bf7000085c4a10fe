/**
 * The browser harness at `/`: the panel beside a canvas editor (plugin/src/harness), built by `npm ci`
 * (the `prepare` script) into plugin/dist-harness. It is served by the API's own origin, so its requests
 * pass the Origin check as same-origin; the Host check still applies (DNS rebinding).
 */
import * as fs from 'fs';
import * as path from 'path';
import express, { type Router } from 'express';
import { PROJECT_ROOT } from '../project-root';

export const HARNESS_DIST = path.join(PROJECT_ROOT, 'plugin', 'dist-harness');

/**
 * No other site may frame the page (it could trick a click on Refine); scripts come only from here.
 * Styles are inline (the panel injects its <style>); thumbnails and previews are data: or server URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: http: https:",
  "connect-src 'self' http: https:",
  "frame-ancestors 'none'",
].join('; ');

const MISSING_BUILD = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>InsaneRes</title></head>
<body style="font: 14px system-ui, sans-serif; margin: 40px">
<h1>InsaneRes server</h1>
<p>The browser harness is not built. <code>npm ci</code> builds it; after an install with
<code>--ignore-scripts</code> run <code>npm run build:harness</code> and reload this page.</p>
<p>The API is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
</body></html>
`;

export function harnessPage(dir: string = HARNESS_DIST): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  router.get('/', (_req, res, next) => {
    if (fs.existsSync(path.join(dir, 'index.html'))) return next();
    res.type('html').send(MISSING_BUILD);
  });
  // Only the build's own files; anything else falls through to the API's JSON 404.
  router.use(express.static(dir, { index: 'index.html', dotfiles: 'ignore', redirect: false }));
  return router;
}
