/**
 * The Host over Photoshop (≥ 25.0): the imaging API for pixels, batchPlay descriptors from
 * `descriptors.ts` for everything else, and one modal runner that owns `executeAsModal` +
 * `suspendHistory`. The modal scope is held only for reading pixels and for writing a result, never
 * while the server works.
 */
import * as descriptors from './descriptors';
import type { ActionDescriptor, ActionResult } from './descriptors';
import {
  HostError,
  type BitDepth,
  type CommitOptions,
  type DocumentInfo,
  type Host,
  type HostWriter,
  type LayerRef,
  type PlaceLayerOptions,
  type ReadOptions,
  type Rect,
  type RgbaPixels,
  type SelectionMask,
  type SelectionRead,
} from './host';
import { canvasRect, growRect, eightToPs16, normalizeMask, normalizeRead, toDocumentSamples, type PixelArray } from './pixels';
import type {
  PhotoshopModule,
  PsBounds,
  PsDocument,
  PsExecutionContext,
  PsImageData,
  PsPixelsResult,
} from './photoshop-types';

/** Stable Diffusion sees sRGB; Photoshop converts to and from the document's profile. */
export const SRGB_PROFILE = 'sRGB IEC61966-2.1';
/** The profile Adobe's docs use for single-channel mask and selection data. */
const GRAY_PROFILE = 'Gray Gamma 2.2';
/** executeAsModal rejects with `number === 9` while another plugin or a dialog holds Photoshop. */
const MODAL_BUSY_ERROR_NUMBER = 9;

export interface PhotoshopHostOptions {
  /** Wait before the one retry when Photoshop is busy in another modal state. */
  busyRetryDelayMs?: number;
}

export function createPhotoshopHost(options: PhotoshopHostOptions = {}): PhotoshopHost {
  // Resolved at run time: `photoshop` exists only inside Photoshop (a webpack external).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const photoshop = require('photoshop') as PhotoshopModule;
  return new PhotoshopHost(photoshop, options);
}

const toPsBounds = (r: Rect): PsBounds => ({ left: r.left, top: r.top, right: r.left + r.width, bottom: r.top + r.height });
const fromPsBounds = (b: PsBounds): Rect => ({ left: b.left, top: b.top, width: b.right - b.left, height: b.bottom - b.top });

function documentDepth(doc: PsDocument): 8 | 16 | 32 {
  if (doc.bitsPerChannel === 'bitDepth16') return 16;
  if (doc.bitsPerChannel === 'bitDepth32') return 32;
  return 8;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

function isModalBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const number = (error as { number?: unknown }).number;
  return number === MODAL_BUSY_ERROR_NUMBER || /modal state/i.test(errorMessage(error));
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads the samples of an imageData and releases Photoshop's copy at once (big buffers). */
async function takeSamples(imageData: PsImageData): Promise<PixelArray> {
  try {
    const data = await imageData.getData({ chunky: true });
    if (data instanceof Float32Array) {
      throw new HostError('UNSUPPORTED_DOCUMENT', '32-bit documents are not supported: convert to 16 bits (Image > Mode > 16 Bits/Channel).');
    }
    return data;
  } finally {
    imageData.dispose();
  }
}

export class PhotoshopHost implements Host {
  readonly kind = 'photoshop' as const;
  private readonly busyRetryDelayMs: number;

  constructor(
    private readonly ps: PhotoshopModule,
    options: PhotoshopHostOptions = {},
  ) {
    this.busyRetryDelayMs = options.busyRetryDelayMs ?? 800;
  }

  async documentInfo(): Promise<DocumentInfo | null> {
    const doc = this.activeDocument();
    if (!doc) return null;
    const bounds = doc.selection.bounds;
    return {
      id: doc.id,
      title: doc.title,
      width: doc.width,
      height: doc.height,
      bitDepth: documentDepth(doc),
      selectionBounds: bounds ? canvasRect(bounds, doc) : null,
    };
  }

  async readSelection(options: ReadOptions): Promise<SelectionRead> {
    const doc = this.requireDocument();
    const selectionBounds = doc.selection.bounds ? canvasRect(doc.selection.bounds, doc) : null;
    if (!selectionBounds && !options.wholeCanvasIfNone) {
      throw new HostError('NO_SELECTION', 'Nothing is selected.');
    }
    const bounds = selectionBounds ? growRect(selectionBounds, options.contextPx ?? 0, doc) : { left: 0, top: 0, width: doc.width, height: doc.height };
    const layerId = options.source === 'activeLayer' ? this.activeLayerId(doc) : undefined;
    const { imaging } = this.ps;

    return this.modal('InsaneRes: read selection', async () => {
      const read = await imaging.getPixels({
        documentID: doc.id,
        ...(layerId === undefined ? {} : { layerID: layerId }),
        sourceBounds: toPsBounds(bounds),
        colorSpace: 'RGB',
        colorProfile: SRGB_PROFILE,
        // No targetSize (100 %) and no componentSize (native depth: asking for 8 fails on 16-bit documents).
      });
      const got = this.readBounds(read, bounds);
      const components = read.imageData.components;
      const profile = read.imageData.colorProfile || SRGB_PROFILE;
      if (got.width === 0 || got.height === 0) {
        read.imageData.dispose();
        throw new HostError('EMPTY_SOURCE', 'The active layer has no pixels inside the selection.');
      }
      const pixels = normalizeRead(await takeSamples(read.imageData), components, got, bounds);

      let selection: SelectionMask | null = null;
      if (selectionBounds) {
        // The shape over the selection's own bounds: outside them it is empty, and the ring only adds zeros.
        const shape = await imaging.getSelection({ documentID: doc.id, sourceBounds: toPsBounds(selectionBounds) });
        const shapeBounds = this.readBounds(shape, selectionBounds);
        selection = { bounds: selectionBounds, data: normalizeMask(await takeSamples(shape.imageData), shapeBounds, selectionBounds) };
      }
      return { documentId: doc.id, bounds, pixels, profile, selection, hasSelection: selectionBounds !== null, ...(layerId === undefined ? {} : { layerId }) };
    });
  }

  async commitTry<T>(options: CommitOptions, write: (writer: HostWriter) => Promise<T>): Promise<T> {
    return this.modal(options.historyName, async (context) => {
      const doc = this.activeDocument();
      if (!doc || doc.id !== options.documentId) {
        throw new HostError(
          'DOCUMENT_CHANGED',
          'The document this try was made from is not the active one. Switch back to it and place the try from the history.',
        );
      }
      const suspension = await context.hostControl.suspendHistory({ documentID: doc.id, name: options.historyName });
      try {
        const result = await write(this.writer(doc));
        await context.hostControl.resumeHistory(suspension, true);
        return result;
      } catch (error) {
        // Roll the document back so nothing is half-placed. Photoshop also cancels suspended states when
        // the scope throws, so a failing rollback must not hide the error that caused it.
        await context.hostControl.resumeHistory(suspension, false).catch(() => undefined);
        throw error;
      }
    });
  }

  async openAsDocument(pixels: RgbaPixels, title: string): Promise<void> {
    const { app, imaging } = this.ps;
    await this.modal('InsaneRes: open result', async () => {
      const doc = await app.createDocument({
        name: title,
        width: pixels.width,
        height: pixels.height,
        resolution: 72,
        mode: 'RGBColorMode',
        fill: 'transparent',
        depth: pixels.bitDepth,
        profile: SRGB_PROFILE,
      });
      if (!doc) throw new HostError('PHOTOSHOP_ERROR', 'Photoshop did not create the new document.');
      const layer = doc.layers[0];
      if (!layer) throw new HostError('PHOTOSHOP_ERROR', 'The new document has no layer to write into.');
      const imageData = await this.rgbaImageData(pixels, pixels.bitDepth);
      try {
        await imaging.putPixels({ documentID: doc.id, layerID: layer.id, imageData, replace: true, targetBounds: { left: 0, top: 0 } });
      } finally {
        imageData.dispose();
      }
    });
  }

  // ------------------------------------------------------------------ inside the modal scope

  private writer(doc: PsDocument): HostWriter {
    const { imaging } = this.ps;
    const depth = documentDepth(doc);
    if (depth === 32) {
      throw new HostError('UNSUPPORTED_DOCUMENT', '32-bit documents are not supported: convert to 16 bits (Image > Mode > 16 Bits/Channel).');
    }
    const play = (list: ActionDescriptor[]) => this.batchPlay(list);

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
        const layerId = typeof made?.layerID === 'number' ? made.layerID : this.activeLayerId(doc);
        if (above?.kind === 'topVisible') await this.moveAboveTopVisible(doc, layerId);
        const imageData = await this.rgbaImageData(pixels, depth);
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
      saveSelectionToChannel: async (channelName) => {
        await play([descriptors.saveSelectionToChannel(channelName)]);
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
  private async moveAboveTopVisible(doc: PsDocument, layerId: number): Promise<void> {
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

  private async rgbaImageData(pixels: RgbaPixels, depth: BitDepth): Promise<PsImageData> {
    return this.ps.imaging.createImageDataFromBuffer(toDocumentSamples(pixels, depth), {
      width: pixels.width,
      height: pixels.height,
      components: 4,
      chunky: true,
      colorProfile: SRGB_PROFILE,
      colorSpace: 'RGB',
    });
  }

  private async batchPlay(list: ActionDescriptor[]): Promise<ActionResult[]> {
    const results = await this.ps.action.batchPlay(list, {});
    descriptors.assertNoBatchPlayError(results, list);
    return results;
  }

  // ------------------------------------------------------------------ the one modal runner

  /** executeAsModal; when Photoshop is busy in another modal state, waits and retries once. */
  private async modal<T>(commandName: string, body: (context: PsExecutionContext) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.ps.core.executeAsModal(body, { commandName });
      } catch (error) {
        if (error instanceof HostError) throw error;
        if (isModalBusy(error)) {
          if (attempt === 0) {
            await delay(this.busyRetryDelayMs);
            continue;
          }
          throw new HostError(
            'PHOTOSHOP_BUSY',
            'Photoshop is busy (a dialog is open or another plugin is working). Finish that, then try again.',
            errorMessage(error),
          );
        }
        throw new HostError('PHOTOSHOP_ERROR', `Photoshop: ${errorMessage(error)}`, errorMessage(error));
      }
    }
  }

  // ------------------------------------------------------------------ DOM helpers

  private activeDocument(): PsDocument | null {
    const { app } = this.ps;
    return app.documents.length > 0 ? app.activeDocument : null;
  }

  private requireDocument(): PsDocument {
    const doc = this.activeDocument();
    if (!doc) throw new HostError('NO_DOCUMENT', 'Open a document first.');
    if (doc.mode !== 'RGBColorMode') {
      throw new HostError('UNSUPPORTED_DOCUMENT', 'InsaneRes works on RGB documents: use Image > Mode > RGB Color.');
    }
    if (documentDepth(doc) === 32) {
      throw new HostError('UNSUPPORTED_DOCUMENT', '32-bit documents are not supported: convert to 16 bits (Image > Mode > 16 Bits/Channel).');
    }
    return doc;
  }

  private activeLayerId(doc: PsDocument): number {
    const layer = doc.activeLayers[0];
    if (!layer) throw new HostError('EMPTY_SOURCE', 'No layer is selected in the Layers panel.');
    return layer.id;
  }

  /** The bounds Photoshop actually returned (smaller than asked when it trimmed empty areas). */
  private readBounds(read: PsPixelsResult, asked: Rect): Rect {
    if (!read.sourceBounds) return { ...asked, width: read.imageData.width, height: read.imageData.height };
    return fromPsBounds(read.sourceBounds);
  }
}
