/**
 * What every harness e2e file needs: a suite that runs only where Chromium is (skipped with a printed reason,
 * or failing in CI, where INSANERES_REQUIRE_BROWSER is set), and a session of the real server process plus
 * the harness page in headless Chromium, with the page's uncaught errors collected.
 */
import * as fs from 'fs';
import type { Page } from 'playwright-core';
import { chromiumAvailable, CHROMIUM_PATH, launchChromium, type Browser } from './browser';
import { ensureHarnessBuilt } from './build';
import { HarnessPage } from './page';
import { freePort, ServerProcess } from './server-process';

/** `describe` where Chromium is; elsewhere `describe.skip` after saying why (or an error in CI). */
export function browserSuite(label: string): jest.Describe {
  if (chromiumAvailable()) return describe;
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.INSANERES_REQUIRE_BROWSER) throw new Error(`${label}: ${reason}`);
  console.warn(`${label} skipped: ${reason}`);
  return describe.skip;
}

export interface HarnessSession {
  server: ServerProcess;
  browser: Browser;
  page: HarnessPage;
  /** Uncaught errors in the page, in order; a test asserts there were none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Starts the server (with `serverOptions`' extra args and environment) and opens the page until the panel is online. */
export async function openHarnessSession(
  artifacts: string,
  serverOptions?: ConstructorParameters<typeof ServerProcess>[1],
): Promise<HarnessSession> {
  fs.mkdirSync(artifacts, { recursive: true });
  await ensureHarnessBuilt();
  const server = new ServerProcess(await freePort(), serverOptions);
  let browser: Browser | null = null;
  try {
    await server.start();
    browser = await launchChromium();
  } catch (err) {
    await browser?.close();
    await server.dispose();
    throw err;
  }
  const pageErrors: string[] = [];
  const tab: Page = await browser.context.newPage();
  tab.on('pageerror', (error) => pageErrors.push(error.message));
  const page = new HarnessPage(tab, artifacts);
  const session: HarnessSession = {
    server, browser, page, pageErrors,
    close: async () => {
      await browser?.close();
      await server.dispose();
    },
  };
  await tab.goto(`${server.url}/`);
  await page.waitForPanel((p) => p.server === 'online');
  return session;
}
