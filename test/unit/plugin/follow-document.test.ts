/**
 * Issue 10 §3 and §6 on the Photoshop host (the recording fake with its simulated layers, channels and
 * History): the panel follows undo and History jumps, keeps one channel per name, asks before placing a result
 * from elsewhere, and places variations as layers in one undo step.
 */
import { ApiClient } from '../../../plugin/src/api/client';
import { createPhotoshopHost } from '../../../plugin/src/host/photoshop-host';
import { PanelController } from '../../../plugin/src/model/controller';
import { fakePhotoshop } from './fakes/photoshop';
import { FakeServer } from './fakes/server';

jest.mock('photoshop', () => jest.requireActual('./fakes/photoshop').fakePhotoshop.module, { virtual: true });

const selection = { left: 40, top: 40, width: 30, height: 24 };
const timers = { setTimeout: () => 0, clearTimeout: () => undefined, now: () => 0 };

async function setup() {
  fakePhotoshop.reset({ width: 160, height: 120, selection });
  const server = new FakeServer(fakePhotoshop.log, { totalSteps: 1 });
  const controller = new PanelController({
    host: createPhotoshopHost({ busyRetryDelayMs: 1 }),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers,
  });
  controller.start();
  await controller.refreshDocument();
  for (let i = 0; i < 100 && controller.store.getState().server.kind !== 'online'; i++) await new Promise((r) => setTimeout(r, 1));
  controller.updateSettings({ featherPx: 4, contextPx: 8 });
  const state = () => controller.store.getState();
  const steps = () => fakePhotoshop.sim.history.slice(0, fakePhotoshop.sim.position + 1).map((h) => h.name);
  return { server, controller, state, steps };
}

describe('following the document', () => {
  it('after an undo the result is gone: Compare does nothing and says why (no internal id); a redo brings it back', async () => {
    const { controller, state, steps } = await setup();
    await controller.run();
    expect(steps()).toEqual(['Open', 'InsaneRes #1']);
    fakePhotoshop.sim.undo();
    await controller.refreshDocument();
    expect(state().current?.gone).toBe(true);
    const before = fakePhotoshop.calls('hostControl.suspendHistory').length;
    await controller.toggleCompare();
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(before);
    expect(state().notice).toBe('The layer of try #1 no longer exists (its step was undone, or it was deleted).');
    expect(state().error).toBeNull();

    fakePhotoshop.sim.redo();
    await controller.refreshDocument();
    expect(state().current?.gone).toBe(false);
    await controller.toggleCompare();
    expect(fakePhotoshop.sim.layer(100)?.mode).toBe('normal');
    controller.stop();
  });

  it('an undone mode or feather change shows in the panel again', async () => {
    const { controller, state } = await setup();
    await controller.run();
    await controller.toggleCompare();
    controller.setFeather(10, true);
    await controller.flushFeather();
    expect(state().current).toMatchObject({ blendMode: 'normal', featherPx: 10 });
    fakePhotoshop.sim.undo(); // the feather change
    await controller.refreshDocument();
    expect(state().current).toMatchObject({ blendMode: 'normal', featherPx: 4 });
    expect(state().settings.featherPx).toBe(4); // the slider shows the mask's feather again
    fakePhotoshop.sim.undo(); // the mode change
    await controller.refreshDocument();
    expect(state().current).toMatchObject({ blendMode: 'difference', masked: true });
    controller.stop();
  });
});

describe('channels', () => {
  it('placing a try again reuses its channel, and "Clean up" removes them all in one undo step', async () => {
    const { controller, state, steps } = await setup();
    controller.updateSettings({ autoMask: false });
    await controller.run();
    await controller.refreshHistory();
    await controller.placeHistory(state().history[0].id);
    expect(state().error).toBeNull();
    expect(fakePhotoshop.sim.state.channels.map((c) => c.name)).toEqual(['InsaneRes #1 selection']);

    await controller.results.cleanUpChannels();
    expect(fakePhotoshop.sim.state.channels).toEqual([]);
    expect(steps().slice(-1)).toEqual(['InsaneRes: clean up channels']);
    expect(state().notice).toBe('Removed 1 InsaneRes channel; the masks stay.');
    // The mask can still be made: the try's selection is rebuilt from memory.
    await controller.applyMask();
    expect(state().error).toBeNull();
    expect(fakePhotoshop.sim.layer(state().current!.layer!.layerId)?.mask?.source?.bounds).toEqual(selection);
    controller.stop();
  });
});

describe('history from another document', () => {
  it('asks before placing a result elsewhere, and refuses one larger than the canvas', async () => {
    const { controller, state } = await setup();
    await controller.run();
    await controller.refreshHistory();
    const item = state().history[0];

    fakePhotoshop.reset({ id: 8, width: 32, height: 32, selection: null }); // a smaller document is active
    await controller.placeHistory(item.id);
    expect(state().error).toMatchObject({ code: 'DOES_NOT_FIT' });
    expect(state().error?.message).toBe(`This result is ${item.width}×${item.height} px, larger than “portrait.psd” (32×32 px), so it cannot be placed here.`);
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);

    fakePhotoshop.reset({ id: 9, width: 300, height: 200, selection: null });
    await controller.placeHistory(item.id);
    expect(state().confirmPlace?.message).toBe(`This result (${item.width}×${item.height} px) came from “portrait.psd”. Place it in “portrait.psd”, centred?`);
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);
    await controller.placeHistory(item.id, true);
    expect(state().confirmPlace).toBeNull();
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ documentID: 9, targetBounds: { left: Math.floor((300 - item.width) / 2), top: Math.floor((200 - item.height) / 2) } });
    expect(state().current).toMatchObject({ documentId: 9, channelName: null, masked: false });
    controller.stop();
  });
});

describe('variations', () => {
  it('queues N seeds (S, S+1, …) and places them as N layers in ONE undo step: the first on top and shown', async () => {
    const { server, controller, state, steps } = await setup();
    controller.updateSettings({ variations: 3, seedMode: 'fixed', seed: 100 });
    await controller.run();
    expect(state().error).toBeNull();
    expect(server.jobRequests.map((r) => (r as { params: { seed: number } }).params.seed)).toEqual([100, 101, 102]);
    expect(fakePhotoshop.calls('server POST /v1/images')).toHaveLength(1); // uploaded once
    expect(steps()).toEqual(['Open', 'InsaneRes #1–#3']);
    const layers = [...fakePhotoshop.sim.state.layers].reverse(); // top first, as the Layers panel shows them
    expect(layers.map((l) => [l.name.replace(/ · strength.*/, ''), l.visible])).toEqual([
      ['InsaneRes #1 · seed 100', true],
      ['InsaneRes #2 · seed 101', false],
      ['InsaneRes #3 · seed 102', false],
      ['Background', true],
    ]);
    expect(layers.slice(0, 3).every((l) => l.mode === 'difference' && l.mask?.featherPx === 4)).toBe(true);
    expect(fakePhotoshop.sim.state.channels.map((c) => c.name)).toEqual(['InsaneRes #1 selection']);
    expect(state().current).toMatchObject({ number: 1, group: 1 });

    await controller.results.showVariation(2);
    expect(fakePhotoshop.sim.state.layers.filter((l) => l.visible).map((l) => l.name.slice(0, 12))).toEqual(['Background', 'InsaneRes #2']);
    expect(state().current?.number).toBe(2);
    expect(steps().slice(-1)).toEqual(['InsaneRes #2: show']);
    fakePhotoshop.sim.undo();
    fakePhotoshop.sim.undo();
    expect(fakePhotoshop.sim.state.layers.map((l) => l.name)).toEqual(['Background']); // one undo removes all three
    controller.stop();
  });
});
