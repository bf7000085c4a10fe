/** SIGINT/SIGTERM: the running job is cancelled and logged, finished results stay, no half-written files. */
import * as fs from 'fs';
import { createJob, gradient, tempDir, tinyModel, uploadRaw, waitFor, waitTerminal } from './harness';
import { spawnServe } from './spawn';

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
});
