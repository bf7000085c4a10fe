/**
 * The exact batchPlay descriptors the Photoshop host plays, built by pure functions so tests can compare
 * them with the documented JSON. Each descriptor asks Photoshop not to show a dialog: a dialog inside a
 * modal scope would hang the panel.
 */
import { HostError, type BlendMode } from './host';

export interface ActionDescriptor {
  _obj: string;
  [key: string]: unknown;
}

/** One entry of batchPlay's result array; failed commands come back as `{ _obj: "error", message, result }`. */
export interface ActionResult {
  _obj?: string;
  message?: string;
  result?: number;
  [key: string]: unknown;
}

/**
 * "silent", not "dontDisplay": with "dontDisplay" Photoshop still shows a dialog when a command fails (Adobe's
 * batchPlay reference; uxp-photoshop issues #136, #208), which would stop the modal scope on a dialog. With
 * "silent" a failure comes back as an `{ _obj: "error" }` result and the try rolls back quietly.
 */
const NO_DIALOG = { dialogOptions: 'silent' } as const;

const layerById = (layerId: number) => ({ _ref: 'layer', _id: layerId });
const selectionChannel = { _ref: 'channel', _property: 'selection' } as const;

/** A new, empty pixel layer above the active layer; the result carries its `layerID`. */
export function makePixelLayer(name: string): ActionDescriptor {
  return {
    _obj: 'make',
    _target: [{ _ref: 'layer' }],
    using: { _obj: 'layer', name },
    _options: NO_DIALOG,
  };
}

/** Makes the layer the target, so that following commands (`make` mask) apply to it. */
export function selectLayer(layerId: number): ActionDescriptor {
  return {
    _obj: 'select',
    _target: [layerById(layerId)],
    makeVisible: false,
    _options: NO_DIALOG,
  };
}

export function setBlendMode(layerId: number, mode: BlendMode): ActionDescriptor {
  return {
    _obj: 'set',
    _target: [layerById(layerId)],
    to: { _obj: 'layer', mode: { _enum: 'blendMode', _value: mode } },
    _options: NO_DIALOG,
  };
}

/** Select > Save Selection…: a new alpha channel named `channelName` holding the active selection. */
export function saveSelectionToChannel(channelName: string): ActionDescriptor {
  return {
    _obj: 'duplicate',
    _target: [selectionChannel],
    name: channelName,
    _options: NO_DIALOG,
  };
}

/** Select > Load Selection… from the named channel (replaces the active selection). */
export function loadSelectionFromChannel(channelName: string): ActionDescriptor {
  return {
    _obj: 'set',
    _target: [selectionChannel],
    to: { _ref: 'channel', _name: channelName },
    _options: NO_DIALOG,
  };
}

/** The eye in the Layers panel. */
export function setLayerVisible(layerId: number, visible: boolean): ActionDescriptor {
  return {
    _obj: visible ? 'show' : 'hide',
    null: [layerById(layerId)],
    _options: NO_DIALOG,
  };
}

/** Select > Deselect. */
export function deselect(): ActionDescriptor {
  return {
    _obj: 'set',
    _target: [selectionChannel],
    to: { _enum: 'ordinal', _value: 'none' },
    _options: NO_DIALOG,
  };
}

/** Deletes the alpha channel named `channelName` (fails when there is none: check the names first). */
export function deleteChannel(channelName: string): ActionDescriptor {
  return {
    _obj: 'delete',
    _target: [{ _ref: 'channel', _name: channelName }],
    _options: NO_DIALOG,
  };
}

/**
 * Reads a layer's properties by id (no modal scope needed; nothing changes). Fails with an error result when
 * the layer no longer exists.
 */
export function getLayer(layerId: number, documentId: number): ActionDescriptor {
  return {
    _obj: 'get',
    _target: [layerById(layerId), { _ref: 'document', _id: documentId }],
    _options: NO_DIALOG,
  };
}

/** Layer > Layer Mask > Reveal Selection, on the target layer. */
export function makeMaskFromSelection(): ActionDescriptor {
  return {
    _obj: 'make',
    new: { _class: 'channel' },
    at: { _ref: 'channel', _enum: 'channel', _value: 'mask' },
    using: { _enum: 'userMaskEnabled', _value: 'revealSelection' },
    _options: NO_DIALOG,
  };
}

/** Photoshop accepts a mask feather of 0..1000 px (Properties panel > Masks > Feather). */
export const MAX_MASK_FEATHER_PX = 1000;

export function clampFeather(featherPx: number): number {
  if (!Number.isFinite(featherPx)) return 0;
  return Math.min(MAX_MASK_FEATHER_PX, Math.max(0, featherPx));
}

/** The layer mask's non-destructive feather (Properties panel > Masks > Feather). */
export function setMaskFeather(layerId: number, featherPx: number): ActionDescriptor {
  return {
    _obj: 'set',
    _target: [layerById(layerId)],
    to: { _obj: 'layer', userMaskFeather: { _unit: 'pixelsUnit', _value: clampFeather(featherPx) } },
    _options: NO_DIALOG,
  };
}

/** The sequence that turns a saved selection into the feathered mask of `layerId`. */
export function featheredMaskSequence(layerId: number, channelName: string, featherPx: number): ActionDescriptor[] {
  return [
    selectLayer(layerId),
    loadSelectionFromChannel(channelName),
    makeMaskFromSelection(),
    setMaskFeather(layerId, featherPx),
  ];
}

/**
 * batchPlay reports failures as values, not exceptions. Turns the first `_obj: "error"` into a HostError
 * with Photoshop's own message, naming the command that failed.
 */
export function assertNoBatchPlayError(results: readonly ActionResult[], descriptors: readonly ActionDescriptor[]): void {
  results.forEach((result, index) => {
    if (result && result._obj === 'error') {
      const command = descriptors[index]?._obj ?? 'unknown';
      const message = typeof result.message === 'string' && result.message ? result.message : 'unknown error';
      throw new HostError(
        'PHOTOSHOP_ERROR',
        `Photoshop could not ${command}: ${message}`,
        JSON.stringify({ code: result.result ?? null, descriptor: descriptors[index] ?? null }),
      );
    }
  });
}
