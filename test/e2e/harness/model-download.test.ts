/**
 * The panel's model download in the harness page, end to end: the real server process on a fresh models
 * folder (demo model), pointed at a loopback Hub (HF_ENDPOINT) that serves the tiny model as the default
 * alias's repository at its pinned commit. Click Download, accept the licence, watch the progress, and
 * the server ends up on the downloaded model.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultAlias } from '../../../server/src/models/hub/aliases';
import type { HealthResponse } from '../../../shared/src';
import { repoFromFolder, startFakeHub, type FakeHub } from '../../helpers/fake-hub';
import { tinyModel } from '../../helpers/tiny-model';
import type { HarnessPage } from './page';
import type { ServerProcess } from './server-process';
import { browserSuite, openHarnessSession, type HarnessSession } from './session';

const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/harness');

const withBrowser = browserSuite('model download e2e');

withBrowser('downloading a model from the panel', () => {
  const alias = defaultAlias();
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-e2e-models-'));
  let hub: FakeHub;
  let session: HarnessSession;
  let server: ServerProcess;
  let page: HarnessPage;
  let pageErrors: string[];

  beforeAll(async () => {
    // The alias is pinned to a (short) commit; the loopback Hub answers with a commit that starts with it.
    hub = await startFakeHub(repoFromFolder(await tinyModel()), { repo: alias.repo, commit: alias.commit.padEnd(40, '0') });
    session = await openHarnessSession(ARTIFACTS, { args: ['--models-dir', modelsDir], env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: '' } });
    ({ server, page, pageErrors } = session);
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await hub?.close();
    fs.rmSync(modelsDir, { recursive: true, force: true });
  });

  it('offers the default model, shows its licence, downloads with progress and switches to it', async () => {
    const download = page.tab.getByTestId('download-model');
    await download.waitFor({ timeout: 15_000 });
    expect(await download.textContent()).toMatch(new RegExp(`^Download ${alias.title} \\(≈ \\d+\\.\\d GB\\)$`));
    await download.click();
    const licence = page.tab.getByTestId('licence');
    expect(await licence.textContent()).toContain(alias.license);
    expect(hub.requests).toHaveLength(0);

    // The first file waits out a 429 (Retry-After: 3 s), so the progress row is there to be seen.
    hub.throttle.set('model_index.json', 1);
    await page.tab.getByTestId('licence-accept').click();
    const progress = page.tab.getByTestId('download-text');
    await progress.waitFor({ timeout: 15_000 });
    expect(await progress.textContent()).toMatch(/ of \d+ kB|file \d+\/\d+|Asking the Hub|Listing/);
    await page.screenshotPage('model-download-progress');
    expect(await page.tab.getByTestId('download-cancel').isVisible()).toBe(true);

    // Done: the server loads the downloaded model, and the picker shows it selected.
    const deadline = Date.now() + 60_000;
    let health: HealthResponse | null = null;
    while (Date.now() < deadline) {
      health = (await (await fetch(`${server.url}/v1/health`)).json()) as HealthResponse;
      if (health.model === alias.alias) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(health?.model).toBe(alias.alias);
    const picker = page.tab.getByTestId('model-picker');
    await picker.waitFor({ timeout: 10_000 });
    await page.tab.waitForFunction(() => !document.querySelector('[data-testid="download-model"]'));
    await page.screenshotPage('model-download-done');

    expect(fs.existsSync(path.join(modelsDir, alias.alias, 'insaneres-manifest.json'))).toBe(true);
    const resolved = hub.requests.filter((r) => r.path.includes('/resolve/'));
    expect(resolved.length).toBeGreaterThan(5);
    for (const r of resolved) expect(r.path).toContain(`/resolve/${alias.commit.padEnd(40, '0')}/`);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
