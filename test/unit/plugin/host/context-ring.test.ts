/**
 * Issue 10 §1 on the Photoshop host: the result layer covers the selection plus the context ring, so the
 * feathered mask fades out on generated pixels. Measured as Photoshop composites it (layer alpha × the
 * feathered Reveal-Selection mask, see fakes/photoshop-document.ts) along a row across the selection's edge.
 */
import { ApiClient } from '../../../../plugin/src/api/client';
import { createPhotoshopHost } from '../../../../plugin/src/host/photoshop-host';
import { PanelController } from '../../../../plugin/src/model/controller';
import { placeTry } from '../../../../plugin/src/model/tries';
import { fakePhotoshop } from '../fakes/photoshop';
import { FakeServer } from '../fakes/server';

jest.mock('photoshop', () => jest.requireActual('../fakes/photoshop').fakePhotoshop.module, { virtual: true });

const selection = { left: 60, top: 50, width: 80, height: 60 };
const row = selection.top + selection.height / 2;
const featherPx = 8;
/** The steepest a Gaussian edge of σ = 8 px can be between neighbours (1 / σ√2π), plus two levels of rounding. */
const smoothStep = 1 / (featherPx * Math.sqrt(2 * Math.PI)) + 2 / 255;

function profile(layerId: number): number[] {
  return Array.from({ length: 200 }, (_, x) => fakePhotoshop.sim.coverageAt(layerId, x, row));
}

const largestJump = (values: number[]) => Math.max(...values.slice(1).map((v, i) => Math.abs(v - values[i])));

async function runTry(): Promise<PanelController> {
  fakePhotoshop.reset({ width: 200, height: 160, selection });
  const server = new FakeServer(fakePhotoshop.log, { totalSteps: 2 });
  const controller = new PanelController({
    host: createPhotoshopHost({ busyRetryDelayMs: 1 }),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now: () => Date.now() },
  });
  controller.updateSettings({ featherPx, contextPx: 32 });
  await controller.run();
  return controller;
}

it('places a layer over the selection and its context ring, and the feathered mask has no step at its edge', async () => {
  const controller = await runTry();
  const current = controller.store.getState().current!;
  expect(controller.store.getState().error).toBeNull();
  // Ring = max(32, 3 × 8) = 32 px on every side.
  expect(current.bounds).toEqual({ left: 28, top: 18, width: 144, height: 124 });
  expect(fakePhotoshop.calls('imaging.getPixels')[0].args).toMatchObject({ sourceBounds: { left: 28, top: 18, right: 172, bottom: 142 } });

  const coverage = profile(current.layer!.layerId);
  expect(largestJump(coverage)).toBeLessThan(smoothStep);
  expect(coverage[27]).toBe(0); // outside the layer
  expect(coverage[28]).toBeLessThan(0.5 / 255); // the layer's edge: the feather has already faded out
  expect(coverage[selection.left]).toBeGreaterThan(0.4); // about half at the selection's edge
  expect(coverage[selection.left]).toBeLessThan(0.6);
  expect(coverage[100]).toBeGreaterThan(0.99); // fully the result in the middle
  controller.stop();
});

it('the same measure finds the old hard edge when the layer covers only the selection (no ring)', async () => {
  const controller = await runTry();
  const host = createPhotoshopHost();
  const read = await host.readSelection({ source: 'merged', contextPx: 0 });
  const placed = await host.commitTry({ documentId: read.documentId, historyName: 'no ring' }, (writer) =>
    placeTry(writer, { bounds: read.bounds, above: { kind: 'topVisible' }, pixels: read.pixels, name: 'no ring', selection: read.selection, channelName: 'no ring', autoMask: true, featherPx }),
  );
  const coverage = profile(placed.layer.layerId);
  expect(coverage[selection.left - 1]).toBe(0);
  expect(coverage[selection.left]).toBeGreaterThan(0.4); // the step the issue measured (~52 %)
  expect(largestJump(coverage)).toBeGreaterThan(0.4);
  controller.stop();
});
