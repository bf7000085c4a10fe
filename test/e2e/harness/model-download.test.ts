/**
 * The panel's model download in the harness page, end to end: the real server process on a fresh models
 * folder (demo model), pointed at a loopback Hub (HF_ENDPOINT) that serves the tiny model as the default
 * alias's repository at its pinned commit. Click Download, accept the licence, watch the progress, and
 * the server ends up on the downloaded model.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { defaultAlias } from '../../../server/src/models/hub/aliases';
import type { HealthResponse } from '../../../shared/src';
import { repoFromFolder, startFakeHub, type FakeHub } from '../../helpers/fake-hub';
import { tinyModel } from '../../helpers/tiny-model';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium, type Browser } from './browser';
import { ensureHarnessBuilt } from './build';
import { HarnessPage } from './page';
import { freePort, ServerProcess } from './server-process';

const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/harness');

if (!chromiumAvailable()) {
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.INSANERES_REQUIRE_BROWSER) throw new Error(`model download e2e: ${reason}`);
  console.warn(`model download e2e skipped: ${reason}`);
}
const withBrowser = chromiumAvailable() ? describe : describe.skip;

withBrowser('downloading a model from the panel', () => {
  const alias = defaultAlias();
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-e2e-models-'));
  let hub: FakeHub;
  let server: ServerProcess;
  let browser: Browser;
  let page: HarnessPage;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await ensureHarnessBuilt();
    // The alias is pinned to a (short) commit; the loopback Hub answers with a commit that starts with it.
    hub = await startFakeHub(repoFromFolder(await tinyModel()), { repo: alias.repo, commit: alias.commit.padEnd(40, '0') });
    server = new ServerProcess(await freePort(), { args: ['--models-dir', modelsDir], env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: '' } });
    await server.start();
    browser = await launchChromium();
    const tab: Page = await browser.context.newPage();
    tab.on('pageerror', (error) => pageErrors.push(error.message));
    page = new HarnessPage(tab, ARTIFACTS);
    await tab.goto(`${server.url}/`);
    await page.waitForPanel((p) => p.server === 'online');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
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
