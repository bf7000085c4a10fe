/**
 * The Host over the harness's canvas editor: the same contract as Photoshop's (host.ts), so the panel's
 * controller runs unchanged in a browser. Reads are the flattened visible image (or the active layer) at
 * 100 %; a try's writes go to a draft state that becomes one undo step only when the whole try succeeded.
 */
import {
  HostError,
  type CommitOptions,
  type DocumentInfo,
  type Host,
  type HostWriter,
  type KeptSelection,
  type LayerInfo,
  type LayerRef,
  type ReadOptions,
  type RgbaPixels,
  type SelectionMask,
  type SelectionRead,
} from '../host';
import { full16ToEight, growRect } from '../pixels';
import { cropRgba } from './compositing';
import * as ops from './document';
import type { Editor } from './editor';

/** Canvas pixels are sRGB. */
export const BROWSER_PROFILE = 'sRGB IEC61966-2.1';

/** 8-bit samples for the canvas (16-bit results are reduced, as placing them in an 8-bit document does). */
export function toCanvasSamples(pixels: RgbaPixels): Uint8ClampedArray {
  const eight = pixels.data instanceof Uint16Array ? full16ToEight(pixels.data) : pixels.data;
  return new Uint8ClampedArray(eight.buffer, eight.byteOffset, eight.length);
}

const copyMask = (mask: SelectionMask): SelectionMask => ({ bounds: { ...mask.bounds }, data: mask.data.slice() });

export class BrowserHost implements Host {
  readonly kind = 'browser' as const;

  constructor(private readonly editor: Editor) {}

  async documentInfo(): Promise<DocumentInfo | null> {
    const doc = this.editor.active();
    if (!doc) return null;
    const selection = ops.currentState(doc).selection;
    return {
      id: doc.id,
      title: doc.title,
      width: doc.width,
      height: doc.height,
      bitDepth: 8,
      selectionBounds: selection ? { ...selection.bounds } : null,
      resolution: 72,
    };
  }

  async inspectLayer(ref: LayerRef): Promise<LayerInfo | null> {
    const doc = this.editor.document(ref.documentId);
    const layer = doc ? ops.currentState(doc).layers.find((l) => l.id === ref.layerId) : undefined;
    if (!layer) return null;
    return { blendMode: layer.blendMode, visible: layer.visible, masked: layer.mask !== null, featherPx: layer.mask ? layer.mask.featherPx : null };
  }

  async channelNames(documentId: number): Promise<string[]> {
    const doc = this.editor.document(documentId);
    return doc ? Object.keys(ops.currentState(doc).channels) : [];
  }

  async readSelection(options: ReadOptions): Promise<SelectionRead> {
    const doc = this.editor.active();
    if (!doc) throw new HostError('NO_DOCUMENT', 'Open a document first.');
    const state = ops.currentState(doc);
    if (!state.selection && !options.wholeCanvasIfNone) throw new HostError('NO_SELECTION', 'Nothing is selected.');
    const bounds = state.selection ? growRect(state.selection.bounds, options.contextPx ?? 0, doc) : { left: 0, top: 0, width: doc.width, height: doc.height };

    let rgba: Uint8ClampedArray;
    if (options.source === 'activeLayer') {
      const layer = state.layers.find((l) => l.id === state.activeLayerId);
      if (!layer) throw new HostError('EMPTY_SOURCE', 'No layer is selected in the Layers panel.');
      rgba = cropRgba(layer.pixels, layer.bounds, { ...bounds, left: bounds.left - layer.bounds.left, top: bounds.top - layer.bounds.top });
      if (!rgba.some((_, i) => i % 4 === 3 && rgba[i] > 0)) {
        throw new HostError('EMPTY_SOURCE', 'The active layer has no pixels inside the selection.');
      }
    } else {
      rgba = this.editor.flattenedRect(doc, bounds);
    }
    return {
      documentId: doc.id,
      bounds,
      pixels: { width: bounds.width, height: bounds.height, bitDepth: 8, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length) },
      profile: BROWSER_PROFILE,
      selection: state.selection ? copyMask(state.selection) : null,
      hasSelection: state.selection !== null,
      ...(options.source === 'activeLayer' && state.activeLayerId !== null ? { layerId: state.activeLayerId } : {}),
    };
  }

  async commitTry<T>(options: CommitOptions, write: (writer: HostWriter) => Promise<T>): Promise<T> {
    const doc = this.editor.active();
    if (!doc || doc.id !== options.documentId) {
      throw new HostError(
        'DOCUMENT_CHANGED',
        'The document this try was made from is not the active one. Switch back to it and place the try from the history.',
      );
    }
    let draft = ops.currentState(doc);
    const apply = (change: (state: ops.DocState) => ops.DocState) => {
      draft = change(draft);
    };
    // If `write` throws, the draft is dropped: nothing half-placed reaches the document.
    const result = await write(this.writer(doc.id, doc, apply));
    // The writer's steps only await each other (no user event can run in between), so the document is
    // still in the state the draft started from.
    this.editor.commit(doc.id, options.historyName, () => draft);
    return result;
  }

  async openAsDocument(pixels: RgbaPixels, title: string): Promise<void> {
    this.editor.open(title, pixels.width, pixels.height, toCanvasSamples(pixels).slice());
  }

  private writer(documentId: number, canvas: { width: number; height: number }, apply: (change: (s: ops.DocState) => ops.DocState) => void): HostWriter {
    const ref = (layerId: number, name: string): LayerRef => ({ documentId, layerId, name });
    return {
      placeResultLayer: async ({ bounds, pixels, name, above }) => {
        if (pixels.width !== bounds.width || pixels.height !== bounds.height) {
          throw new HostError('PHOTOSHOP_ERROR', `The result is ${pixels.width}×${pixels.height} px but the selection is ${bounds.width}×${bounds.height} px.`);
        }
        const layer = ops.pixelLayer(this.editor.newLayerId(), name, bounds, toCanvasSamples(pixels).slice());
        apply((state) => {
          if (above?.kind === 'layer') ops.findLayer(state, above.layerId); // the layer that was read must still exist
          const anchor = above?.kind === 'topVisible' ? ops.topVisibleLayerId(state) : above?.kind === 'layer' ? above.layerId : state.activeLayerId;
          return ops.addLayerAbove(state, layer, anchor);
        });
        return ref(layer.id, name);
      },
      setBlendMode: async (layer, mode) => apply((state) => ops.setBlendMode(state, layer.layerId, mode)),
      setVisible: async (layer, visible) => apply((state) => ops.setVisible(state, layer.layerId, visible)),
      restoreSelection: async (mask) => apply((state) => ({ ...state, selection: copyMask(mask) })),
      saveSelectionToChannel: async (channelName) => apply((state) => ops.saveChannel(state, channelName)),
      deleteChannel: async (channelName) => apply((state) => ops.deleteChannel(state, channelName)),
      keepSelection: async () => {
        let kept: KeptSelection = null;
        apply((state) => {
          kept = state.selection ? { token: copyMask(state.selection) } : null;
          return state;
        });
        return kept;
      },
      restoreKeptSelection: async (kept) => apply((state) => ({ ...state, selection: kept ? copyMask(kept.token as SelectionMask) : null })),
      applyFeatheredMask: async (layer, channelName, featherPx) =>
        apply((state) => ops.addMaskFromChannel(state, canvas, layer.layerId, channelName, featherPx)),
      setMaskFeather: async (layer, featherPx) => apply((state) => ops.setMaskFeather(state, canvas, layer.layerId, featherPx)),
    };
  }
}
