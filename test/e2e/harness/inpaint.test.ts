/**
 * "Inpaint selection" end to end: the real server process (tiny demo model), the harness page in headless
 * Chromium, a lasso drawn with the mouse. The server's result may differ from the original only within the
 * mask blur's reach of the lasso, and the canvas only inside the feathered selection.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { HistoryListResponse } from '../../../shared/src';
import { testPicturePng } from './images';
import type { HarnessPage } from './page';
import type { ServerProcess } from './server-process';
import { browserSuite, openHarnessSession, type HarnessSession } from './session';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/harness-inpaint');

const withBrowser = browserSuite('harness inpaint e2e');

type Point = { x: number; y: number };
const triangle: Point[] = [
  { x: 30, y: 30 },
  { x: 130, y: 30 },
  { x: 30, y: 120 },
];

/** Distance from a pixel centre to the triangle (0 inside). */
function distanceToTriangle(px: number, py: number): number {
  const p = { x: px + 0.5, y: py + 0.5 };
  const cross = (a: Point, b: Point) => (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
  const signs = triangle.map((a, i) => math.sign(cross(a, triangle[(i + 1) % 3])));
  if (signs.every((s) => s >= 0) || signs.every((s) => s <= 0)) return 0;
  return math.min(
    ...triangle.map((a, i) => {
      const b = triangle[(i + 1) % 3];
      const t = math.max(0, math.min(1, ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / ((b.x - a.x) ** 2 + (b.y - a.y) ** 2)));
      return math.hypot(p.x - (a.x + t * (b.x - a.x)), p.y - (a.y + t * (b.y - a.y)));
    }),
  );
}

withBrowser('Inpaint selection in the harness', () => {
  let session: HarnessSession;
  let server: ServerProcess;
  let page: HarnessPage;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await openHarnessSession(ARTIFACTS);
    ({ server, page, pageErrors } = session);
  }, 180_000);

  afterAll(async () => {
    await session?.close();
  });

  it('repaints only inside a lasso: the result within the mask blur, the canvas within the feathered selection', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-e2e-')), 'test-picture.png');
    fs.writeFileSync(file, await testPicturePng());
    await page.tab.getByTestId('file-input').setInputFiles(file);
    const opened = await page.waitForState((s) => s.active?.width === 320);
    const { width, height } = opened.active!;
    const original = await page.pixels({ left: 0, top: 0, width, height });

    await page.tab.getByTestId('mode-inpaint').click();
    await page.setSlider('steps', 8); // 8 × 0.75 → 6 steps: quick on the tiny model
    await page.setSlider('feather', 4);
    await page.drag('lasso', triangle);
    await page.tab.getByTestId('run').click();
    const done = await page.waitForPanel((p) => p.phase === 'done' || p.phase === 'failed', 120_000);
    expect(done.error).toBeNull();
    await page.screenshotCanvas('inpaint-difference');

    // The server's result for the crop: unchanged beyond the mask blur's reach (σ 4 → 10 px in x and y).
    const doc = (await page.state()).active!;
    const layer = doc.layers[doc.layers.length - 1];
    expect(layer.name).toContain('strength 0.75');
    const history = (await (await fetch(`${server.url}/v1/history?limit=1`)).json()) as HistoryListResponse;
    const entry = history.items[0];
    expect(entry.params).toMatchObject({ strength: 0.75, maskBlur: 4, inpaintArea: 'masked', padding: 32 });
    const result = await page.jobResult(server.url, entry.jobId);
    const crop = layer.bounds;
    expect(result.length).toBe(crop.width * crop.height * 4);
    let changedInside = 0;
    for (let y = 0; y < crop.height; y++) {
      for (let x = 0; x < crop.width; x++) {
        const docX = crop.left + x;
        const docY = crop.top + y;
        const r = (y * crop.width + x) * 4;
        const o = (docY * width + docX) * 4;
        const same = [0, 1, 2].every((c) => result[r + c] === original[o + c]);
        const distance = distanceToTriangle(docX, docY);
        if (!same && distance > 10 * math.SQRT2 + 2) throw new Error(`result pixel (${docX}, ${docY}) changed ${distance.toFixed(1)} px from the lasso`);
        if (!same && distance === 0) changedInside++;
      }
    }
    expect(changedInside).toBeGreaterThan(1000);

    // The canvas with the result in Normal mode: changed only where the feathered selection reaches (3 × 4 px).
    await page.tab.getByTestId('compare').click();
    await page.waitForPanel((p) => p.current?.blendMode === 'normal');
    await page.screenshotCanvas('inpaint-normal');
    const shown = await page.pixels({ left: 0, top: 0, width, height });
    let changedShown = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 4;
        if ([0, 1, 2].every((c) => shown[o + c] === original[o + c])) continue;
        changedShown++;
        const distance = distanceToTriangle(x, y);
        if (distance > 12 + 2) throw new Error(`canvas pixel (${x}, ${y}) changed ${distance.toFixed(1)} px from the lasso`);
      }
    }
    expect(changedShown).toBeGreaterThan(1000);
  });

  it('raised no errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
