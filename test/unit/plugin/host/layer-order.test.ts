/**
 * Issue 10 §2 on the Photoshop host: the result goes where Difference means "what the model changed" —
 * above the topmost visible layer for a merged read, directly above the layer that was read otherwise —
 * with a semi-transparent layer and a hidden one above the active layer.
 */
import { ApiClient } from '../../../../plugin/src/api/client';
import { createPhotoshopHost } from '../../../../plugin/src/host/photoshop-host';
import { PanelController } from '../../../../plugin/src/model/controller';
import type { PixelSource } from '../../../../plugin/src/host/host';
import { fakePhotoshop } from '../fakes/photoshop';
import { FakeServer } from '../fakes/server';

jest.mock('photoshop', () => jest.requireActual('../fakes/photoshop').fakePhotoshop.module, { virtual: true });

async function tryWith(source: PixelSource): Promise<string[]> {
  fakePhotoshop.reset({ width: 120, height: 90, selection: { left: 40, top: 30, width: 30, height: 20 } });
  fakePhotoshop.sim.addLayer({ name: 'Glow', opacity: 50 });
  fakePhotoshop.sim.addLayer({ name: 'Notes', visible: false });
  // The retoucher works on the Background: it is the active layer when Refine is pressed.
  fakePhotoshop.sim.state.activeLayerId = 1;
  const server = new FakeServer(fakePhotoshop.log, { totalSteps: 1 });
  const controller = new PanelController({
    host: createPhotoshopHost({ busyRetryDelayMs: 1 }),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now: () => Date.now() },
  });
  controller.updateSettings({ source });
  await controller.run();
  expect(controller.store.getState().error).toBeNull();
  controller.stop();
  return fakePhotoshop.sim.state.layers.map((l) => l.name.replace(/ · seed.*/, ''));
}

it('places a result read from the merged image above the topmost visible layer (in the same undo step)', async () => {
  expect(await tryWith('merged')).toEqual(['Background', 'Glow', 'InsaneRes #1', 'Notes']);
  expect(fakePhotoshop.calls('layer.moveAbove')).toHaveLength(1);
  const steps = fakePhotoshop.sim.history.map((h) => h.name);
  expect(steps[steps.length - 1]).toBe('InsaneRes #1');
  fakePhotoshop.sim.undo();
  expect(fakePhotoshop.sim.state.layers.map((l) => l.name)).toEqual(['Background', 'Glow', 'Notes']);
});

it('places a result read from the active layer directly above that layer', async () => {
  expect(await tryWith('activeLayer')).toEqual(['Background', 'InsaneRes #1', 'Glow', 'Notes']);
  expect(fakePhotoshop.calls('imaging.getPixels')[0].args).toMatchObject({ layerID: 1 });
  expect(fakePhotoshop.calls('layer.moveAbove')).toHaveLength(0);
});
