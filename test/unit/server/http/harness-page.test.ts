/** The harness page route: the built page with its framing and script policy, a hint when unbuilt, nothing else. */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import express from 'express';
import { harnessPage } from '../../../../server/src/http/harness-page';

async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(harnessPage(dir));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no route' } }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-harness-page-'));

it('serves the built page at / and its script, and may not be framed', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script src="/harness.js"></script>');
  fs.writeFileSync(path.join(dir, 'harness.js'), 'console.log(1)');
  const { url, close } = await serve(dir);
  try {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script src="/harness.js">');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await fetch(`${url}/harness.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${url}/elsewhere.js`)).status).toBe(404);
  } finally {
    await close();
  }
});

it('explains how to build the page when the build is missing', async () => {
  const { url, close } = await serve(path.join(tempDir(), 'absent'));
  try {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('npm run build:harness');
  } finally {
    await close();
  }
});
