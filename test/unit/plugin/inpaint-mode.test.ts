/** "Inpaint selection" mode through the real panel code, against the recording fakes of Photoshop and the server. */
import type { SelectionRead } from '../../../plugin/src/host/host';
import { selectionMaskPixels, withInpaint } from '../../../plugin/src/model/inpaint';
import { DEFAULT_SETTINGS } from '../../../plugin/src/model/settings';
import { jobRequest } from '../../../plugin/src/model/tries';
import { maskValue } from '../../../plugin/src/host/browser/compositing';
import { ellipsePlane, fakePhotoshop } from './fakes/photoshop';
import { connectedPanel } from './fakes/connected-panel';

jest.mock('photoshop', () => jest.requireActual('./fakes/photoshop').fakePhotoshop.module, { virtual: true });

const selection = { left: 40, top: 40, width: 20, height: 12 };
/** The selection grown by the context ring (36 px: the default feather's reach), as in the round trip. */
const crop = { left: 4, top: 4, width: 92, height: 84 };

async function setup(documentSelection: typeof selection | null = selection) {
  const connected = await connectedPanel({ identity: true }, { selection: documentSelection, width: 128, height: 96, now: () => Date.now() });
  connected.controller.updateSettings({ mode: 'inpaint' });
  return connected;
}

describe('Inpaint selection mode', () => {
  it('sends the selection as a mask over the same crop, with the mode defaults, and places the result like Refine', async () => {
    const { server, controller, state } = await setup();
    await controller.run();
    expect(state().error).toBeNull();
    expect(state().phase).toBe('done');
    const request = server.jobRequests[0] as { kind: string; image: string; params: Record<string, unknown> };
    expect(request).toMatchObject({ kind: 'img2img', params: { strength: 0.75, maskBlur: 4, inpaintArea: 'masked', padding: 32, fill: 'original' } });
    const image = server.images.get(request.image)!;
    const mask = server.images.get(request.params.mask as string)!;
    expect([image.width, image.height]).toEqual([crop.width, crop.height]);
    expect([mask.width, mask.height, mask.bitDepth]).toEqual([crop.width, crop.height, 8]);
    // The fake document's selection is the ellipse in `selection`'s bounds, anti-aliased: every value must
    // land on its own document pixel, nothing outside the ellipse.
    const shape = ellipsePlane(selection);
    let white = 0;
    for (let y = 0; y < crop.height; y++) {
      for (let x = 0; x < crop.width; x++) {
        const v = maskValue(shape, x + crop.left, y + crop.top);
        const o = (y * crop.width + x) * 4;
        expect([mask.bytes[o], mask.bytes[o + 1], mask.bytes[o + 2], mask.bytes[o + 3]]).toEqual([v, v, v, 255]);
        if (v === 255) white++;
      }
    }
    expect(white).toBeGreaterThan(100);
    expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ targetBounds: { left: crop.left, top: crop.top } });
    expect(state().current).toMatchObject({ strength: 0.75, masked: true });
    expect(state().current!.name).toContain('strength 0.75');
  });

  it('refuses to inpaint without a selection, before uploading anything', async () => {
    const { controller, state } = await setup(null);
    await controller.run({ wholeCanvas: true });
    expect(state().error).toMatchObject({ code: 'NO_SELECTION' });
    expect(fakePhotoshop.calls('server POST /v1/images')).toHaveLength(0);
  });

  it('"whole crop" sends no padding (the server refuses padding with the whole picture)', () => {
    const settings = { ...DEFAULT_SETTINGS, mode: 'inpaint' as const, inpaint: { ...DEFAULT_SETTINGS.inpaint, inpaintArea: 'whole' as const } };
    const request = withInpaint(jobRequest(settings, 'img1', null), settings, 'mask1');
    expect(request.params).toMatchObject({ mask: 'mask1', inpaintArea: 'whole' });
    expect(request.params).not.toHaveProperty('padding');
  });
});

describe('selectionMaskPixels', () => {
  it('keeps a soft selection’s grey levels at their place in the crop', () => {
    const read = {
      bounds: { left: 10, top: 20, width: 6, height: 4 },
      selection: { bounds: { left: 12, top: 21, width: 3, height: 2 }, data: Uint8Array.from([10, 128, 255, 0, 64, 200]) },
    } as unknown as SelectionRead;
    const mask = selectionMaskPixels(read);
    const grey = Array.from({ length: 24 }, (_, i) => mask.data[i * 4]);
    expect(grey).toEqual([
      0, 0, 0, 0, 0, 0,
      0, 0, 10, 128, 255, 0,
      0, 0, 0, 64, 200, 0,
      0, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from({ length: 24 }, (_, i) => mask.data[i * 4 + 3]).every((a) => a === 255)).toBe(true);
  });
});
