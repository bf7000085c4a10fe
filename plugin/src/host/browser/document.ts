/**
 * The harness document as immutable data: layers (bottom first), the active layer, the selection and
 * saved selections (channels). Every edit is a pure function from one state to the next, so an undo step
 * is just the previous state, and a try that fails half-way leaves the document untouched.
 */
import { HostError, type BlendMode, type Rect } from '../host';
import { featherPlane, type CompositeLayer, type Plane, type Size } from './compositing';

/** A layer mask: the selection it was made from and its feathered form (what compositing uses). */
export interface LayerMask extends Plane {
  source: Plane;
  featherPx: number;
}

export interface Layer extends CompositeLayer {
  id: number;
  name: string;
  mask: LayerMask | null;
}

export interface DocState {
  /** Bottom first, as they are composited. */
  layers: readonly Layer[];
  activeLayerId: number | null;
  selection: Plane | null;
  channels: Readonly<Record<string, Plane>>;
}

/** One entry of the document's History panel: the state after the named step. */
export interface HistoryEntry {
  name: string;
  state: DocState;
}

export interface EditorDocument extends Size {
  id: number;
  title: string;
  history: readonly HistoryEntry[];
  /** Index of the current state in `history`; entries after it can be redone. */
  position: number;
}

export function currentState(doc: EditorDocument): DocState {
  return doc.history[doc.position].state;
}

/** A rejected edit, phrased like the editor's own error (the panel shows it under "Details"). */
function editorError(message: string): HostError {
  return new HostError('PHOTOSHOP_ERROR', message, message);
}

export function findLayer(state: DocState, layerId: number): Layer {
  const layer = state.layers.find((l) => l.id === layerId);
  // Never the internal id: the retoucher knows layers by name, and this one is gone.
  if (!layer) throw editorError('That layer no longer exists (it was deleted, or its step was undone).');
  return layer;
}

/**
 * `layer` inserted above the layer `anchorId` (default: the active layer; on top when there is none) and made
 * active.
 */
export function addLayerAbove(state: DocState, layer: Layer, anchorId: number | null = state.activeLayerId): DocState {
  const anchorIndex = state.layers.findIndex((l) => l.id === anchorId);
  const at = anchorIndex < 0 ? state.layers.length : anchorIndex + 1;
  return { ...state, layers: [...state.layers.slice(0, at), layer, ...state.layers.slice(at)], activeLayerId: layer.id };
}

/** The topmost visible layer's id (null when none is visible). */
export function topVisibleLayerId(state: DocState): number | null {
  for (let i = state.layers.length - 1; i >= 0; i--) if (state.layers[i].visible) return state.layers[i].id;
  return null;
}

export function updateLayer(state: DocState, layerId: number, change: (layer: Layer) => Layer): DocState {
  const layer = findLayer(state, layerId);
  return { ...state, layers: state.layers.map((l) => (l === layer ? change(l) : l)) };
}

export function removeLayer(state: DocState, layerId: number): DocState {
  findLayer(state, layerId);
  const layers = state.layers.filter((l) => l.id !== layerId);
  const activeLayerId = state.activeLayerId === layerId ? (layers[layers.length - 1]?.id ?? null) : state.activeLayerId;
  return { ...state, layers, activeLayerId };
}

export function setBlendMode(state: DocState, layerId: number, blendMode: BlendMode): DocState {
  return updateLayer(state, layerId, (layer) => ({ ...layer, blendMode }));
}

export function setVisible(state: DocState, layerId: number, visible: boolean): DocState {
  return updateLayer(state, layerId, (layer) => ({ ...layer, visible }));
}

export function saveChannel(state: DocState, name: string): DocState {
  if (!state.selection) throw editorError(`There is no selection to save as "${name}".`);
  return { ...state, channels: { ...state.channels, [name]: state.selection } };
}

/** Removes a saved selection; nothing to do when there is none of that name. */
export function deleteChannel(state: DocState, name: string): DocState {
  if (!(name in state.channels)) return state;
  const channels = { ...state.channels };
  delete channels[name];
  return { ...state, channels };
}

export function makeLayerMask(source: Plane, featherPx: number, canvas: Size): LayerMask {
  return { ...featherPlane(source, featherPx, canvas), source, featherPx };
}

/** A mask revealing the selection saved as `channelName`, feathered by `featherPx`. */
export function addMaskFromChannel(state: DocState, canvas: Size, layerId: number, channelName: string, featherPx: number): DocState {
  const channel = state.channels[channelName];
  if (!channel) throw editorError(`There is no channel named "${channelName}".`);
  return updateLayer(state, layerId, (layer) => ({ ...layer, mask: makeLayerMask(channel, featherPx, canvas) }));
}

/** The same mask, feathered anew from its source selection (it stays editable, as in Photoshop). */
export function setMaskFeather(state: DocState, canvas: Size, layerId: number, featherPx: number): DocState {
  return updateLayer(state, layerId, (layer) => {
    if (!layer.mask) throw editorError(`The layer "${layer.name}" has no mask to feather.`);
    return { ...layer, mask: makeLayerMask(layer.mask.source, featherPx, canvas) };
  });
}

/** A new layer's record: normal mode, visible, unmasked. */
export function pixelLayer(id: number, name: string, bounds: Rect, pixels: Uint8ClampedArray): Layer {
  if (pixels.length !== bounds.width * bounds.height * 4) {
    throw editorError(`${pixels.length / 4} pixels do not fill ${bounds.width}×${bounds.height} px.`);
  }
  return { id, name, bounds: { ...bounds }, pixels, blendMode: 'normal', visible: true, mask: null };
}
