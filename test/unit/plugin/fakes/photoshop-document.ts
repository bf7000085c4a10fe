/**
 * The document behind the recording Photoshop fake: a layer stack, the selection, alpha channels and the
 * History panel, changed by the batchPlay descriptors and imaging calls the panel uses, as Adobe documents
 * them: `make` layer lands above the target layer and becomes the target; Reveal Selection masks the target
 * layer with the active selection; `duplicate` of the selection channel adds a channel even when one with
 * that name exists (Photoshop allows duplicates); commands on a missing layer or channel fail with
 * `{ _obj: "error" }`; a committed `suspendHistory` is one History state and undo goes back one state.
 */
import type { ActionDescriptor, ActionResult } from '../../../../plugin/src/host/descriptors';
import type { Rect } from '../../../../plugin/src/host/host';
import { featherPlane, maskValue, type Plane } from '../../../../plugin/src/host/browser/compositing';

export interface SimLayer {
  id: number;
  name: string;
  kind: 'pixel' | 'group';
  visible: boolean;
  opacity: number;
  mode: string;
  /** Where putPixels wrote; null for an empty layer. */
  bounds: Rect | null;
  /** RGBA at `bounds`, in the document's sample range. */
  pixels: Uint8Array | Uint16Array | null;
  /** Reveal Selection: the selection the mask was made from (null = reveal all) and its feather. */
  mask: { source: Plane | null; featherPx: number } | null;
}

export interface SimState {
  /** Bottom first. */
  layers: SimLayer[];
  activeLayerId: number;
  selection: Plane | null;
  channels: { name: string; plane: Plane }[];
}

/** Photoshop's answer when a descriptor names something that is not there. */
export const notAvailable = (what: string): ActionResult => ({ _obj: 'error', message: `The object “${what}” is not currently available.`, result: -25920 });

const clone = (state: SimState): SimState => ({
  layers: state.layers.map((l) => ({ ...l, mask: l.mask ? { ...l.mask } : null })),
  activeLayerId: state.activeLayerId,
  selection: state.selection,
  channels: state.channels.map((c) => ({ ...c })),
});

type Target = { _ref?: string; _id?: number; _name?: string; _property?: string; _enum?: string; _value?: string };

export class SimDocument {
  state: SimState;
  /** The History panel: the state after each step; `position` is the current one. */
  history: { name: string; state: SimState }[];
  position = 0;
  private nextLayerId = 100;

  constructor(
    readonly size: { width: number; height: number },
    selection: Plane | null,
  ) {
    this.state = { layers: [simLayer(1, 'Background')], activeLayerId: 1, selection, channels: [] };
    this.history = [{ name: 'Open', state: clone(this.state) }];
  }

  layer(id: number): SimLayer | undefined {
    return this.state.layers.find((l) => l.id === id);
  }

  /** Adds a layer on top (a test's own layers above the Background). */
  addLayer(layer: Partial<SimLayer> & { name: string }): SimLayer {
    const made = { ...simLayer(this.nextLayerId++, layer.name), ...layer };
    this.state.layers.push(made);
    this.state.activeLayerId = made.id;
    this.history[this.position] = { ...this.history[this.position], state: clone(this.state) };
    return made;
  }

  /** A History step of its own (a command run outside a suspended history). */
  step(name: string): void {
    this.history = [...this.history.slice(0, this.position + 1), { name, state: clone(this.state) }];
    this.position = this.history.length - 1;
  }

  snapshot(): SimState {
    return clone(this.state);
  }

  restore(state: SimState): void {
    this.state = clone(state);
  }

  undo(): void {
    this.goTo(this.position - 1);
  }

  redo(): void {
    this.goTo(this.position + 1);
  }

  goTo(position: number): void {
    if (position < 0 || position >= this.history.length) return;
    this.position = position;
    this.state = clone(this.history[position].state);
  }

  /** What the layer contributes at a pixel: its alpha (0..1) times its mask, as Photoshop composites it. */
  coverageAt(layerId: number, x: number, y: number): number {
    const layer = this.layer(layerId);
    if (!layer?.bounds || !layer.pixels) return 0;
    const { left, top, width, height } = layer.bounds;
    if (x < left || y < top || x >= left + width || y >= top + height) return 0;
    const full = layer.pixels instanceof Uint16Array ? 32768 : 255;
    const alpha = layer.pixels[((y - top) * width + (x - left)) * 4 + 3] / full;
    if (!layer.mask) return alpha;
    if (!layer.mask.source) return alpha;
    const feathered = featherPlane(layer.mask.source, layer.mask.featherPx, this.size);
    return (alpha * maskValue(feathered, x, y)) / 255;
  }

  /** Runs one descriptor against the state, answering as batchPlay does. */
  play(d: ActionDescriptor): ActionResult {
    const target = ((d._target as Target[] | undefined) ?? [])[0] ?? {};
    const s = this.state;
    if (d._obj === 'make' && target._ref === 'layer') {
      const layer = simLayer(this.nextLayerId++, String((d.using as { name?: string } | undefined)?.name ?? 'Layer'));
      const at = s.layers.findIndex((l) => l.id === s.activeLayerId);
      s.layers.splice(at + 1, 0, layer);
      s.activeLayerId = layer.id;
      return { _obj: 'make', layerID: layer.id };
    }
    if (d._obj === 'make' && (d.using as Target | undefined)?._value === 'revealSelection') {
      const layer = this.layer(s.activeLayerId);
      if (!layer) return notAvailable('layer');
      if (layer.mask) return { _obj: 'error', message: 'The layer already has a mask.', result: -25920 };
      layer.mask = { source: s.selection, featherPx: 0 };
      return { _obj: 'make' };
    }
    if (d._obj === 'select' && target._ref === 'layer') {
      if (!this.layer(target._id ?? -1)) return notAvailable(`layer ${target._id}`);
      s.activeLayerId = target._id as number;
      return { _obj: 'select' };
    }
    if (d._obj === 'set' && target._ref === 'layer') {
      const layer = this.layer(target._id ?? -1);
      if (!layer) return notAvailable(`layer ${target._id}`);
      const to = d.to as { mode?: { _value: string }; userMaskFeather?: { _value: number } };
      if (to.mode) layer.mode = to.mode._value;
      if (to.userMaskFeather) {
        if (!layer.mask) return { _obj: 'error', message: 'The layer has no mask.', result: -25920 };
        layer.mask.featherPx = to.userMaskFeather._value;
      }
      return { _obj: 'set' };
    }
    if (d._obj === 'show' || d._obj === 'hide') {
      const ref = ((d.null as Target[] | undefined) ?? [])[0] ?? {};
      const layer = this.layer(ref._id ?? -1);
      if (!layer) return notAvailable(`layer ${ref._id}`);
      layer.visible = d._obj === 'show';
      return { _obj: d._obj };
    }
    if (d._obj === 'duplicate' && target._property === 'selection') {
      if (!s.selection) return { _obj: 'error', message: 'There is no selection to save.', result: -25920 };
      s.channels.push({ name: String(d.name), plane: s.selection });
      return { _obj: 'duplicate' };
    }
    if (d._obj === 'set' && target._property === 'selection') {
      const to = d.to as Target;
      if (to._value === 'none') {
        s.selection = null;
        return { _obj: 'set' };
      }
      const channel = s.channels.find((c) => c.name === to._name);
      if (!channel) return notAvailable(`channel “${to._name}”`);
      s.selection = channel.plane;
      return { _obj: 'set' };
    }
    if (d._obj === 'delete' && target._ref === 'channel') {
      const index = s.channels.findIndex((c) => c.name === target._name);
      if (index < 0) return notAvailable(`channel “${target._name}”`);
      s.channels.splice(index, 1);
      return { _obj: 'delete' };
    }
    if (d._obj === 'get' && target._ref === 'layer') {
      const layer = this.layer(target._id ?? -1);
      if (!layer) return notAvailable(`layer ${target._id}`);
      return {
        _obj: 'layer',
        layerID: layer.id,
        name: layer.name,
        visible: layer.visible,
        mode: { _enum: 'blendMode', _value: layer.mode },
        hasUserMask: layer.mask !== null,
        ...(layer.mask ? { userMaskFeather: layer.mask.featherPx } : {}),
      };
    }
    return { _obj: d._obj };
  }

  /** Layer.moveAbove (DOM): `layerId` goes directly above `relativeId`. */
  moveAbove(layerId: number, relativeId: number): void {
    const layers = this.state.layers;
    const moving = layers.splice(
      layers.findIndex((l) => l.id === layerId),
      1,
    )[0];
    layers.splice(layers.findIndex((l) => l.id === relativeId) + 1, 0, moving);
  }
}

export function simLayer(id: number, name: string): SimLayer {
  return { id, name, kind: 'pixel', visible: true, opacity: 100, mode: 'normal', bounds: null, pixels: null, mask: null };
}
