/**
 * The whole round trip of DESIGN §1 through the real panel code — controller, API client, Photoshop host —
 * against the recording fakes of `photoshop` (mapped as a virtual module) and of the server.
 */
import { CANCEL_GUARD_MS } from '../../../plugin/src/model/controller';
import { DEFAULT_SETTINGS } from '../../../plugin/src/model/settings';
import { fakePhotoshop, patternSample, type FakeImageData, type LogEntry } from './fakes/photoshop';
import { type FakeServerOptions } from './fakes/server';
import { connectedPanel, until } from './fakes/connected-panel';

jest.mock('photoshop', () => jest.requireActual('./fakes/photoshop').fakePhotoshop.module, { virtual: true });

const selection = { left: 40, top: 40, width: 20, height: 12 };
/** The selection grown by the context ring: 36 px, the reach of the default 12 px feather (3 × 12 > 32). */
const crop = { left: 4, top: 4, width: 92, height: 84 };
const canvas = { width: 128, height: 96 };
/** Upscale reads exactly the selection: a small canvas so that results can stick out of it. */
const upscaleSelection = { left: 10, top: 6, width: 20, height: 12 };
/** The panel's clock: moved by hand, so time-dependent behaviour is tested without waiting. */
const clock = { now: 1_000_000 };

async function setup(serverOptions: FakeServerOptions = {}, documentSelection: typeof selection | null = selection, size = canvas) {
  const connected = await connectedPanel(serverOptions, { selection: documentSelection, ...size, now: () => clock.now });
  fakePhotoshop.log.length = 0;
  return connected;
}

/** The log without bookkeeping noise, as "api detail" lines. */
function story(log: LogEntry[]): string[] {
  return log
    .filter((e) => e.api !== 'imageData.dispose' && e.api !== 'imaging.createImageDataFromBuffer' && e.api !== 'server GET /v1/history')
    .map((e) => {
      if (e.api === 'action.batchPlay') {
        const d = e.args as Record<string, unknown>;
        return `batchPlay ${d._obj} ${JSON.stringify(d.to ?? d.using ?? d.name ?? d._target)}`;
      }
      return e.api.replace(/job\d+/, 'JOB');
    })
    .filter((line, i, all) => line !== 'server GET /v1/jobs/JOB' || all[i - 1] !== line); // polls collapse to one line
}

describe('the round trip', () => {
  it('reads at 100 %, leaves Photoshop free during the job, then places the result in ONE undo step', async () => {
    const { server, controller, state } = await setup({ totalSteps: 3 });
    await controller.run();
    expect(state().error).toBeNull();
    expect(state().phase).toBe('done');

    expect(fakePhotoshop.calls('imaging.getPixels')[0].args).toEqual({
      documentID: 7,
      sourceBounds: { left: 4, top: 4, right: 96, bottom: 88 },
      colorSpace: 'RGB',
      colorProfile: 'sRGB IEC61966-2.1',
    });
    expect(story(fakePhotoshop.log)).toEqual([
      'core.executeAsModal', // read
      'imaging.getPixels',
      'imaging.getSelection',
      'core.executeAsModal.end',
      'server POST /v1/images',
      'server POST /v1/jobs',
      'server GET /v1/jobs/JOB',
      'server GET /v1/jobs/JOB/preview',
      'server GET /v1/jobs/JOB',
      'server GET /v1/jobs/JOB/result',
      'core.executeAsModal', // the one write scope
      'hostControl.suspendHistory',
      'batchPlay make {"_obj":"layer","name":"InsaneRes #1 · seed 4242 · strength 0.3"}',
      'imaging.putPixels',
      'batchPlay set {"_obj":"layer","mode":{"_enum":"blendMode","_value":"difference"}}',
      'batchPlay duplicate "InsaneRes (your selection)"', // whatever is selected now is set aside…
      'imaging.putSelection', // …for the try's own selection
      'batchPlay duplicate "InsaneRes #1 selection"',
      'batchPlay select [{"_ref":"layer","_id":100}]',
      'batchPlay set {"_ref":"channel","_name":"InsaneRes #1 selection"}',
      'batchPlay make {"_enum":"userMaskEnabled","_value":"revealSelection"}',
      'batchPlay set {"_obj":"layer","userMaskFeather":{"_unit":"pixelsUnit","_value":12}}',
      'batchPlay set {"_ref":"channel","_name":"InsaneRes (your selection)"}', // …and put back
      'batchPlay delete [{"_ref":"channel","_name":"InsaneRes (your selection)"}]',
      'hostControl.resumeHistory',
      'core.executeAsModal.end',
    ]);
    expect(fakePhotoshop.calls('core.executeAsModal').map((e) => e.args)).toEqual([{ commandName: 'InsaneRes: read selection', timeOut: 2 }, { commandName: 'InsaneRes #1', timeOut: 2 }]);
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toEqual([{ api: 'hostControl.suspendHistory', args: { documentID: 7, name: 'InsaneRes #1' } }]);
    expect(fakePhotoshop.calls('hostControl.resumeHistory')[0].args).toEqual({ suspension: 1, commit: true });

    // Pixel-exact: at the crop's own bounds (selection + context ring), never rescaled, the server's pixels
    // (the fake inverts RGB).
    expect(fakePhotoshop.calls('imaging.getSelection')[0].args).toEqual({ documentID: 7, sourceBounds: { left: 40, top: 40, right: 60, bottom: 52 } });
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toEqual({ documentID: 7, layerID: 100, imageData: '[imageData]', replace: true, targetBounds: { left: 4, top: 4 } });
    const put = fakePhotoshop.put[0] as FakeImageData;
    expect([put.width, put.height]).toEqual([92, 84]);
    const samples = put.samples();
    expect(Array.from(samples.slice(0, 4))).toEqual([255 - patternSample(4, 4, 0, 8), 255 - patternSample(4, 4, 1, 8), 255 - patternSample(4, 4, 2, 8), 255]);
    expect(fakePhotoshop.calls('imaging.putSelection')[0].args).toMatchObject({ targetBounds: { left: 40, top: 40 } });

    // What the job was asked for, and what the panel remembers.
    expect(server.jobRequests[0]).toMatchObject({ kind: 'img2img', params: { strength: 0.3, steps: 50, guidanceScale: 12, seed: -1, sampler: 'ddim' } });
    expect(state().current).toMatchObject({ number: 1, seed: 4242, masked: true, blendMode: 'difference', featherPx: 12, channelName: 'InsaneRes #1 selection', bounds: crop });
    expect(state().settings.nextTryNumber).toBe(2);
  });

  it('restores the try’s own selection even if the retoucher selected elsewhere meanwhile', async () => {
    const { controller } = await setup({ totalSteps: 2 });
    const running = controller.run();
    await until(() => fakePhotoshop.calls('server POST /v1/jobs').length > 0, 'the job');
    fakePhotoshop.select({ left: 0, top: 0, width: 5, height: 5 });
    await running;
    expect(fakePhotoshop.calls('imaging.putSelection')[0].args).toMatchObject({ targetBounds: { left: 40, top: 40 } });
    // The mask is the try's selection; the selection is the retoucher's again; no helper channel is left.
    const sim = fakePhotoshop.sim.state;
    expect(sim.layers[1].mask?.source?.bounds).toEqual(selection);
    expect(sim.selection?.bounds).toEqual({ left: 0, top: 0, width: 5, height: 5 });
    expect(sim.channels.map((c) => c.name)).toEqual(['InsaneRes #1 selection']);
  });

  it('Compare, Mask and the feather slider each act on the current layer in their own undo step', async () => {
    const { controller, state } = await setup();
    controller.updateSettings({ autoMask: false });
    await controller.run();
    expect(state().current).toMatchObject({ masked: false });
    fakePhotoshop.log.length = 0;

    await controller.toggleCompare();
    expect(state().current?.blendMode).toBe('normal');
    await controller.applyMask();
    controller.setFeather(16, true); // a drag: several values, one commit when it ends
    controller.setFeather(20, true);
    await controller.flushFeather();
    const steps = fakePhotoshop.sim.history.map((h) => h.name);
    expect(steps.slice(-4)).toEqual(['InsaneRes #1', 'InsaneRes #1: normal', 'InsaneRes #1: mask', 'InsaneRes #1: feather 20px']);
    const layer = fakePhotoshop.sim.layer(100)!;
    expect(layer).toMatchObject({ mode: 'normal', mask: { featherPx: 20 } });
    expect(story(fakePhotoshop.log)).toContain('batchPlay make {"_enum":"userMaskEnabled","_value":"revealSelection"}');
    expect(state().current).toMatchObject({ masked: true, featherPx: 20 });
  });

  it("surfaces a batchPlay error with Photoshop's message, leaves nothing half-placed, and keeps the result to place again", async () => {
    const { controller, state } = await setup();
    fakePhotoshop.failDescriptor = (d) => (d._obj === 'make' && !Array.isArray(d._target) ? { _obj: 'error', message: 'Could not make a layer mask because the layer is locked.', result: -25920 } : null);
    await controller.run();
    expect(state().phase).toBe('failed');
    expect(state().error).toMatchObject({ code: 'PHOTOSHOP_ERROR', message: 'Photoshop could not make: Could not make a layer mask because the layer is locked.' });
    expect(fakePhotoshop.calls('hostControl.resumeHistory').map((e) => e.args)).toEqual([{ suspension: 1, commit: false }]);

    fakePhotoshop.failDescriptor = null;
    const jobsBefore = fakePhotoshop.calls('server POST /v1/jobs').length;
    await controller.retryPlace();
    expect(state().phase).toBe('done');
    expect(fakePhotoshop.calls('server POST /v1/jobs')).toHaveLength(jobsBefore);
    expect(state().current?.masked).toBe(true);
  });

  it('when Photoshop stays busy, says so and offers to place the downloaded result again', async () => {
    const { controller, state } = await setup();
    fakePhotoshop.busyTimes = 2;
    fakePhotoshop.busyCommand = 'InsaneRes #';
    await controller.run();
    expect(state().error).toMatchObject({ code: 'PHOTOSHOP_BUSY', action: 'retryPlace' });
    await controller.retryPlace();
    expect(state().phase).toBe('done');
  });

  it('offers the whole canvas when nothing is selected; that try has no mask', async () => {
    const { controller, state } = await setup({}, null);
    await controller.run();
    expect(state().error).toMatchObject({ code: 'NO_SELECTION', action: 'useWholeCanvas' });
    expect(fakePhotoshop.calls('server POST /v1/images')).toHaveLength(0);
    await controller.run({ wholeCanvas: true });
    expect(state().phase).toBe('done');
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ targetBounds: { left: 0, top: 0 } });
    expect(fakePhotoshop.calls('action.batchPlay').map((e) => (e.args as { _obj: string })._obj)).toEqual(['make', 'set']);
    expect(state().current).toMatchObject({ channelName: null, masked: false });
  });

  it('refuses a selection too small to work on, before uploading anything', async () => {
    const { controller, state } = await setup({}, { left: 3, top: 3, width: 5, height: 40 });
    await controller.run();
    expect(state().error).toMatchObject({ code: 'SELECTION_TOO_SMALL', message: 'The selection is 5×40 px; select at least 8×8 px.' });
    expect(fakePhotoshop.calls('server POST /v1/images')).toHaveLength(0);
  });

  it('reports a model failure with details and places nothing', async () => {
    const { controller, state } = await setup({ failWith: { code: 'MODEL_FAILED', message: 'unet: out of memory' } });
    await controller.run();
    expect(state().error).toMatchObject({ code: 'MODEL_FAILED', message: 'The model failed on this image.', details: 'MODEL_FAILED: unet: out of memory' });
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);
  });

  it('cancels the job on the server and places nothing', async () => {
    const { controller, state } = await setup({ holdAtStep: 1, totalSteps: 5 });
    const running = controller.run();
    await until(() => state().progress?.step === 1, 'step 1');
    controller.cancel(); // the second click of a double-click on Refine: ignored
    expect(state().phase).toBe('running');
    clock.now += CANCEL_GUARD_MS;
    controller.cancel();
    await running;
    expect(state().phase).toBe('cancelled');
    await until(() => fakePhotoshop.calls('server DELETE /v1/jobs/job2').length === 1, 'the DELETE');
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);
  });

  it('places an earlier try from the history at its own bounds with its own mask', async () => {
    const { controller, state } = await setup();
    await controller.run();
    await controller.refreshHistory();
    const historyId = state().history[0].id;
    fakePhotoshop.log.length = 0;
    await controller.placeHistory(historyId);
    expect(state().error).toBeNull();
    expect(fakePhotoshop.calls('server GET /v1/history/' + historyId + '/image')).toHaveLength(1);
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ targetBounds: { left: 4, top: 4 } });
    expect(story(fakePhotoshop.log)).toContain('batchPlay make {"_enum":"userMaskEnabled","_value":"revealSelection"}');
    expect(state().tries).toHaveLength(2);
  });

  it('uses the settings for the job and the seed modes', async () => {
    const { server, controller } = await setup();
    controller.updateSettings({ prompt: 'detailed eyes', strength: 0.42, guidanceScale: 9, steps: 20, seedMode: 'fixed', seed: 77 });
    await controller.run();
    controller.updateSettings({ seedMode: 'reuse' });
    await controller.run();
    expect(server.jobRequests.map((r) => (r as { params: { seed: number } }).params.seed)).toEqual([77, 77]);
    expect(server.jobRequests[0]).toMatchObject({ params: { prompt: 'detailed eyes', strength: 0.42, guidanceScale: 9, steps: 20, negativePrompt: DEFAULT_SETTINGS.negativePrompt } });
  });
});

describe('upscale mode', () => {
  it('sends an upscale job and opens the result as a new document', async () => {
    const { server, controller, state } = await setup({}, upscaleSelection, { width: 64, height: 48 });
    controller.updateSettings({ mode: 'upscale', upscale: { ...state().settings.upscale, recipe: false } });
    await controller.run();
    expect(state().error).toBeNull();
    expect(server.jobRequests[0]).toMatchObject({ kind: 'upscale', params: { strength: 0.25, scale: 2 } });
    // the 20×12 selection comes back 2× larger
    expect(fakePhotoshop.calls('app.createDocument')[0].args).toMatchObject({ width: 40, height: 24, mode: 'RGBColorMode', depth: 8, profile: 'sRGB IEC61966-2.1', resolution: 300 }); // the source's ppi, not 72
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ documentID: 99, layerID: 500, targetBounds: { left: 0, top: 0 } });
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);
    expect(state().phase).toBe('done');
  });

  it('with nothing selected, upscales the whole image at once (no error, no second click)', async () => {
    const { server, controller, state } = await setup({}, null, { width: 64, height: 48 });
    controller.updateSettings({ mode: 'upscale', upscale: { ...state().settings.upscale, recipe: false } });
    await controller.run();
    expect(state().error).toBeNull();
    expect(server.jobRequests).toHaveLength(1);
    expect(fakePhotoshop.calls('imaging.getPixels')[0].args).toMatchObject({ sourceBounds: { left: 0, top: 0, right: 64, bottom: 48 } });
    expect(fakePhotoshop.calls('app.createDocument')[0].args).toMatchObject({ width: 128, height: 96 });
  });

  it('places the result as a new layer at the selection when asked and it fits the canvas: one undo step', async () => {
    const { controller, state } = await setup({}, upscaleSelection, { width: 64, height: 48 });
    controller.updateSettings({ mode: 'upscale', upscale: { ...state().settings.upscale, placement: 'layer', recipe: false } });
    await controller.run();
    expect(state().error).toBeNull();
    expect(state().notice).toBeNull();
    expect(fakePhotoshop.calls('app.createDocument')).toHaveLength(0);
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(1);
    // 40×24 at the selection's top-left (10, 6) fits the 64×48 canvas
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ documentID: 7, targetBounds: { left: 10, top: 6 } });
    expect(state().phase).toBe('done');
  });

  it('moves a layer that would stick out back inside the canvas, and opens a new document when it is larger than the canvas', async () => {
    const { controller, state } = await setup({}, upscaleSelection, { width: 64, height: 48 });
    controller.updateSettings({ mode: 'upscale', upscale: { ...state().settings.upscale, placement: 'layer', scale: 3, recipe: false } });
    await controller.run(); // 60×36 from (10, 6) would end at 70 > 64: moved left to 4
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ documentID: 7, targetBounds: { left: 4, top: 6 } });

    fakePhotoshop.log.length = 0;
    controller.updateSettings({ upscale: { ...state().settings.upscale, scale: 4 } });
    await controller.run(); // 80×48 is wider than the 64 px canvas
    expect(fakePhotoshop.calls('app.createDocument')[0].args).toMatchObject({ width: 80, height: 48 });
    expect(state().notice).toBe('The 80×48 px result is larger than the canvas, so it opened as a new document.');
  });
});
