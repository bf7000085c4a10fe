/**
 * The harness's image editor: open documents (one active, like Photoshop's tabs), each with a history of
 * immutable states. `commit` adds one undo step; `undo` / `redo` move through them. The UI subscribes to
 * changes; the BrowserHost reads and writes through the same object.
 */
import type { Rect } from '../host';
import { cropRgba, flatten, type RgbaBuffer } from './compositing';
import { currentState, pixelLayer, type DocState, type EditorDocument } from './document';

/** Enough steps for an afternoon of tries; states share pixel buffers, so a step costs little memory. */
const HISTORY_LIMIT = 60;

export interface EditorSnapshot {
  documents: readonly EditorDocument[];
  activeId: number | null;
}

export class Editor {
  private snapshot: EditorSnapshot = { documents: [], activeId: null };
  private readonly listeners = new Set<() => void>();
  private nextDocumentId = 1;
  private nextLayer = 1;
  /** The flattened image per state: rendering, reading and export all ask for it. */
  private readonly flattened = new WeakMap<DocState, RgbaBuffer>();

  getSnapshot = (): EditorSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  newLayerId(): number {
    return this.nextLayer++;
  }

  /** A new document holding `pixels` (RGBA, 8-bit) as its Background layer; it becomes the active one. */
  open(title: string, width: number, height: number, pixels: Uint8ClampedArray): EditorDocument {
    const background = pixelLayer(this.newLayerId(), 'Background', { left: 0, top: 0, width, height }, pixels);
    const state: DocState = { layers: [background], activeLayerId: background.id, selection: null, channels: {} };
    const doc: EditorDocument = { id: this.nextDocumentId++, title, width, height, history: [{ name: 'Open', state }], position: 0 };
    this.set({ documents: [...this.snapshot.documents, doc], activeId: doc.id });
    return doc;
  }

  active(): EditorDocument | null {
    return this.snapshot.documents.find((d) => d.id === this.snapshot.activeId) ?? null;
  }

  document(id: number): EditorDocument | null {
    return this.snapshot.documents.find((d) => d.id === id) ?? null;
  }

  activate(id: number): void {
    if (this.document(id)) this.set({ ...this.snapshot, activeId: id });
  }

  close(id: number): void {
    const documents = this.snapshot.documents.filter((d) => d.id !== id);
    const activeId = this.snapshot.activeId === id ? (documents[documents.length - 1]?.id ?? null) : this.snapshot.activeId;
    this.set({ documents, activeId });
  }

  /** One undo step named `name`: `change` maps the current state to the next (and may throw: no step then). */
  commit(id: number, name: string, change: (state: DocState) => DocState): void {
    const doc = this.require(id);
    const next = change(currentState(doc));
    if (next === currentState(doc)) return;
    const kept = doc.history.slice(0, doc.position + 1);
    const history = [...kept, { name, state: next }].slice(-HISTORY_LIMIT);
    this.replace({ ...doc, history, position: history.length - 1 });
  }

  undo(id: number): void {
    this.goTo(id, this.require(id).position - 1);
  }

  redo(id: number): void {
    this.goTo(id, this.require(id).position + 1);
  }

  /** Back (or forward) to the state after history entry `position`, as a click in the History panel. */
  goTo(id: number, position: number): void {
    const doc = this.require(id);
    if (position >= 0 && position < doc.history.length && position !== doc.position) this.replace({ ...doc, position });
  }

  /** The document as it looks: all visible layers composited (RGBA over the whole canvas). */
  flattenedPixels(doc: EditorDocument): RgbaBuffer {
    const state = currentState(doc);
    let pixels = this.flattened.get(state);
    if (!pixels) {
      pixels = flatten(doc, state.layers);
      this.flattened.set(state, pixels);
    }
    return pixels;
  }

  flattenedRect(doc: EditorDocument, rect: Rect): RgbaBuffer {
    return cropRgba(this.flattenedPixels(doc), doc, rect);
  }

  private require(id: number): EditorDocument {
    const doc = this.document(id);
    if (!doc) throw new Error(`no document ${id}`);
    return doc;
  }

  private replace(doc: EditorDocument): void {
    this.set({ ...this.snapshot, documents: this.snapshot.documents.map((d) => (d.id === doc.id ? doc : d)) });
  }

  private set(snapshot: EditorSnapshot): void {
    this.snapshot = snapshot;
    this.listeners.forEach((listener) => listener());
  }
}
