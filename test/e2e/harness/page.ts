/** The harness page as the tests drive it: the mouse on the canvas, the panel's widgets, the read-only hook. */
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import type { Rect } from '../../../plugin/src/host/host';
import type { HarnessState, PanelView, TestHook } from '../../../plugin/src/harness/test-hook';
import type { JobStatus } from '../../../shared/src';
import { decodePng, type Rgba } from './images';

type Hooked = { __insaneres: TestHook };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class HarnessPage {
  /** Every panel phase a wait observed, in order (progress is polled, so very short phases may be missed). */
  readonly phasesSeen: string[] = [];

  constructor(
    readonly tab: Page,
    private readonly artifacts: string,
  ) {}

  state(): Promise<HarnessState> {
    return this.tab.evaluate(() => (window as unknown as Hooked).__insaneres.state());
  }

  panel(): Promise<PanelView> {
    return this.tab.evaluate(() => (window as unknown as Hooked).__insaneres.panel());
  }

  /**
   * The flattened RGBA pixels of `rect`. They cross from the page as one base64 string: Playwright
   * serialises an array number by number, which took ~11 s for a 320×240 document on a busy machine.
   */
  async pixels(rect: Rect): Promise<Uint8Array> {
    const base64 = await this.tab.evaluate((r) => {
      const samples = (window as unknown as Hooked).__insaneres.pixels(r);
      let binary = '';
      for (let i = 0; i < samples.length; i += 0x8000) binary += String.fromCharCode(...samples.slice(i, i + 0x8000));
      return btoa(binary);
    }, rect);
    return new Uint8Array(Buffer.from(base64, 'base64'));
  }

  async maskAt(layerId: number, x: number, y: number): Promise<number | null> {
    return this.tab.evaluate(([id, px, py]) => (window as unknown as Hooked).__insaneres.maskAt(id, px, py), [layerId, x, y] as const);
  }

  async waitForState(until: (state: HarnessState) => boolean, timeoutMs = 10_000): Promise<HarnessState> {
    return this.poll(() => this.state(), until, timeoutMs, 'document state');
  }

  async waitForPanel(until: (panel: PanelView) => boolean, timeoutMs = 10_000): Promise<PanelView> {
    return this.poll(
      async () => {
        const panel = await this.panel();
        if (this.phasesSeen[this.phasesSeen.length - 1] !== panel.phase) this.phasesSeen.push(panel.phase);
        return panel;
      },
      until,
      timeoutMs,
      'panel state',
    );
  }

  /** The zoom the canvas is shown at (CSS px per document px). */
  async canvasZoom(): Promise<number> {
    return Number(await this.tab.locator('.hr-canvas-frame').getAttribute('data-zoom'));
  }

  /** A range input of the panel, as a user drags it (input + change events). */
  async setSlider(testId: string, value: number): Promise<void> {
    await this.tab.getByTestId(testId).fill(String(value));
  }

  /** Draws a selection with the mouse through `points` (document pixels). */
  async drag(tool: 'rectangle' | 'lasso', points: { x: number; y: number }[]): Promise<void> {
    await this.tab.getByTestId(`tool-${tool}`).click();
    const box = await this.tab.getByTestId('canvas-overlay').boundingBox();
    if (!box) throw new Error('the canvas is not on screen');
    if (!Number.isInteger(box.x) || !Number.isInteger(box.y)) throw new Error(`the canvas sits at a fractional position (${box.x}, ${box.y})`);
    const zoom = await this.canvasZoom();
    const screen = (p: { x: number; y: number }) => [box.x + p.x * zoom, box.y + p.y * zoom] as const;
    const step = (s: HarnessState) => `${s.active?.historyPosition}:${s.active?.history.join('|')}`;
    const before = step(await this.state());
    await this.tab.mouse.move(...screen(points[0]));
    await this.tab.mouse.down();
    for (const point of points.slice(1)) await this.tab.mouse.move(...screen(point), { steps: 6 });
    await this.tab.mouse.up();
    await this.waitForState((s) => step(s) !== before);
  }

  /** The canvas as the user sees it (with the selection outline), saved under test-artifacts. */
  async screenshotCanvas(name: string): Promise<Rgba> {
    const png = await this.tab.locator('.hr-canvas-frame').screenshot({ animations: 'disabled' });
    fs.writeFileSync(path.join(this.artifacts, `${name}.png`), png);
    return decodePng(png);
  }

  async screenshotPage(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${name}.png`);
    await this.tab.screenshot({ path: file });
    return file;
  }

  /** The job's result straight from the server, as raw RGBA. */
  async jobResult(serverUrl: string, jobId: string): Promise<Uint8Array> {
    const response = await fetch(`${serverUrl}/v1/jobs/${jobId}/result`, { headers: { Accept: 'application/octet-stream' } });
    if (!response.ok) throw new Error(`result of ${jobId}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  async waitForJob(serverUrl: string, jobId: string, state: JobStatus['state'], timeoutMs = 20_000): Promise<JobStatus> {
    return this.poll(
      async () => (await (await fetch(`${serverUrl}/v1/jobs/${jobId}`)).json()) as JobStatus,
      (status) => status.state === state,
      timeoutMs,
      `job ${jobId}`,
    );
  }

  private async poll<T>(read: () => Promise<T>, until: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (until(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the ${what}; last: ${JSON.stringify(value)}`);
      await sleep(50);
    }
  }
}
