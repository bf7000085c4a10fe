/**
 * The writes of one try inside Photoshop's modal scope (HostWriter): pixels with `imaging.putPixels` at the
 * exact bounds, everything else with batchPlay descriptors from `descriptors.ts`. Only `PhotoshopHost.commitTry`
 * creates one, inside its `executeAsModal` + `suspendHistory`.
 */
import * as descriptors from './descriptors';
import type { ActionDescriptor, ActionResult } from './descriptors';
import { HostError, type BitDepth, type HostWriter, type LayerRef, type PlaceLayerOptions, type RgbaPixels } from './host';
import { eightToPs16, toDocumentSamples } from './pixels';
import type { PhotoshopModule, PsDocument, PsImageData } from './photoshop-types';

/** Stable Diffusion sees sRGB; Photoshop converts to and from the document's profile. */
export const SRGB_PROFILE = 'sRGB IEC61966-2.1';
/** The profile Adobe's docs use for single-channel mask and selection data. */
const GRAY_PROFILE = 'Gray Gamma 2.2';
/** Where the retoucher's own selection waits while a try is placed (inside the try's one history step). */
const KEPT_SELECTION_CHANNEL = 'InsaneRes (your selection)';

export function documentDepth(doc: PsDocument): 8 | 16 | 32 {
  if (doc.bitsPerChannel === 'bitDepth16') return 16;
  if (doc.bitsPerChannel === 'bitDepth32') return 32;
  return 8;
}

function activeLayerId(doc: PsDocument): number {
  const layer = doc.activeLayers[0];
  if (!layer) throw new HostError('EMPTY_SOURCE', 'No layer is selected in the Layers panel.');
  return layer.id;
}

export function createPhotoshopWriter(ps: PhotoshopModule, doc: PsDocument, play: (list: ActionDescriptor[]) => Promise<ActionResult[]>): HostWriter {
const { imaging } = ps;
  const depth = documentDepth(doc);
  if (depth === 32) {
    throw new HostError('UNSUPPORTED_DOCUMENT', '32-bit documents are not supported: convert to 16 bits (Image > Mode > 16 Bits/Channel).');
  }
  // Photoshop happily keeps two channels with one name: replace the old one instead.
  const saveReplacing = async (channelName: string): Promise<void> => {
    const existing = Array.from(doc.channels).filter((c) => c.name === channelName);
    await play([...existing.map(() => descriptors.deleteChannel(channelName)), descriptors.saveSelectionToChannel(channelName)]);
  };

  return {
    placeResultLayer: async ({ bounds, pixels, name, above }: PlaceLayerOptions): Promise<LayerRef> => {
      if (pixels.width !== bounds.width || pixels.height !== bounds.height) {
        throw new HostError(
          'PHOTOSHOP_ERROR',
          `The result is ${pixels.width}×${pixels.height} px but the selection is ${bounds.width}×${bounds.height} px.`,
        );
      }
      // `make` puts the new layer above the target layer: target the layer that was read first.
      if (above?.kind === 'layer') await play([descriptors.selectLayer(above.layerId)]);
      const [made] = await play([descriptors.makePixelLayer(name)]);
      const layerId = typeof made?.layerID === 'number' ? made.layerID : activeLayerId(doc);
      if (above?.kind === 'topVisible') await moveAboveTopVisible(doc, layerId);
      const imageData = await rgbaImageData(ps, pixels, depth);
      try {
        // putPixels at the exact bounds: placeEvent would rescale by the document's DPI.
        await imaging.putPixels({
          documentID: doc.id,
          layerID: layerId,
          imageData,
          replace: true,
          targetBounds: { left: bounds.left, top: bounds.top },
        });
      } finally {
        imageData.dispose();
      }
      return { documentId: doc.id, layerId, name };
    },
    setBlendMode: async (layer, mode) => {
      await play([descriptors.setBlendMode(layer.layerId, mode)]);
    },
    setVisible: async (layer, visible) => {
      await play([descriptors.setLayerVisible(layer.layerId, visible)]);
    },
    restoreSelection: async (mask) => {
      const samples = depth === 16 ? eightToPs16(mask.data) : mask.data;
      const imageData = await imaging.createImageDataFromBuffer(samples, {
        width: mask.bounds.width,
        height: mask.bounds.height,
        components: 1,
        chunky: false,
        colorProfile: GRAY_PROFILE,
        colorSpace: 'Grayscale',
      });
      try {
        await imaging.putSelection({
          documentID: doc.id,
          imageData,
          replace: true,
          targetBounds: { left: mask.bounds.left, top: mask.bounds.top },
        });
      } finally {
        imageData.dispose();
      }
    },
    saveSelectionToChannel: (channelName) => saveReplacing(channelName),
    deleteChannel: async (channelName) => {
      const existing = Array.from(doc.channels).filter((c) => c.name === channelName);
      if (existing.length > 0) await play(existing.map(() => descriptors.deleteChannel(channelName)));
    },
    keepSelection: async () => {
      if (!doc.selection.bounds) return null;
      await saveReplacing(KEPT_SELECTION_CHANNEL);
      return { token: KEPT_SELECTION_CHANNEL };
    },
    restoreKeptSelection: async (kept) => {
      if (!kept) {
        await play([descriptors.deselect()]);
        return;
      }
      await play([descriptors.loadSelectionFromChannel(KEPT_SELECTION_CHANNEL), descriptors.deleteChannel(KEPT_SELECTION_CHANNEL)]);
    },
    applyFeatheredMask: async (layer, channelName, featherPx) => {
      await play(descriptors.featheredMaskSequence(layer.layerId, channelName, featherPx));
    },
    setMaskFeather: async (layer, featherPx) => {
      await play([descriptors.setMaskFeather(layer.layerId, featherPx)]);
    },
  };
}

/**
 * Moves the new layer above the topmost visible top-level layer (a group counts as one: a layer made inside
 * it would be composited through the group's mode and opacity). Nothing to do when it is already there.
 */
async function moveAboveTopVisible(doc: PsDocument, layerId: number): Promise<void> {
  const layers = Array.from(doc.layers);
  const index = layers.findIndex((l) => l.id === layerId);
  const top = layers.find((l) => l.id !== layerId && l.visible);
  if (!top) return;
  const topIndex = layers.indexOf(top);
  // Top-level layers are listed topmost first: directly above `top` means one index before it.
  if (index >= 0 && index === topIndex - 1) return;
  const made = index >= 0 ? layers[index] : Array.from(doc.activeLayers).find((l) => l.id === layerId);
  if (!made) throw new HostError('PHOTOSHOP_ERROR', 'Photoshop did not report the new layer.');
  await made.moveAbove(top);
}

export async function rgbaImageData(ps: PhotoshopModule, pixels: RgbaPixels, depth: BitDepth): Promise<PsImageData> {
  return ps.imaging.createImageDataFromBuffer(toDocumentSamples(pixels, depth), {
    width: pixels.width,
    height: pixels.height,
    components: 4,
    chunky: true,
    colorProfile: SRGB_PROFILE,
    colorSpace: 'RGB',
  });
}
