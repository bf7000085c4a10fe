/**
 * `window.__insaneres`: a read-only view of the page for end-to-end tests (and curious users in the
 * console). Every call returns fresh plain data; nothing here can change the document or the panel.
 */
import type { Rect } from '../host/host';
import { maskValue } from '../host/browser/compositing';
import { currentState, type EditorDocument } from '../host/browser/document';
import type { Editor } from '../host/browser/editor';
import type { PanelController } from '../model/controller';

export interface LayerView {
  id: number;
  name: string;
  bounds: Rect;
  blendMode: string;
  visible: boolean;
  mask: { featherPx: number; bounds: Rect; sourceBounds: Rect } | null;
}

export interface DocumentView {
  id: number;
  title: string;
  width: number;
  height: number;
  selection: Rect | null;
  activeLayerId: number | null;
  /** Bottom first. */
  layers: LayerView[];
  channels: string[];
  history: string[];
  historyPosition: number;
}

export interface HarnessState {
  documents: { id: number; title: string; width: number; height: number }[];
  active: DocumentView | null;
}

export interface PanelView {
  phase: string;
  server: string;
  error: { code: string; message: string } | null;
  progress: { jobId: string | null; step: number; totalSteps: number; hasPreview: boolean } | null;
  current: { number: number; seed: number; blendMode: string; masked: boolean; featherPx: number; layerId: number | null } | null;
  historyCount: number;
  settings: { strength: number; steps: number; featherPx: number; autoMask: boolean };
}

export interface TestHook {
  state(): HarnessState;
  panel(): PanelView;
  /** Flattened RGBA of `rect` in the active document (what the canvas shows, at 100 %). */
  pixels(rect: Rect): number[];
  /** The mask value (0..255) of a layer at a document pixel, or null without a mask. */
  maskAt(layerId: number, x: number, y: number): number | null;
}

function viewOf(doc: EditorDocument): DocumentView {
  const state = currentState(doc);
  return {
    id: doc.id,
    title: doc.title,
    width: doc.width,
    height: doc.height,
    selection: state.selection ? { ...state.selection.bounds } : null,
    activeLayerId: state.activeLayerId,
    layers: state.layers.map((layer) => ({
      id: layer.id,
      name: layer.name,
      bounds: { ...layer.bounds },
      blendMode: layer.blendMode,
      visible: layer.visible,
      mask: layer.mask ? { featherPx: layer.mask.featherPx, bounds: { ...layer.mask.bounds }, sourceBounds: { ...layer.mask.source.bounds } } : null,
    })),
    channels: Object.keys(state.channels),
    history: doc.history.map((entry) => entry.name),
    historyPosition: doc.position,
  };
}

export function createTestHook(editor: Editor, controller: PanelController): TestHook {
  const active = () => editor.active();
  return Object.freeze({
    state: (): HarnessState => {
      const { documents } = editor.getSnapshot();
      const doc = active();
      return { documents: documents.map(({ id, title, width, height }) => ({ id, title, width, height })), active: doc ? viewOf(doc) : null };
    },
    panel: (): PanelView => {
      const s = controller.store.getState();
      return {
        phase: s.phase,
        server: s.server.kind,
        error: s.error ? { code: s.error.code, message: s.error.message } : null,
        progress: s.progress ? { jobId: s.progress.jobId, step: s.progress.step, totalSteps: s.progress.totalSteps, hasPreview: s.progress.previewUrl !== null } : null,
        current: s.current
          ? { number: s.current.number, seed: s.current.seed, blendMode: s.current.blendMode, masked: s.current.masked, featherPx: s.current.featherPx, layerId: s.current.layer?.layerId ?? null }
          : null,
        historyCount: s.history.length,
        settings: { strength: s.settings.strength, steps: s.settings.steps, featherPx: s.settings.featherPx, autoMask: s.settings.autoMask },
      };
    },
    pixels: (rect: Rect): number[] => {
      const doc = active();
      return doc ? Array.from(editor.flattenedRect(doc, rect)) : [];
    },
    maskAt: (layerId: number, x: number, y: number): number | null => {
      const doc = active();
      const mask = doc ? currentState(doc).layers.find((l) => l.id === layerId)?.mask : null;
      return mask ? maskValue(mask, x, y) : null;
    },
  });
}
