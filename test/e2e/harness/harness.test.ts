/**
 * The browser harness end to end: the real server process (`insaneres serve`, tiny demo model), the page
 * it serves at `/` in headless Chromium, and the mouse. Assertions come from the page's read-only test
 * hook (window.__insaneres) and from screenshots' pixels; screenshots land in test-artifacts/harness/.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Rect } from '../../../plugin/src/host/host';
import { changedPixels, compareAround, decodePng, testPicturePng, type Rgba } from './images';
import type { HarnessPage } from './page';
import type { ServerProcess } from './server-process';
import { browserSuite, openHarnessSession, type HarnessSession } from './session';

const ARTIFACTS = path.resolve(__dirname, '../../../test-artifacts/harness');

// The browser comes from the OS (.ci/run installs Debian's chromium). A developer without one gets a
// printed skip; CI sets INSANERES_REQUIRE_BROWSER, so there a missing browser fails the suite instead.
const withBrowser = browserSuite('harness e2e');

withBrowser('the harness page in Chromium', () => {
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

  const selection: Rect = { left: 80, top: 60, width: 160, height: 120 };
  const featherPx = 6;
  /** The selection and its context ring: 32 px (the default; the feather's 3σ reach is 18 px). */
  const crop: Rect = { left: 48, top: 28, width: 224, height: 184 };
  let before: Rgba;

  it('opens an image from the file picker and selects a rectangle with the mouse', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-e2e-')), 'test-picture.png');
    fs.writeFileSync(file, await testPicturePng());
    await page.tab.getByTestId('file-input').setInputFiles(file);
    await page.waitForState((s) => s.active?.width === 320);
    expect(await page.canvasZoom()).toBe(1);

    await page.setSlider('feather', featherPx);
    await page.drag('rectangle', [
      { x: selection.left, y: selection.top },
      { x: selection.left + selection.width, y: selection.top + selection.height },
    ]);
    const state = await page.state();
    expect(state.active).toMatchObject({ title: 'test-picture.png', selection, history: ['Open', 'Rectangular Marquee'] });
    expect((await page.panel()).settings.featherPx).toBe(featherPx);
    before = await page.screenshotCanvas('1-selection');
  });

  it('refines: progress, then a difference layer exactly over the selection with a feathered mask', async () => {
    await page.tab.getByTestId('run').click();
    const seen = await page.waitForPanel((p) => p.phase === 'done' || p.phase === 'failed', 90_000);
    expect(seen.error).toBeNull();
    expect(page.phasesSeen).toEqual(expect.arrayContaining(['running', 'done']));

    const doc = (await page.state()).active!;
    expect(doc.layers).toHaveLength(2);
    const result = doc.layers[1];
    expect(result).toMatchObject({ bounds: crop, blendMode: 'difference', visible: true, mask: { featherPx, sourceBounds: selection } });
    expect(result.name).toMatch(/^InsaneRes #1 · seed \d+ · strength 0\.3$/);
    expect(doc.history).toEqual(['Open', 'Rectangular Marquee', 'InsaneRes #1']);
    expect(doc.channels).toEqual(['InsaneRes #1 selection']);

    // The mask: opaque 3σ inside, about half at the selection's edge, fading out beyond it.
    const middleY = selection.top + selection.height / 2;
    expect(await page.maskAt(result.id, selection.left + 3 * featherPx, middleY)).toBe(255);
    expect(await page.maskAt(result.id, selection.left, middleY)).toBeGreaterThan(110);
    expect(await page.maskAt(result.id, selection.left, middleY)).toBeLessThan(160);
    expect(await page.maskAt(result.id, selection.left - 1, middleY)).toBeGreaterThan(95);
    expect(await page.maskAt(result.id, selection.left - 1, middleY)).toBeLessThan(140);
    expect(await page.maskAt(result.id, selection.left - 3 * featherPx - 1, middleY)).toBe(0);

    // The screenshot: outside the crop not one pixel changed; inside, the difference shows.
    const after = await page.screenshotCanvas('2-difference');
    const inner = { left: selection.left + 3 * featherPx, top: selection.top + 3 * featherPx, width: selection.width - 6 * featherPx, height: selection.height - 6 * featherPx };
    const { changedOutside, meanInside } = compareAround(before, after, crop, inner);
    expect(changedOutside).toBe(0);
    expect(meanInside).toBeGreaterThan(20);

    // Difference = |result − original| per channel, exactly, where the mask is opaque.
    const jobId = (await page.panel()).progress?.jobId;
    const refined = await page.jobResult(server.url, jobId as string);
    const shown = await page.pixels(inner);
    const original = before.data;
    for (let y = 0; y < inner.height; y += 7) {
      for (let x = 0; x < inner.width; x += 5) {
        const docX = inner.left + x;
        const docY = inner.top + y;
        const r = ((docY - crop.top) * crop.width + (docX - crop.left)) * 4;
        const o = (docY * before.width + docX) * 4;
        const s = (y * inner.width + x) * 4;
        for (let c = 0; c < 3; c++) expect(shown[s + c]).toBe(Math.abs(refined[r + c] - original[o + c]));
      }
    }
  });

  it('undoes the whole try in one step and redoes it', async () => {
    await page.tab.getByTestId('undo').click();
    let doc = (await page.state()).active!;
    expect(doc.layers).toHaveLength(1);
    expect(doc.selection).toEqual(selection);
    expect(changedPixels(before, await page.screenshotCanvas('3-undone'))).toBe(0);
    await page.tab.getByTestId('redo').click();
    doc = (await page.state()).active!;
    expect(doc.layers.map((l) => l.blendMode)).toEqual(['normal', 'difference']);
  });

  it('hides a layer from the Layers panel (and undoes that too)', async () => {
    const result = (await page.state()).active!.layers[1];
    await page.tab.getByTestId(`layer-visible-${result.id}`).click();
    expect((await page.state()).active!.layers[1].visible).toBe(false);
    expect(changedPixels(before, await page.screenshotCanvas('3-hidden'))).toBe(0);
    await page.tab.getByTestId('undo').click();
    expect((await page.state()).active!.layers[1].visible).toBe(true);
  });

  it('compares: difference ↔ normal, each its own small undo step', async () => {
    await page.tab.getByTestId('compare').click();
    await page.waitForPanel((p) => p.current?.blendMode === 'normal');
    expect((await page.state()).active!.layers[1].blendMode).toBe('normal');
    const normal = await page.screenshotCanvas('4-normal');
    expect(compareAround(before, normal, crop, crop).changedOutside).toBe(0);
    await page.tab.getByTestId('compare').click();
    await page.waitForPanel((p) => p.current?.blendMode === 'difference');
    expect((await page.state()).active!.history.slice(-2)).toEqual(['InsaneRes #1: normal', 'InsaneRes #1: difference']);
  });

  it('context ring: across the edge of the layer the image has no step (Normal mode, the mask profile measured)', async () => {
    await page.tab.getByTestId('compare').click();
    await page.waitForPanel((p) => p.current?.blendMode === 'normal');
    const layer = (await page.state()).active!.layers[1];
    const row = selection.top + selection.height / 2;
    const from = crop.left - 4;
    const to = selection.left + 4 * featherPx;
    const shown = await page.pixels({ left: from, top: row, width: to - from, height: 1 });
    // d(x): how much the composite moved from the original, per channel; the mask profile across the edge.
    const moved = (x: number) => [0, 1, 2].map((c) => shown[(x - from) * 4 + c] - before.data[(row * before.width + x) * 4 + c]);
    const mask: number[] = [];
    for (let x = from; x < to; x++) mask.push((await page.maskAt(layer.id, x, row)) ?? 0);
    console.log(`mask profile across the left edge (x = ${from}…${to - 1}): ${mask.join(' ')}`);
    expect(mask[crop.left - from]).toBeLessThanOrEqual(1); // the layer's first column: faded out
    expect(moved(crop.left - 1)).toEqual([0, 0, 0]);
    expect(moved(crop.left).every((d) => Math.abs(d) <= 1)).toBe(true); // no step where the layer ends
    // σ = 6: the mask rises at most 255 / (6√2π) ≈ 17 levels per pixel; the composite moves no faster.
    const jumps = mask.slice(1).map((m, i) => Math.abs(m - mask[i]));
    expect(Math.max(...jumps)).toBeLessThanOrEqual(18);
    expect(mask[selection.left - from]).toBeGreaterThan(100);
    await page.tab.getByTestId('compare').click();
    await page.waitForPanel((p) => p.current?.blendMode === 'difference');
  });

  it('a feather drag, and a run of arrow keys, are ONE undo step each; Ctrl+Z on the slider undoes it and the panel follows', async () => {
    const steps = async () => (await page.state()).active!.history.slice(0, (await page.state()).active!.historyPosition + 1);
    const before = (await steps()).length;
    const slider = page.tab.getByTestId('feather');
    const box = (await slider.boundingBox())!;
    const at = (value: number) => box.x + 8 + ((box.width - 16) * value) / 100; // the thumb's travel, inside the ends
    await page.tab.mouse.move(at(featherPx), box.y + box.height / 2);
    await page.tab.mouse.down();
    for (let v = featherPx + 1; v <= 14; v++) await page.tab.mouse.move(at(v), box.y + box.height / 2, { steps: 2 });
    await page.tab.mouse.up();
    await page.waitForPanel((p) => p.current?.featherPx === p.settings.featherPx && p.settings.featherPx > featherPx, 5_000);
    const dragged = (await page.panel()).settings.featherPx;
    let history = await steps();
    expect(history.length).toBe(before + 1);
    expect(history[history.length - 1]).toBe(`InsaneRes #1: feather ${dragged}px`);

    await slider.focus();
    for (let i = 0; i < 4; i++) await page.tab.keyboard.press('ArrowRight');
    await page.waitForPanel((p) => p.current?.featherPx === dragged + 4, 5_000);
    history = await steps();
    expect(history.length).toBe(before + 2);

    await page.tab.keyboard.press('Control+z'); // focus is still on the slider: the image's undo
    await page.waitForPanel((p) => p.current?.featherPx === dragged && p.settings.featherPx === dragged, 5_000);
    expect((await steps()).length).toBe(before + 1);
    await page.tab.keyboard.press('Control+z');
    await page.waitForPanel((p) => p.current?.featherPx === featherPx && p.settings.featherPx === featherPx, 5_000);
  });

  it('after undoing the try, Compare is gone (no error, no internal id); a redo brings it back', async () => {
    const resultLayerId = (await page.panel()).current!.layerId!;
    const position = (await page.state()).active!.historyPosition;
    const tryStep = (await page.state()).active!.history.indexOf('InsaneRes #1');
    await page.tab.locator(`[data-testid="history-steps"] li button`).nth(tryStep - 1).click();
    await page.tab.getByTestId('result-gone').waitFor({ state: 'visible' });
    expect(await page.tab.getByTestId('compare').count()).toBe(0);
    expect(await page.tab.getByTestId('result-gone').textContent()).not.toContain(`layer ${resultLayerId}`);
    expect((await page.panel()).error).toBeNull();
    await page.tab.locator(`[data-testid="history-steps"] li button`).nth(position).click();
    await page.tab.getByTestId('compare').waitFor({ state: 'visible' });
    await page.tab.getByTestId('compare').click();
    await page.waitForPanel((p) => p.current?.blendMode === 'normal');
    await page.tab.getByTestId('undo').click();
    await page.waitForPanel((p) => p.current?.blendMode === 'difference');
  });

  it('places an earlier try again from the history', async () => {
    await page.waitForPanel((p) => p.historyCount > 0);
    await page.tab.locator('[data-testid="history"] button').first().click();
    const doc = await page.waitForState((s) => (s.active?.layers.length ?? 0) === 3);
    expect(doc.active!.layers[2]).toMatchObject({ bounds: crop, blendMode: 'difference', mask: { featherPx } });
  });

  it('refines a freehand lasso selection: nothing changes outside its shape', async () => {
    await page.tab.getByTestId('undo').click(); // drop the re-placed try
    await page.tab.getByTestId('tool-lasso').click();
    await page.setSlider('feather', 0);
    const triangle = [
      { x: 20, y: 20 },
      { x: 120, y: 20 },
      { x: 20, y: 110 },
    ];
    await page.drag('lasso', triangle);
    const lasso = (await page.state()).active!.selection!;
    expect(lasso.left).toBeGreaterThanOrEqual(19);
    expect(lasso.left + lasso.width).toBeLessThanOrEqual(121);
    const beforeLasso = await page.screenshotCanvas('5-lasso');
    await page.tab.getByTestId('run').click();
    await page.waitForPanel((p) => p.phase === 'done' || p.phase === 'failed', 90_000);
    const doc = (await page.state()).active!;
    const layer = doc.layers[doc.layers.length - 1];
    // Feather 0: the ring is the Context setting's 32 px, clipped to the canvas.
    const lassoCrop = { left: Math.max(0, lasso.left - 32), top: Math.max(0, lasso.top - 32), width: 0, height: 0 };
    lassoCrop.width = Math.min(doc.width, lasso.left + lasso.width + 32) - lassoCrop.left;
    lassoCrop.height = Math.min(doc.height, lasso.top + lasso.height + 32) - lassoCrop.top;
    expect(layer).toMatchObject({ bounds: lassoCrop, blendMode: 'difference', mask: { featherPx: 0, sourceBounds: lasso } });
    // Inside the bounds but past the hypotenuse: masked out, so the screenshot keeps the old pixel.
    const corner = { x: lasso.left + lasso.width - 3, y: lasso.top + lasso.height - 3 };
    expect(await page.maskAt(layer.id, corner.x, corner.y)).toBe(0);
    expect(await page.maskAt(layer.id, lasso.left + 10, lasso.top + 10)).toBe(255);
    const afterLasso = await page.screenshotCanvas('6-lasso-refined');
    const offShape = { left: corner.x - 1, top: corner.y - 1, width: 3, height: 3 };
    expect(compareAround(beforeLasso, afterLasso, lasso, offShape).meanInside).toBe(0);
    expect(compareAround(beforeLasso, afterLasso, lasso, lasso).changedOutside).toBe(0);
  });

  it('a double-click on Refine runs one try and never cancels it', async () => {
    const doc = (await page.state()).active!;
    await page.tab.getByTestId('run').dblclick();
    await page.waitForPanel((p) => p.phase === 'done' || p.phase === 'failed' || p.phase === 'cancelled', 90_000);
    expect((await page.panel()).phase).toBe('done');
    const after = (await page.state()).active!;
    expect(after.layers).toHaveLength(doc.layers.length + 1);
    expect(after.history.slice(doc.historyPosition + 1)).toHaveLength(1);
  });

  it('variations: one click queues 2 seeds; both land as layers in one undo step, the first shown; a click shows the other', async () => {
    const doc = (await page.state()).active!;
    await page.tab.getByTestId('variations').selectOption('2');
    await page.tab.getByTestId('run').click();
    await page.waitForPanel((p) => p.phase === 'done' || p.phase === 'failed', 90_000);
    const after = (await page.state()).active!;
    const added = after.layers.slice(doc.layers.length);
    expect(added).toHaveLength(2);
    expect(after.history[after.historyPosition]).toMatch(/^InsaneRes #\d+–#\d+$/);
    expect(after.history.slice(doc.historyPosition + 1)).toHaveLength(1);
    // Top first: the first variation on top and shown, the second hidden under it.
    const [second, first] = added;
    expect([first.visible, second.visible]).toEqual([true, false]);
    expect(first.name).toMatch(/^InsaneRes #\d+ · seed \d+/);
    await page.screenshotPage('9-variations');
    await page.tab.getByTestId('variation-2').click();
    const shown = await page.waitForState((s) => s.active!.layers.find((l) => l.id === second.id)?.visible === true);
    expect(shown.active!.layers.find((l) => l.id === first.id)?.visible).toBe(false);
    await page.tab.getByTestId('variations').selectOption('1');
  });

  it('Ctrl+A selects the whole image (not the page), and a marquee may start beside the canvas', async () => {
    const doc = (await page.state()).active!;
    await page.tab.getByTestId('feather').focus(); // a slider with focus does not own the shortcuts
    await page.tab.keyboard.press('Control+a');
    await page.waitForState((s) => s.active!.history[s.active!.historyPosition] === 'Select All');
    expect((await page.state()).active!.selection).toEqual({ left: 0, top: 0, width: doc.width, height: doc.height });
    expect(await page.tab.evaluate(() => String(window.getSelection()))).toBe('');
    // From 30 px left of and above the canvas to (60, 50) inside it: clipped to the canvas.
    await page.drag('rectangle', [
      { x: -30, y: -30 },
      { x: 60, y: 50 },
    ]);
    expect((await page.state()).active!.selection).toEqual({ left: 0, top: 0, width: 60, height: 50 });
  });

  it('exports the flattened result as a PNG', async () => {
    const doc = (await page.state()).active!;
    const [download] = await Promise.all([page.tab.waitForEvent('download'), page.tab.getByTestId('export').click()]);
    expect(download.suggestedFilename()).toBe('test-picture-flattened.png');
    const file = path.join(ARTIFACTS, 'exported.png');
    await download.saveAs(file);
    const exported = await decodePng(fs.readFileSync(file));
    expect([exported.width, exported.height]).toEqual([doc.width, doc.height]);
    const shown = Buffer.from(await page.pixels({ left: 0, top: 0, width: doc.width, height: doc.height }));
    expect(Buffer.compare(Buffer.from(exported.data), shown)).toBe(0);
  });

  it('shows progress with a live preview, and cancels from the page: no layer, no history step', async () => {
    const layersBefore = (await page.state()).active!.layers.length;
    const historyBefore = (await page.state()).active!.history;
    await page.setSlider('strength', 1);
    await page.setSlider('steps', 150);
    await page.tab.getByTestId('run').click();
    const running = await page.waitForPanel((p) => p.phase === 'running' && (p.progress?.step ?? 0) >= 2 && p.progress?.hasPreview === true, 60_000);
    expect(running.progress?.totalSteps).toBe(150);
    await page.tab.getByTestId('preview').waitFor({ state: 'visible' });
    expect(await page.tab.getByTestId('progress-text').textContent()).toMatch(/step \d+\/150/);
    await page.screenshotPage('7-running');
    await page.tab.getByTestId('cancel').click(); // a control of its own, never Refine's place
    await page.waitForPanel((p) => p.phase === 'cancelled');
    await page.tab.getByTestId('cancelled').waitFor({ state: 'visible' });
    const job = await page.waitForJob(server.url, running.progress?.jobId as string, 'cancelled');
    expect(job.step).toBeLessThan(150);
    const doc = (await page.state()).active!;
    expect(doc.layers).toHaveLength(layersBefore);
    expect(doc.history).toEqual(historyBefore);
  });

  it('opens a dropped image as a new document', async () => {
    const png = (await testPicturePng(64, 48)).toString('base64');
    await page.tab.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      document.querySelector('[data-testid="stage"]')?.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, png);
    const state = await page.waitForState((s) => s.documents.length === 2);
    expect(state.active).toMatchObject({ title: 'dropped.png', width: 64, height: 48, layers: [{ name: 'Background' }] });
  });

  it('says the server is offline when it stops, and reconnects when it is back', async () => {
    await server.stop();
    await page.waitForPanel((p) => p.server === 'offline', 20_000);
    const status = await page.tab.getByTestId('status').textContent();
    expect(status).toContain('Server offline');
    expect(status).toContain('npx insaneres serve');
    expect(await page.tab.getByTestId('run').isDisabled()).toBe(true);
    await page.screenshotPage('8-offline');
    await server.start();
    await page.waitForPanel((p) => p.server === 'online', 20_000);
    // The server answers before its model has loaded; meanwhile the panel says "Loading model…" and keeps
    // Refine disabled, then enables it once health reports the model (it polls every 3 s while loading).
    const deadline = Date.now() + 60_000;
    while (!(await page.tab.getByTestId('run').isEnabled())) {
      if (Date.now() > deadline) throw new Error(`Refine stayed disabled after the server came back: ${await page.tab.getByTestId('status').textContent()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  it('raised no errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
