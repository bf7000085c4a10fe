/**
 * The small part of the `photoshop` and `uxp` modules the panel uses, typed by hand from Adobe's docs
 * (developer.adobe.com/photoshop/uxp: Imaging API, executeAsModal, batchPlay, Document/Selection DOM 25.0).
 * These modules exist only inside Photoshop; this is the typed boundary to them.
 */
import type { ActionDescriptor, ActionResult } from './descriptors';

/** Photoshop's bounds: right and bottom exclusive. */
export interface PsBounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export type PsSampleArray = Uint8Array | Uint16Array | Float32Array;

export interface PsImageData {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  /** 8, 16 or 32 bits per component. */
  readonly componentSize: number;
  readonly hasAlpha: boolean;
  readonly colorProfile: string;
  /** Chunky by default; 16-bit data spans 0..32768 unless `fullRange`. */
  getData(options?: { chunky?: boolean; fullRange?: boolean }): Promise<PsSampleArray>;
  dispose(): void;
}

export interface PsGetPixelsOptions {
  documentID?: number;
  layerID?: number;
  sourceBounds?: PsBounds;
  colorSpace?: string;
  colorProfile?: string;
  componentSize?: number;
  applyAlpha?: boolean;
  targetSize?: { width?: number; height?: number };
}

export interface PsPixelsResult {
  imageData: PsImageData;
  /** The bounds actually read: smaller than asked when Photoshop trimmed empty areas. */
  sourceBounds?: PsBounds;
  level?: number;
}

export interface PsCreateImageDataOptions {
  width: number;
  height: number;
  components: number;
  chunky?: boolean;
  colorProfile?: string;
  colorSpace: string;
  fullRange?: boolean;
}

export interface PsImaging {
  getPixels(options: PsGetPixelsOptions): Promise<PsPixelsResult>;
  getSelection(options: { documentID?: number; sourceBounds?: PsBounds }): Promise<PsPixelsResult>;
  putPixels(options: {
    documentID?: number;
    layerID: number;
    imageData: PsImageData;
    replace?: boolean;
    targetBounds?: { left: number; top: number };
    commandName?: string;
  }): Promise<void>;
  putSelection(options: {
    documentID?: number;
    imageData: PsImageData;
    replace?: boolean;
    targetBounds?: { left: number; top: number };
    commandName?: string;
  }): Promise<void>;
  createImageDataFromBuffer(data: PsSampleArray, options: PsCreateImageDataOptions): Promise<PsImageData>;
}

export interface PsLayer {
  readonly id: number;
  readonly name: string;
  readonly visible: boolean;
  /** "pixel", "group", "text", … (DOM 23.0: Layer.kind). */
  readonly kind: string;
  /** Moves this layer directly above `relative` (DOM: Layer.moveAbove; modal scope only). */
  moveAbove(relative: PsLayer): void | Promise<void>;
}

export interface PsChannel {
  readonly name: string;
}

export interface PsSelection {
  /** Null when nothing is selected; may extend past the canvas (DOM 25.0). */
  readonly bounds: PsBounds | null;
}

export interface PsDocument {
  readonly id: number;
  readonly title: string;
  /** Pixels. */
  readonly width: number;
  readonly height: number;
  /** "bitDepth8" | "bitDepth16" | "bitDepth32". */
  readonly bitsPerChannel: string;
  /** "RGBColorMode", "CMYKColorMode", "grayscaleMode", … */
  readonly mode: string;
  /** Pixels per inch. */
  readonly resolution: number;
  readonly activeLayers: ArrayLike<PsLayer>;
  /** The top-level layers, topmost first. */
  readonly layers: ArrayLike<PsLayer>;
  /** Component channels first, then alpha channels (saved selections). */
  readonly channels: ArrayLike<PsChannel>;
  readonly selection: PsSelection;
}

export interface PsCreateDocumentOptions {
  name: string;
  width: number;
  height: number;
  resolution: number;
  mode: string;
  fill: string;
  depth: number;
  profile: string;
}

export interface PsApp {
  readonly activeDocument: PsDocument | null;
  readonly documents: ArrayLike<PsDocument>;
  createDocument(options: PsCreateDocumentOptions): Promise<PsDocument | null>;
}

/** Opaque: whatever suspendHistory returns is handed back to resumeHistory. */
export type PsSuspension = unknown;

export interface PsHostControl {
  suspendHistory(options: { documentID: number; name: string }): Promise<PsSuspension>;
  resumeHistory(suspension: PsSuspension, commit?: boolean): Promise<void>;
}

export interface PsExecutionContext {
  readonly isCancelled: boolean;
  readonly hostControl: PsHostControl;
}

export interface PsCore {
  executeAsModal<T>(
    target: (context: PsExecutionContext, descriptor?: unknown) => Promise<T>,
    options: { commandName: string; interactive?: boolean; timeOut?: number },
  ): Promise<T>;
}

export interface PsAction {
  batchPlay(descriptors: ActionDescriptor[], options: Record<string, unknown>): Promise<ActionResult[]>;
}

export interface PhotoshopModule {
  app: PsApp;
  core: PsCore;
  action: PsAction;
  imaging: PsImaging;
}

export interface UxpPanelController {
  create?(rootNode: HTMLElement): void;
  show?(rootNode: HTMLElement, data?: unknown): void;
  hide?(rootNode: HTMLElement, data?: unknown): void;
  destroy?(rootNode: HTMLElement): void;
}

export interface UxpModule {
  entrypoints: {
    setup(options: { panels: Record<string, UxpPanelController> }): void;
  };
}
