/**
 * The panel's only window onto the image editor. Photoshop implements it (`photoshop-host.ts`); the
 * browser harness implements it over a canvas document. Nothing outside `plugin/src/host/` touches
 * Photoshop, and nothing here knows about the server.
 *
 * Geometry is in document pixels at 100 %; a `Rect` is left/top/width/height (right and bottom are
 * exclusive, as in Photoshop's imaging API).
 */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type BitDepth = 8 | 16;

/**
 * RGBA, interleaved, top-left first. 8-bit samples span 0..255, 16-bit samples 0..65535 (the wire format
 * of the server; Photoshop's own 0..32768 never leaves the Photoshop host).
 */
export interface RgbaPixels {
  width: number;
  height: number;
  bitDepth: BitDepth;
  data: Uint8Array | Uint16Array;
}

/** The selection's shape over its bounding box: one byte per pixel, 0 = unselected, 255 = selected. */
export interface SelectionMask {
  bounds: Rect;
  data: Uint8Array;
}

export interface DocumentInfo {
  id: number;
  title: string;
  width: number;
  height: number;
  bitDepth: 8 | 16 | 32;
  /** Bounds of the active selection clipped to the canvas, or null when nothing is selected. */
  selectionBounds: Rect | null;
  /** Pixels per inch (an upscale result opened as a new document keeps it). */
  resolution: number;
}

export type PixelSource = 'merged' | 'activeLayer';

export interface ReadOptions {
  /** The merged visible image (default) or the active layer alone. */
  source: PixelSource;
  /** With no active selection: read the whole canvas instead of failing with NO_SELECTION. */
  wholeCanvasIfNone?: boolean;
  /**
   * The context ring (DESIGN §8): read the selection's bounds grown by this many px (clipped to the canvas),
   * so the model sees the surroundings and the result covers the whole feather. 0 or absent: the bounds.
   */
  contextPx?: number;
}

export interface SelectionRead {
  documentId: number;
  /** What was read (the crop): the selection's bounding box grown by the context ring, or the canvas; at 100 %. */
  bounds: Rect;
  /** Exactly bounds.width × bounds.height, sRGB, at the document's bit depth (8 or 16). */
  pixels: RgbaPixels;
  /** The colour profile the pixels are expressed in. */
  profile: string;
  /** The selection's shape over its own bounding box (inside `bounds`), or null when the whole canvas was read. */
  selection: SelectionMask | null;
  /** The layer that was read (source "activeLayer"); absent for the merged image. */
  layerId?: number;
  hasSelection: boolean;
}

/** A layer placed by the panel; enough to find it again. */
export interface LayerRef {
  documentId: number;
  layerId: number;
  name: string;
}

export type BlendMode = 'difference' | 'normal';

/**
 * Where a result layer goes in the stack so that Difference shows exactly what the model changed (DESIGN §8):
 * a result read from the merged image goes above the topmost visible layer (else the layers above it would be
 * composited twice); a result read from one layer goes directly above that layer.
 */
export type LayerAnchor = { kind: 'topVisible' } | { kind: 'layer'; layerId: number } | { kind: 'active' };

export interface PlaceLayerOptions {
  bounds: Rect;
  pixels: RgbaPixels;
  name: string;
  /** Default: above the active layer. */
  above?: LayerAnchor;
}

/**
 * Writes to the document. Only valid inside `Host.commitTry`: everything one writer does is one undo step.
 */
export interface HostWriter {
  /** A new pixel layer at `above` (default: above the active one), holding `pixels` exactly at `bounds` (never rescaled). */
  placeResultLayer(options: PlaceLayerOptions): Promise<LayerRef>;
  setBlendMode(layer: LayerRef, mode: BlendMode): Promise<void>;
  /** Shows or hides the layer (variations: one shown, the others hidden). */
  setVisible(layer: LayerRef, visible: boolean): Promise<void>;
  /** Makes `mask` the active selection again (the try's own selection, whatever is selected now). */
  restoreSelection(mask: SelectionMask): Promise<void>;
  /** Saves the active selection as the channel `channelName`, replacing a channel of that name (never two). */
  saveSelectionToChannel(channelName: string): Promise<void>;
  /** Deletes the channel `channelName` (a saved selection) when it exists. */
  deleteChannel(channelName: string): Promise<void>;
  /** Sets the retoucher's active selection aside, to be put back with `restoreKeptSelection`. */
  keepSelection(): Promise<KeptSelection>;
  restoreKeptSelection(kept: KeptSelection): Promise<void>;
  /** Adds a layer mask revealing the selection saved in `channelName`, feathered by `featherPx`. */
  applyFeatheredMask(layer: LayerRef, channelName: string, featherPx: number): Promise<void>;
  /** Changes the feather of the layer's existing mask (the mask itself stays editable). */
  setMaskFeather(layer: LayerRef, featherPx: number): Promise<void>;
}

/** What the panel needs to know about a try's layer now (after undo, History jumps, edits in the Layers panel). */
export interface LayerInfo {
  blendMode: BlendMode | 'other';
  visible: boolean;
  masked: boolean;
  /** The mask's feather, or null without a mask. */
  featherPx: number | null;
}

/** The active selection kept aside while a try is placed (null: nothing was selected). */
export type KeptSelection = { readonly token: unknown } | null;

export interface CommitOptions {
  /** The document the try belongs to; the commit refuses to write into another one. */
  documentId: number;
  /** The name of the single history (undo) step. */
  historyName: string;
}

export interface Host {
  readonly kind: 'photoshop' | 'browser';
  /** The active document, or null when none is open. Cheap: the panel polls it. */
  documentInfo(): Promise<DocumentInfo | null>;
  /** Reads the selection's pixels at 100 % and its shape. Never holds the editor while the server works. */
  readSelection(options: ReadOptions): Promise<SelectionRead>;
  /**
   * Runs `write` as one undo step (Photoshop: one `executeAsModal` + `suspendHistory`). If `write` throws,
   * nothing it did stays in the document.
   */
  commitTry<T>(options: CommitOptions, write: (writer: HostWriter) => Promise<T>): Promise<T>;
  /** Opens `pixels` as a new document (upscale results larger than the canvas) at `resolution` ppi. */
  openAsDocument(pixels: RgbaPixels, title: string, resolution?: number): Promise<void>;
  /** The layer's state now, or null when it no longer exists (undone, deleted, its document closed). Cheap. */
  inspectLayer(layer: LayerRef): Promise<LayerInfo | null>;
  /** The names of the document's saved selections (alpha channels). */
  channelNames(documentId: number): Promise<string[]>;
}

export type HostErrorCode =
  | 'NO_DOCUMENT'
  | 'NO_SELECTION'
  | 'DOCUMENT_CHANGED'
  | 'UNSUPPORTED_DOCUMENT'
  | 'EMPTY_SOURCE'
  | 'PHOTOSHOP_BUSY'
  | 'PHOTOSHOP_ERROR';

/** An editor-side failure the panel can explain: a code for code, a sentence for the user. */
export class HostError extends Error {
  readonly code: HostErrorCode;
  /** Technical detail for the "Details" disclosure (the failing descriptor, the raw message). */
  readonly details: string | undefined;
  constructor(code: HostErrorCode, message: string, details?: string) {
    super(message);
    this.name = 'HostError';
    this.code = code;
    this.details = details;
  }
}

export function isHostError(value: unknown): value is HostError {
  return value instanceof HostError;
}
