/**
 * Takes docs/harness-screenshot.png: the real server (demo model), the harness page in headless Chromium,
 * the sample eye with a lasso around the iris, two variations placed. `npx tsx scripts/harness-screenshot.ts`.
 */
import * as path from 'path';
import { launchChromium } from '../test/e2e/harness/browser';
import { ensureHarnessBuilt } from '../test/e2e/harness/build';
import { HarnessPage } from '../test/e2e/harness/page';
import { freePort, ServerProcess } from '../test/e2e/harness/server-process';

async function main(): Promise<void> {
  await ensureHarnessBuilt();
  const server = new ServerProcess(await freePort());
  await server.start();
  const browser = await launchChromium();
  try {
    const tab = await browser.context.newPage();
    const page = new HarnessPage(tab, path.resolve('test-artifacts'));
    await tab.goto(`${server.url}/`);
    await page.waitForPanel((p) => p.server === 'online', 30_000);
    await tab.getByTestId('open-sample').click();
    await page.waitForState((s) => s.active !== null);
    await page.setSlider('feather', 8);
    await tab.getByTestId('variations').selectOption('2');
    // A loose lasso around the iris of the 512×384 sample eye.
    const points = Array.from({ length: 24 }, (_, i) => {
      const a = (i / 24) * 2 * Math.PI;
      return { x: 256 + 92 * Math.cos(a) + 6 * Math.sin(3 * a), y: 192 + 78 * Math.sin(a) };
    });
    await page.drag('lasso', points);
    await tab.getByTestId('run').click();
    await page.waitForPanel((p) => p.phase === 'done' || p.phase === 'failed', 180_000);
    await tab.mouse.move(5, 5);
    await tab.screenshot({ path: path.resolve('docs/harness-screenshot.png') });
  } finally {
    await browser.close();
    await server.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
