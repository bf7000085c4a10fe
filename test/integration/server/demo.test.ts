/** With no --model/--models-dir the server generates the tiny demo model once and says loudly that it is a demo. */
import * as fs from 'fs';
import type { HealthResponse, ModelsResponse } from '../../../shared/src';
import { version } from '../../../package.json';
import { getJson, startTestServer, tempDir } from './harness';

const DEMO_NAME = `tiny-model-${version}`;

describe('demo model', () => {
  it('is generated into the cache on first start, reused after, and flagged in the log and /v1/health', async () => {
    const cacheDir = tempDir('cache');
    const first = await startTestServer({ cacheDir, model: undefined });
    try {
      const health = await getJson<HealthResponse>(first.url, '/v1/health');
      expect(health).toMatchObject({ demo: true, model: DEMO_NAME });
      expect(health.notice).toMatch(/meaningless/);
      const models = await getJson<ModelsResponse>(first.url, '/v1/models');
      expect(models.models).toEqual([{ name: DEMO_NAME, demo: true, active: true }]);
      expect(first.logs.some((l) => l.msg === 'generated the tiny demo model')).toBe(true);
      expect(first.logs.some((l) => l.level === 40 && /DEMO MODEL/.test(l.msg))).toBe(true);
    } finally {
      await first.close();
    }
    expect(fs.readdirSync(cacheDir)).toEqual([DEMO_NAME]);
    const second = await startTestServer({ cacheDir, model: undefined });
    await second.close();
    expect(second.logs.some((l) => l.msg === 'generated the tiny demo model')).toBe(false);
  });
});
