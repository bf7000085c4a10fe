/**
 * What a newcomer sees at start: on a terminal (forced here with --log-format pretty) a banner with the URL,
 * the model and device, the demo warning in plain words and how to get a real model, then readable log
 * lines; and while the model loads, health says so and jobs wait for it instead of failing.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import type { HealthResponse } from '../../../shared/src';
import { startServer } from '../../../server/src/serve';
import pino from 'pino';
import { createJob, gradient, request, tempDir, tinyModel, uploadRaw, waitTerminal } from './harness';
import { freePort } from '../../helpers/free-port';

const BIN = path.resolve(__dirname, '../../../bin/insaneres.js');

describe('start-up', () => {
  it('prints a human banner and readable lines with --log-format pretty, and stops with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--log-format', 'pretty', '--port', '0', '--device', 'cpu', '--outputs', tempDir('banner')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, INSANERES_CACHE: tempDir('cache') },
    });
    let text = '';
    child.stderr.setEncoding('utf8');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('Ctrl+C')) resolve();
        });
        child.on('exit', () => reject(new Error(`exited before the banner:\n${text}`)));
      });
      const url = /is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      expect(url).toBeDefined();
      expect(text).toContain(`open ${url}/ to try it in a browser`);
      expect(text).toMatch(/Model {4}tiny-model-\S+ on CPU/);
      expect(text).toMatch(/DEMO MODEL: it has random weights, so its images are meaningless/);
      expect(text).toContain('npm start -- --model ./sd15-onnx');
      expect(text).toMatch(/^\d\d:\d\d:\d\d INFO {2}model loaded {2}model=tiny-model/m);
      expect(text.split('\n').some((line) => line.startsWith('{'))).toBe(false);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(text).toMatch(/INFO {2}stopped/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reports the model load in health, and a job submitted meanwhile waits for it and is done', async () => {
    const port = await freePort();
    const model = await tinyModel();
    const url = `http://127.0.0.1:${port}`;
    const starting = startServer({ port, device: 'cpu', model, outputs: tempDir('loading'), logger: pino({ level: 'silent' }) });
    let started = false;
    void starting.then(() => (started = true), () => undefined);
    const seen: Pick<HealthResponse, 'model' | 'loading'>[] = [];
    let job: string | null = null;
    while (!started) {
      const res = await request(url, { path: '/v1/health' }).catch(() => null);
      if (res?.status === 200) {
        const { model: name, loading } = res.json<HealthResponse>();
        seen.push({ model: name, loading });
        if (job === null && name === null) job = (await createJob(url, { kind: 'img2img', image: await uploadRaw(url, 16, 16, gradient(16, 16)), params: { steps: 2 } })).id;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const server = await starting;
    try {
      // Never "connected, no model, not loading": before the model is there, health names the one loading.
      for (const answer of seen) expect(answer.model !== null || answer.loading === path.basename(model)).toBe(true);
      const health = (await request(url, { path: '/v1/health' })).json<HealthResponse>();
      expect(health).toMatchObject({ model: path.basename(model), loading: null });
      if (job) expect((await waitTerminal(url, job)).state).toBe('done');
    } finally {
      await server.close();
    }
  });
});
