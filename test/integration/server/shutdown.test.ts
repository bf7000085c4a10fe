/**
 * SIGINT/SIGTERM: the running job is cancelled and logged, finished results stay, no half-written files;
 * a signal while the first model loads lets the load end in the worker, then exits 0 with the log line.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createJob, gradient, request, tempDir, tinyModel, uploadRaw, waitFor, waitTerminal } from './harness';
import { spawnServe, type ServeProcess } from './spawn';

/** Resolves once `serve` has written a line that `match` accepts (pino JSON lines, or its own plain lines). */
function seen(serve: ServeProcess, match: (line: Record<string, unknown>) => boolean, plain?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (serve.lines.some(match) || (plain !== undefined && serve.stderr().includes(plain))) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(check, 10);
    void serve.exited.then(() => {
      check();
      clearInterval(timer);
      reject(new Error(`serve exited before the expected line:\n${serve.stderr()}`));
    });
  });
}

describe.each(['SIGINT', 'SIGTERM'] as const)('%s', (signal) => {
  it('stops cleanly in the middle of a job', async () => {
    const outputs = tempDir('shutdown');
    const serve = spawnServe(['--model', await tinyModel(), '--port', '0', '--device', 'cpu', '--outputs', outputs]);
    try {
      const url = await serve.listening;
      const small = await uploadRaw(url, 32, 32, gradient(32, 32));
      const finished = await createJob(url, { kind: 'img2img', image: small, params: { steps: 2 } });
      const done = await waitTerminal(url, finished.id);
      expect(done.state).toBe('done');

      const big = await uploadRaw(url, 1024, 1024, gradient(1024, 1024));
      const long = await createJob(url, { kind: 'img2img', image: big, params: { steps: 150, strength: 1 } });
      await waitFor(url, long.id, (s) => s.state === 'running' && s.step >= 1);
      serve.child.kill(signal);
      expect(await serve.exited).toBe(0);

      const jobEnd = serve.lines.find((l) => l.job === long.id && l.msg === 'job finished');
      expect(jobEnd).toMatchObject({ state: 'cancelled', error: 'CANCELLED' });
      expect(serve.lines.some((l) => l.msg === 'stopped')).toBe(true);
      expect(fs.readdirSync(outputs).sort()).toEqual([`${done.historyId}.json`, `${done.historyId}.png`]);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('stops cleanly while the first model loads', async () => {
    // The text encoder is a named pipe: ONNX Runtime's read of it waits until this test writes the bytes,
    // so the signal lands inside the load every time, with no sleep.
    const model = path.join(tempDir('loading'), 'tiny-model');
    fs.cpSync(await tinyModel(), model, { recursive: true });
    const pipe = path.join(model, 'text_encoder', 'model.onnx');
    const bytes = fs.readFileSync(pipe);
    fs.rmSync(pipe);
    execFileSync('mkfifo', [pipe]);
    const serve = spawnServe(['--model', model, '--port', '0', '--device', 'cpu', '--outputs', tempDir('loading-outputs')]);
    let feeding: Promise<void> | null = null;
    let fed = false;
    try {
      await seen(serve, (l) => l.msg === 'loading model');
      serve.child.kill(signal);
      await seen(serve, () => false, `insaneres serve: ${signal}, stopping`);
      feeding = fs.promises.writeFile(pipe, bytes).finally(() => (fed = true));
      expect(await serve.exited).toBe(0);
      await feeding;

      const messages = serve.lines.map((l) => l.msg);
      // The load ran to its end in the worker (never cut inside ONNX Runtime), then the server stopped.
      expect(messages).toContain('model loaded');
      expect(messages[messages.length - 1]).toBe('stopped');
      expect(messages).not.toContain('listening');
    } finally {
      serve.child.kill('SIGKILL');
      // A writer still waiting for a reader would hold one of libuv's threads: be that reader.
      if (feeding && !fed) await Promise.all([feeding.catch(() => undefined), fs.promises.readFile(pipe).catch(() => undefined)]);
    }
  });
});

describe('kill -9', () => {
  /** The raw pixels of a finished job's result, or of a history entry. */
  async function rawPixels(url: string, path: string): Promise<Buffer> {
    const res = await request(url, { path, headers: { accept: 'application/octet-stream' } });
    if (res.status !== 200) throw new Error(`GET ${path} → ${res.status} ${res.body.toString()}`);
    return res.body;
  }

  it('a result reported done is in the history after the next start, pixel for pixel', async () => {
    // The PNG is encoded about a second after `done` (history/store.ts): a kill the moment the job is done
    // lands before it is written (then the next start encodes the raw pixels left on disk), or, on a slow
    // machine, after. Either way the result must be there.
    const outputs = tempDir('killed');
    const args = ['--model', await tinyModel(), '--port', '0', '--device', 'cpu', '--outputs', outputs];
    const job = { kind: 'img2img', params: { steps: 1, seed: 11 } };
    const first = spawnServe(args);
    let historyId: string | null = null;
    try {
      const url = await first.listening;
      const image = await uploadRaw(url, 512, 512, gradient(512, 512));
      const created = await createJob(url, { ...job, image });
      const done = await waitTerminal(url, created.id);
      first.child.kill('SIGKILL');
      expect(done.state).toBe('done');
      historyId = done.historyId;
      await first.exited;
    } finally {
      first.child.kill('SIGKILL');
    }

    const second = spawnServe(args);
    try {
      const url = await second.listening;
      const stored = await rawPixels(url, `/v1/history/${historyId}/image`);
      // The same job again (a seed reproduces an image): the stored result is exactly what it made.
      const again = await createJob(url, { ...job, image: await uploadRaw(url, 512, 512, gradient(512, 512)) });
      expect((await waitTerminal(url, again.id)).state).toBe('done');
      const rerun = await rawPixels(url, `/v1/jobs/${again.id}/result`);
      expect(stored.length).toBe(512 * 512 * 4);
      expect(stored.equals(rerun)).toBe(true);
      expect(fs.readdirSync(outputs)).toEqual(expect.arrayContaining([`${historyId}.json`, `${historyId}.png`]));
      expect(fs.readdirSync(outputs).filter((f) => f.endsWith('.raw') && f.startsWith(String(historyId)))).toEqual([]);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
