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
  type CommitOptions,
  type DocumentInfo,
  type Host,
  type HostWriter,
  type LayerInfo,
  type LayerRef,
  type ReadOptions,
  type Rect,
  type RgbaPixels,
  type SelectionMask,
  type SelectionRead,
} from './host';
import { canvasRect, growRect, normalizeMask, normalizeRead, type PixelArray } from './pixels';
import { createPhotoshopWriter, documentDepth, rgbaImageData, SRGB_PROFILE } from './photoshop-writer';

export { SRGB_PROFILE };
import type {
  PhotoshopModule,
  PsBounds,
  PsDocument,
  PsExecutionContext,
  PsImageData,
  PsPixelsResult,
} from './photoshop-types';

/** How long executeAsModal waits for another plugin's modal scope to end (ExecuteAsModalOptions.timeOut). */
const MODAL_TIMEOUT_S = 2;
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


function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * Busy is detected by the error number: Photoshop 25.10+ words it "Plugin: X is running a modal command", older
 * versions "host is in a modal state"; both carry number 9. Only an error without any number falls back to the
 * wording.
 */
export function isModalBusy(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const number = (error as { number?: unknown }).number;
  if (typeof number === 'number') return number === MODAL_BUSY_ERROR_NUMBER;
  return /modal (state|command)/i.test(errorMessage(error));
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
      resolution: doc.resolution,
    };
  }

  async inspectLayer(layer: LayerRef): Promise<LayerInfo | null> {
    if (!this.documentById(layer.documentId)) return null;
    const [result] = await this.ps.action.batchPlay([descriptors.getLayer(layer.layerId, layer.documentId)], {});
    // An error result here means "no such layer": the try's step was undone or the layer deleted.
    if (!result || result._obj === 'error') return null;
    const mode = (result.mode as { _value?: string } | undefined)?._value;
    const masked = result.hasUserMask === true;
    const feather = result.userMaskFeather;
    return {
      blendMode: mode === 'difference' || mode === 'normal' ? mode : 'other',
      visible: result.visible !== false,
      masked,
      featherPx: masked ? (typeof feather === 'number' ? feather : ((feather as { _value?: number } | undefined)?._value ?? 0)) : null,
    };
  }

  async channelNames(documentId: number): Promise<string[]> {
    const doc = this.documentById(documentId);
    return doc ? Array.from(doc.channels, (c) => c.name) : [];
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
        const result = await write(createPhotoshopWriter(this.ps, doc, (list) => this.batchPlay(list)));
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

  async openAsDocument(pixels: RgbaPixels, title: string, resolution = 72): Promise<void> {
    const { app, imaging } = this.ps;
    await this.modal('InsaneRes: open result', async () => {
      const doc = await app.createDocument({
        name: title,
        width: pixels.width,
        height: pixels.height,
        // The source document's resolution: a new document would otherwise open at 72 ppi (issue 10 §5).
        resolution,
        mode: 'RGBColorMode',
        fill: 'transparent',
        depth: pixels.bitDepth,
        profile: SRGB_PROFILE,
      });
      if (!doc) throw new HostError('PHOTOSHOP_ERROR', 'Photoshop did not create the new document.');
      const layer = doc.layers[0];
      if (!layer) throw new HostError('PHOTOSHOP_ERROR', 'The new document has no layer to write into.');
      const imageData = await rgbaImageData(this.ps, pixels, pixels.bitDepth);
      try {
        await imaging.putPixels({ documentID: doc.id, layerID: layer.id, imageData, replace: true, targetBounds: { left: 0, top: 0 } });
      } finally {
        imageData.dispose();
      }
    });
  }

  // ------------------------------------------------------------------ inside the modal scope

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
        // timeOut (25.10+, seconds): Photoshop itself keeps retrying while another modal state ends; older
        // versions ignore it and the one retry below stands in.
        return await this.ps.core.executeAsModal(body, { commandName, timeOut: MODAL_TIMEOUT_S });
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

  private documentById(id: number): PsDocument | null {
    return Array.from(this.ps.app.documents).find((d) => d.id === id) ?? null;
  }

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
