import { HostError, type RgbaPixels } from '../../../../plugin/src/host/host';
import { isModalBusy, PhotoshopHost } from '../../../../plugin/src/host/photoshop-host';
import { ellipseMask, fakePhotoshop, patternSample, type FakeImageData } from '../fakes/photoshop';

const host = () => new PhotoshopHost(fakePhotoshop.module, { busyRetryDelayMs: 1 });
const selection = { left: 10, top: 6, width: 20, height: 12 };

function rgba8(width: number, height: number, value: number): RgbaPixels {
  return { width, height, bitDepth: 8, data: new Uint8Array(width * height * 4).fill(value) };
}

describe('PhotoshopHost.readSelection', () => {
  it('reads the selection at 100 %: no targetSize, native depth, sRGB, inside one modal scope without history', async () => {
    fakePhotoshop.reset({ selection });
    const read = await host().readSelection({ source: 'merged' });
    expect(fakePhotoshop.calls('imaging.getPixels')[0].args).toEqual({
      documentID: 7,
      sourceBounds: { left: 10, top: 6, right: 30, bottom: 18 },
      colorSpace: 'RGB',
      colorProfile: 'sRGB IEC61966-2.1',
    });
    expect(fakePhotoshop.calls('core.executeAsModal')).toHaveLength(1);
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);
    expect(read).toMatchObject({ documentId: 7, bounds: selection, hasSelection: true, profile: 'sRGB IEC61966-2.1' });
    // The flat document read as RGB comes out RGBA and opaque, with the pixel values of the document.
    expect(read.pixels).toMatchObject({ width: 20, height: 12, bitDepth: 8 });
    const at = (x: number, y: number) => Array.from(read.pixels.data.slice((y * 20 + x) * 4, (y * 20 + x) * 4 + 4));
    expect(at(0, 0)).toEqual([10, 6, 16, 255]);
    expect(at(19, 11)).toEqual([29, 17, 46, 255]);
    // The selection's shape over the same bounds; every imageData was released.
    expect(read.selection?.bounds).toEqual(selection);
    expect(read.selection?.data[6 * 20 + 10]).toBe(ellipseMask(selection, 20, 12));
    expect(read.selection?.data[0]).toBe(0);
    expect(fakePhotoshop.calls('imageData.dispose')).toHaveLength(2);
  });

  it('re-pads data Photoshop trimmed, converts 16-bit 0..32768 to 0..65535, and reads the active layer on request', async () => {
    fakePhotoshop.reset({ selection, bitDepth: 16, flat: false });
    fakePhotoshop.trimTo = { left: 15, top: 6, width: 15, height: 12 };
    const read = await host().readSelection({ source: 'activeLayer' });
    expect(fakePhotoshop.calls('imaging.getPixels')[0].args).toMatchObject({ layerID: 1 });
    expect(read.pixels.bitDepth).toBe(16);
    expect(read.pixels.data).toBeInstanceOf(Uint16Array);
    const at = (x: number, y: number) => Array.from(read.pixels.data.slice((y * 20 + x) * 4, (y * 20 + x) * 4 + 4));
    expect(at(0, 0)).toEqual([0, 0, 0, 0]); // trimmed: transparent
    const full = (v: number) => Math.round((v * 65535) / 32768);
    expect(at(5, 0)).toEqual([full(patternSample(15, 6, 0, 16)), full(patternSample(15, 6, 1, 16)), full(patternSample(15, 6, 2, 16)), 65535]);
  });

  it('fails with NO_SELECTION, or reads the whole canvas when asked', async () => {
    fakePhotoshop.reset({ selection: null });
    await expect(host().readSelection({ source: 'merged' })).rejects.toMatchObject({ code: 'NO_SELECTION' });
    const read = await host().readSelection({ source: 'merged', wholeCanvasIfNone: true });
    expect(read).toMatchObject({ bounds: { left: 0, top: 0, width: 64, height: 48 }, selection: null, hasSelection: false });
    expect(fakePhotoshop.calls('imaging.getSelection')).toHaveLength(0);
  });

  it('explains documents it cannot work on', async () => {
    fakePhotoshop.reset(null);
    await expect(host().readSelection({ source: 'merged' })).rejects.toMatchObject({ code: 'NO_DOCUMENT' });
    expect(await host().documentInfo()).toBeNull();
    fakePhotoshop.reset({ selection, mode: 'CMYKColorMode' });
    await expect(host().readSelection({ source: 'merged' })).rejects.toThrow('RGB documents');
  });

  it('reports the document and its selection clipped to the canvas', async () => {
    fakePhotoshop.reset({ selection: { left: 50, top: 40, width: 30, height: 30 } });
    expect(await host().documentInfo()).toEqual({
      id: 7,
      title: 'portrait.psd',
      width: 64,
      height: 48,
      bitDepth: 8,
      selectionBounds: { left: 50, top: 40, width: 14, height: 8 },
      resolution: 300,
    });
  });
});

describe('PhotoshopHost.commitTry', () => {
  it('runs every write in one executeAsModal with one suspended history step', async () => {
    fakePhotoshop.reset({ selection });
    await host().commitTry({ documentId: 7, historyName: 'InsaneRes #1' }, async (w) => {
      const layer = await w.placeResultLayer({ bounds: selection, pixels: rgba8(20, 12, 9), name: 'L' });
      await w.setBlendMode(layer, 'difference');
      await w.saveSelectionToChannel('ch');
      await w.applyFeatheredMask(layer, 'ch', 4);
    });
    const apis = fakePhotoshop.log.map((e) => e.api).filter((a) => a !== 'imageData.dispose');
    expect(apis).toEqual([
      'core.executeAsModal',
      'hostControl.suspendHistory',
      'action.batchPlay', // make layer
      'imaging.createImageDataFromBuffer',
      'imaging.putPixels',
      'action.batchPlay', // blend mode
      'action.batchPlay', // save the selection
      'action.batchPlay', // select layer
      'action.batchPlay', // load selection
      'action.batchPlay', // make mask
      'action.batchPlay', // feather
      'hostControl.resumeHistory',
      'core.executeAsModal.end',
    ]);
    expect(fakePhotoshop.calls('hostControl.suspendHistory')[0].args).toEqual({ documentID: 7, name: 'InsaneRes #1' });
    expect(fakePhotoshop.calls('hostControl.resumeHistory')[0].args).toEqual({ suspension: 1, commit: true });
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toEqual({ documentID: 7, layerID: 100, imageData: '[imageData]', replace: true, targetBounds: { left: 10, top: 6 } });
  });

  it('converts the result to the document depth (16-bit documents take 0..32768)', async () => {
    fakePhotoshop.reset({ selection, bitDepth: 16 });
    const pixels: RgbaPixels = { width: 20, height: 12, bitDepth: 16, data: new Uint16Array(20 * 12 * 4).fill(65535) };
    await host().commitTry({ documentId: 7, historyName: 'x' }, (w) => w.placeResultLayer({ bounds: selection, pixels, name: 'L' }));
    const put = fakePhotoshop.put[0] as FakeImageData;
    expect(put.componentSize).toBe(16);
    expect((put.samples() as Uint16Array)[0]).toBe(32768);
    expect(fakePhotoshop.calls('imaging.createImageDataFromBuffer')[0].args).toMatchObject({ components: 4, colorSpace: 'RGB', colorProfile: 'sRGB IEC61966-2.1' });
  });

  it("rolls the history step back and surfaces Photoshop's message when a batchPlay result is an error", async () => {
    fakePhotoshop.reset({ selection });
    fakePhotoshop.failDescriptor = (descriptor) => (descriptor._obj === 'set' ? { _obj: 'error', message: 'The command “Set” is not currently available.', result: -25920 } : null);
    const attempt = host().commitTry({ documentId: 7, historyName: 'InsaneRes #1' }, async (w) => {
      const layer = await w.placeResultLayer({ bounds: selection, pixels: rgba8(20, 12, 1), name: 'L' });
      await w.setBlendMode(layer, 'difference');
    });
    await expect(attempt).rejects.toMatchObject({ code: 'PHOTOSHOP_ERROR', message: 'Photoshop could not set: The command “Set” is not currently available.' });
    expect(fakePhotoshop.calls('hostControl.resumeHistory')[0].args).toEqual({ suspension: 1, commit: false });
  });

  it('refuses to write into another document than the try came from', async () => {
    fakePhotoshop.reset({ selection });
    await expect(host().commitTry({ documentId: 8, historyName: 'x' }, async () => undefined)).rejects.toMatchObject({ code: 'DOCUMENT_CHANGED' });
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);
  });

  it('retries once when Photoshop is busy in another modal state', async () => {
    fakePhotoshop.reset({ selection });
    fakePhotoshop.busyTimes = 1;
    await host().commitTry({ documentId: 7, historyName: 'x' }, async () => 'ok');
    expect(fakePhotoshop.calls('core.executeAsModal')).toHaveLength(2);
  });

  it('says Photoshop is busy when the retry fails too', async () => {
    fakePhotoshop.reset({ selection });
    fakePhotoshop.busyTimes = 2;
    const attempt = host().commitTry({ documentId: 7, historyName: 'x' }, async () => 'never');
    await expect(attempt).rejects.toBeInstanceOf(HostError);
    await expect(host().commitTry({ documentId: 7, historyName: 'x' }, async () => 'ok')).resolves.toBe('ok');
    fakePhotoshop.busyTimes = 2;
    await expect(host().commitTry({ documentId: 7, historyName: 'x' }, async () => 'never')).rejects.toMatchObject({
      code: 'PHOTOSHOP_BUSY',
      details: 'Plugin: Another Plugin is running a modal command',
    });
  });

  it('restores a selection from its mask pixels, at the document depth', async () => {
    fakePhotoshop.reset({ selection, bitDepth: 16 });
    const mask = { bounds: selection, data: new Uint8Array(240).fill(255) };
    await host().commitTry({ documentId: 7, historyName: 'x' }, (w) => w.restoreSelection(mask));
    expect(fakePhotoshop.calls('imaging.createImageDataFromBuffer')[0].args).toEqual({
      width: 20,
      height: 12,
      components: 1,
      chunky: false,
      colorProfile: 'Gray Gamma 2.2',
      colorSpace: 'Grayscale',
      type: 'Uint16Array',
      length: 240,
    });
    expect(fakePhotoshop.calls('imaging.putSelection')[0].args).toEqual({ documentID: 7, imageData: '[imageData]', replace: true, targetBounds: { left: 10, top: 6 } });
  });
});

describe('busy detection', () => {
  it.each([
    [{ number: 9, message: 'Plugin: Other is running a modal command' }, true], // Photoshop 25.10+
    [{ number: 9, message: 'host is in a modal state' }, true],
    [{ number: 8, message: 'host is in a modal state' }, false], // the number decides, not the words
    [new Error('host is in a modal state'), true], // no number at all: the wording is all there is
    [new Error('The command “Set” is not currently available.'), false],
  ])('%o → busy: %s', (error, busy) => {
    expect(isModalBusy(error)).toBe(busy);
  });
});
