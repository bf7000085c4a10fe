/**
 * Issue 10 §2 on the harness document, composited for real: a model that changes nothing must leave the
 * image unchanged and show black in Difference, even with a semi-transparent layer above the active one.
 */
import { ApiClient } from '../../../../plugin/src/api/client';
import { BrowserHost } from '../../../../plugin/src/host/browser/browser-host';
import { currentState, pixelLayer } from '../../../../plugin/src/host/browser/document';
import { Editor } from '../../../../plugin/src/host/browser/editor';
import { rectPlane } from '../../../../plugin/src/host/browser/selection';
import type { PixelSource } from '../../../../plugin/src/host/host';
import { PanelController } from '../../../../plugin/src/model/controller';
import { FakeServer } from '../fakes/server';

const W = 40;
const H = 30;
const area = { left: 10, top: 8, width: 20, height: 14 };

async function unchangedTry(source: PixelSource) {
  const editor = new Editor();
  const background = new Uint8ClampedArray(W * H * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 256));
  const doc = editor.open('doc', W, H, background);
  // A half-transparent red layer over everything, and the Background still the active layer.
  const glow = pixelLayer(editor.newLayerId(), 'Glow', { left: 0, top: 0, width: W, height: H }, new Uint8ClampedArray(W * H * 4).map((_, i) => [200, 0, 0, 128][i % 4]));
  editor.commit(doc.id, 'Glow', (s) => ({ ...s, layers: [...s.layers, glow], selection: rectPlane(area) }));
  const before = editor.flattenedPixels(editor.active()!).slice();
  const server = new FakeServer([], { totalSteps: 1, identity: true });
  const controller = new PanelController({
    host: new BrowserHost(editor),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now: () => Date.now() },
  });
  controller.updateSettings({ source, featherPx: 0, contextPx: 4 });
  await controller.run();
  expect(controller.store.getState().error).toBeNull();
  return { editor, controller, before };
}

it('reading the merged image: the unchanged result lands above the topmost visible layer, Difference is black, Normal is the image', async () => {
  const { editor, controller, before } = await unchangedTry('merged');
  expect(currentState(editor.active()!).layers.map((l) => l.name.replace(/ · seed.*/, ''))).toEqual(['Background', 'Glow', 'InsaneRes #1']);
  const shown = editor.flattenedPixels(editor.active()!);
  for (let y = area.top; y < area.top + area.height; y++) {
    for (let x = area.left; x < area.left + area.width; x++) {
      const i = (y * W + x) * 4;
      expect([shown[i], shown[i + 1], shown[i + 2]]).toEqual([0, 0, 0]);
    }
  }
  await controller.toggleCompare();
  expect(Buffer.compare(Buffer.from(editor.flattenedPixels(editor.active()!)), Buffer.from(before))).toBe(0);
  controller.stop();
});

it('reading the active layer: the result lands directly above that layer and Normal changes nothing', async () => {
  const { editor, controller, before } = await unchangedTry('activeLayer');
  expect(currentState(editor.active()!).layers.map((l) => l.name.replace(/ · seed.*/, ''))).toEqual(['Background', 'InsaneRes #1', 'Glow']);
  await controller.toggleCompare();
  expect(Buffer.compare(Buffer.from(editor.flattenedPixels(editor.active()!)), Buffer.from(before))).toBe(0);
  controller.stop();
});
