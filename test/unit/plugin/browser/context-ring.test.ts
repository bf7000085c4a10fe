/**
 * Issue 10 §1 on the harness's canvas document, composited for real: across the selection's edge the image
 * goes from the original to the result without a step, because the layer covers the context ring.
 */
import { ApiClient } from '../../../../plugin/src/api/client';
import { BrowserHost } from '../../../../plugin/src/host/browser/browser-host';
import { currentState } from '../../../../plugin/src/host/browser/document';
import { Editor } from '../../../../plugin/src/host/browser/editor';
import { rectPlane } from '../../../../plugin/src/host/browser/selection';
import { PanelController } from '../../../../plugin/src/model/controller';
import { FakeServer } from '../fakes/server';

const WIDTH = 160;
const HEIGHT = 100;
const GREY = 60; // the fake model inverts: the result is 195, a 135-level change

it('composites the refined selection into the image with no step at the edge of the layer', async () => {
  const editor = new Editor();
  const doc = editor.open('flat', WIDTH, HEIGHT, new Uint8ClampedArray(WIDTH * HEIGHT * 4).map((_, i) => (i % 4 === 3 ? 255 : GREY)));
  const area = { left: 50, top: 30, width: 60, height: 40 };
  editor.commit(doc.id, 'Rectangular Marquee', (s) => ({ ...s, selection: rectPlane(area) }));
  const server = new FakeServer([], { totalSteps: 2 });
  const controller = new PanelController({
    host: new BrowserHost(editor),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now: () => Date.now() },
  });
  controller.updateSettings({ featherPx: 6, contextPx: 8 }); // ring = 3 × 6 = 18 px > 8
  await controller.run();
  await controller.toggleCompare(); // normal mode: the image as the retoucher will keep it
  const layer = currentState(editor.active()!).layers[1];
  expect(layer.bounds).toEqual({ left: 32, top: 12, width: 96, height: 76 });

  const row = area.top + area.height / 2;
  const flat = editor.flattenedPixels(editor.active()!);
  const red = Array.from({ length: WIDTH }, (_, x) => flat[(row * WIDTH + x) * 4]);
  const jumps = red.slice(1).map((v, i) => Math.abs(v - red[i]));
  // 135 levels spread by a σ = 6 px Gaussian: at most 135 / (6√2π) ≈ 9 levels between neighbours.
  expect(Math.max(...jumps)).toBeLessThanOrEqual(Math.ceil(135 / (6 * Math.sqrt(2 * Math.PI))) + 1);
  expect(red[31]).toBe(GREY); // outside the layer: untouched
  expect(red[32]).toBe(GREY); // the layer's first column: the mask has faded out
  expect(red[80]).toBe(255 - GREY); // the middle: the result
  expect(Math.abs(red[area.left] - (GREY + 255 - GREY) / 2)).toBeLessThan(20); // about half-way at the edge
  controller.stop();
});
