/**
 * The BrowserHost over the harness editor: reads at 100 %, one try = one undo step, nothing half-placed
 * on failure, and the panel's real controller running a whole try against the fake server ("model" =
 * RGB inverted, so every composited pixel is known: difference of x and 255 − x is |255 − 2x|).
 */
import { ApiClient } from '../../../../plugin/src/api/client';
import { HostError } from '../../../../plugin/src/host/host';
import { BrowserHost } from '../../../../plugin/src/host/browser/browser-host';
import { currentState } from '../../../../plugin/src/host/browser/document';
import { Editor } from '../../../../plugin/src/host/browser/editor';
import { rectPlane } from '../../../../plugin/src/host/browser/selection';
import { PanelController } from '../../../../plugin/src/model/controller';
import { placeTry } from '../../../../plugin/src/model/tries';
import { FakeServer } from '../fakes/server';

const WIDTH = 24;
const HEIGHT = 16;
/** Pixel (x, y) of the test document: R = 8·x, G = 12·y, B = 200, opaque. */
const pixel = (x: number, y: number) => [8 * x, 12 * y, 200, 255];

function editorWithDocument(): { editor: Editor; docId: number } {
  const editor = new Editor();
  const pixels = new Uint8ClampedArray(WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) pixels.set(pixel(x, y), (y * WIDTH + x) * 4);
  const doc = editor.open('test', WIDTH, HEIGHT, pixels);
  return { editor, docId: doc.id };
}

function select(editor: Editor, docId: number, rect: { left: number; top: number; width: number; height: number }) {
  editor.commit(docId, 'Rectangular Marquee', (state) => ({ ...state, selection: rectPlane(rect) }));
}

const selection = { left: 2, top: 1, width: 4, height: 3 };
const stateOf = (editor: Editor) => currentState(editor.active()!);

describe('reading', () => {
  it('reports the document and its selection bounds', async () => {
    const { editor, docId } = editorWithDocument();
    const host = new BrowserHost(editor);
    select(editor, docId, selection);
    expect(await host.documentInfo()).toEqual({ id: docId, title: 'test', width: WIDTH, height: HEIGHT, bitDepth: 8, selectionBounds: selection, resolution: 72 });
    expect(await new BrowserHost(new Editor()).documentInfo()).toBeNull();
  });

  it('reads the selection bounds at 100 % with the selection shape', async () => {
    const { editor, docId } = editorWithDocument();
    select(editor, docId, selection);
    const read = await new BrowserHost(editor).readSelection({ source: 'merged' });
    expect(read).toMatchObject({ documentId: docId, bounds: selection, hasSelection: true, profile: 'sRGB IEC61966-2.1' });
    expect(read.pixels).toMatchObject({ width: 4, height: 3, bitDepth: 8 });
    expect(Array.from(read.pixels.data.subarray(0, 8))).toEqual([...pixel(2, 1), ...pixel(3, 1)]);
    expect(read.selection?.data).toHaveLength(12);
  });

  it('refuses without a selection unless the whole canvas is asked for', async () => {
    const { editor } = editorWithDocument();
    const host = new BrowserHost(editor);
    await expect(host.readSelection({ source: 'merged' })).rejects.toMatchObject({ code: 'NO_SELECTION' });
    const read = await host.readSelection({ source: 'activeLayer', wholeCanvasIfNone: true });
    expect(read).toMatchObject({ bounds: { left: 0, top: 0, width: WIDTH, height: HEIGHT }, selection: null, hasSelection: false });
  });
});

describe('one try, one undo step', () => {
  const result = { width: 4, height: 3, bitDepth: 8 as const, data: new Uint8Array(48).fill(255) };
  const plan = { bounds: selection, above: { kind: 'active' } as const, pixels: result, name: 'InsaneRes #1', selection: rectPlane(selection), channelName: 'InsaneRes #1 selection', autoMask: true, featherPx: 2 };

  it('places the layer over the selection, in difference mode, with the feathered mask', async () => {
    const { editor, docId } = editorWithDocument();
    select(editor, docId, { left: 0, top: 0, width: 1, height: 1 });
    const placed = await new BrowserHost(editor).commitTry({ documentId: docId, historyName: 'InsaneRes #1' }, (writer) => placeTry(writer, plan));
    const state = stateOf(editor);
    const layer = state.layers[1];
    expect(placed).toEqual({ layer: { documentId: docId, layerId: layer.id, name: 'InsaneRes #1' }, masked: true });
    expect(layer).toMatchObject({ name: 'InsaneRes #1', bounds: selection, blendMode: 'difference', visible: true });
    expect(layer.mask).toMatchObject({ featherPx: 2, source: { bounds: selection } });
    expect(state.activeLayerId).toBe(layer.id);
    // The try's own selection is kept in a channel and made the mask; the retoucher's own selection (made
    // while the job ran) is theirs again afterwards (issue 10 §3).
    expect(state.selection?.bounds).toEqual({ left: 0, top: 0, width: 1, height: 1 });
    expect(state.channels['InsaneRes #1 selection'].bounds).toEqual(selection);
    expect(Object.keys(state.channels)).toEqual(['InsaneRes #1 selection']);
    expect(editor.active()!.history.map((h) => h.name)).toEqual(['Open', 'Rectangular Marquee', 'InsaneRes #1']);

    editor.undo(docId);
    expect(stateOf(editor).layers).toHaveLength(1);
    expect(stateOf(editor).selection?.bounds).toEqual({ left: 0, top: 0, width: 1, height: 1 });
  });

  it('leaves nothing behind when the try fails half-way', async () => {
    const { editor, docId } = editorWithDocument();
    const before = editor.active();
    const failing = new BrowserHost(editor).commitTry({ documentId: docId, historyName: 'InsaneRes #2' }, async (writer) => {
      await writer.placeResultLayer({ bounds: selection, pixels: result, name: 'InsaneRes #2' });
      await writer.applyFeatheredMask({ documentId: docId, layerId: 999, name: 'gone' }, 'missing channel', 4);
    });
    await expect(failing).rejects.toBeInstanceOf(HostError);
    expect(editor.active()).toBe(before);
  });

  it('refuses to write into another document', async () => {
    const { editor, docId } = editorWithDocument();
    editor.open('other', 2, 2, new Uint8ClampedArray(16));
    await expect(new BrowserHost(editor).commitTry({ documentId: docId, historyName: 'x' }, async () => 1)).rejects.toMatchObject({ code: 'DOCUMENT_CHANGED' });
  });

  it('re-feathers an existing mask from its source selection', async () => {
    const { editor, docId } = editorWithDocument();
    const host = new BrowserHost(editor);
    const placed = await host.commitTry({ documentId: docId, historyName: 'try' }, (writer) => placeTry(writer, { ...plan, featherPx: 0 }));
    expect(stateOf(editor).layers[1].mask?.bounds).toEqual(selection);
    await host.commitTry({ documentId: docId, historyName: 'feather' }, (writer) => writer.setMaskFeather(placed.layer, 1));
    // σ = 1 reaches 3 px, clipped to the canvas on the left and top.
    expect(stateOf(editor).layers[1].mask).toMatchObject({ featherPx: 1, bounds: { left: 0, top: 0, width: 9, height: 7 } });
  });
});

it('runs the panel controller round trip on the canvas document', async () => {
  const { editor, docId } = editorWithDocument();
  const area = { left: 4, top: 3, width: 10, height: 8 };
  select(editor, docId, area);
  const server = new FakeServer([], { totalSteps: 3 });
  const controller = new PanelController({
    host: new BrowserHost(editor),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now: () => Date.now() },
  });
  controller.start();
  controller.updateSettings({ featherPx: 0, contextPx: 2 });
  await controller.refreshDocument();
  await controller.run();
  expect(controller.store.getState()).toMatchObject({ phase: 'done', error: null });

  const doc = editor.active()!;
  const layer = currentState(doc).layers[1];
  // The layer covers the crop (the selection and a 2 px context ring); the mask is the selection.
  expect(layer).toMatchObject({ bounds: { left: 2, top: 1, width: 14, height: 12 }, blendMode: 'difference', mask: { featherPx: 0, source: { bounds: area } } });
  // Inside: |(255 − v) − v| per channel; outside: the document unchanged.
  const at = (x: number, y: number) => {
    const flat = editor.flattenedPixels(editor.active()!);
    return Array.from(flat.subarray((y * WIDTH + x) * 4, (y * WIDTH + x) * 4 + 4));
  };
  expect(at(6, 5)).toEqual([255 - 96, 255 - 120, 145, 255]);
  expect(at(3, 5)).toEqual(pixel(3, 5));
  expect(at(14, 10)).toEqual(pixel(14, 10));

  // Compare: normal mode shows the result itself (the inverted pixels).
  await controller.toggleCompare();
  expect(at(6, 5)).toEqual([255 - 48, 255 - 60, 55, 255]);
  expect(editor.active()!.history.map((h) => h.name)).toEqual(['Open', 'Rectangular Marquee', 'InsaneRes #1', 'InsaneRes #1: normal']);
  controller.stop();
});
