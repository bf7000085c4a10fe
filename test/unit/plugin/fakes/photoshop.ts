/**
 * A recording fake of Photoshop's `photoshop` and `uxp` modules. Every call lands in `log` (shared with
 * the fake server, so tests can check the order of the whole round trip) and answers with realistic data:
 * trimmed `sourceBounds`, 3-component reads of flat documents, 16-bit samples in 0..32768, `layerID` in
 * the result of `make` layer, `{ _obj: "error" }` results, and "modal state" rejections.
 */
import type { ActionDescriptor, ActionResult } from '../../../../plugin/src/host/descriptors';
import type { Rect } from '../../../../plugin/src/host/host';
import { maskValue, type Plane } from '../../../../plugin/src/host/browser/compositing';
import { SimDocument, type SimLayer, type SimState } from './photoshop-document';
import type {
  PhotoshopModule,
  PsBounds,
  PsCreateImageDataOptions,
  PsDocument,
  PsExecutionContext,
  PsGetPixelsOptions,
  PsImageData,
  PsLayer,
  PsSampleArray,
  UxpModule,
  UxpPanelController,
} from '../../../../plugin/src/host/photoshop-types';

export interface LogEntry {
  api: string;
  args?: unknown;
}

export interface FakeDocumentSetup {
  id?: number;
  width?: number;
  height?: number;
  bitDepth?: 8 | 16;
  /** null = nothing selected. */
  selection?: Rect | null;
  /** Flat documents read as RGB (3 components). */
  flat?: boolean;
  mode?: string;
}

/** A deterministic pattern: R = x, G = y, B = x + y (mod 256), scaled to 0..32768 in 16-bit documents. */
export function patternSample(x: number, y: number, channel: number, bitDepth: 8 | 16): number {
  const v8 = [x % 256, y % 256, (x + y) % 256, 255][channel];
  return bitDepth === 16 ? Math.round((v8 * 32768) / 255) : v8;
}

/** Selection shape: an ellipse inscribed in the bounds (255 inside, 0 outside). */
export function ellipseMask(bounds: Rect, x: number, y: number): number {
  const cx = bounds.left + bounds.width / 2;
  const cy = bounds.top + bounds.height / 2;
  const dx = (x + 0.5 - cx) / (bounds.width / 2);
  const dy = (y + 0.5 - cy) / (bounds.height / 2);
  return dx * dx + dy * dy <= 1 ? 255 : 0;
}

/** The ellipse selection as a plane over its bounds. */
export function ellipsePlane(bounds: Rect): Plane {
  const data = new Uint8Array(bounds.width * bounds.height);
  for (let y = 0; y < bounds.height; y++) {
    for (let x = 0; x < bounds.width; x++) data[y * bounds.width + x] = ellipseMask(bounds, bounds.left + x, bounds.top + y);
  }
  return { bounds: { ...bounds }, data };
}

const DEFAULT_SETUP: Required<FakeDocumentSetup> = { id: 7, width: 64, height: 48, bitDepth: 8, selection: null, flat: true, mode: 'RGBColorMode' };

const rectOf = (b: PsBounds): Rect => ({ left: b.left, top: b.top, width: b.right - b.left, height: b.bottom - b.top });

export class FakeImageData implements PsImageData {
  disposed = false;
  readonly hasAlpha: boolean;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly components: number,
    readonly componentSize: number,
    readonly colorProfile: string,
    private readonly data: PsSampleArray,
    private readonly log: LogEntry[],
    readonly colorSpace: string = 'RGB',
  ) {
    this.hasAlpha = components === 4;
  }
  async getData(): Promise<PsSampleArray> {
    return this.data;
  }
  dispose(): void {
    this.disposed = true;
    this.log.push({ api: 'imageData.dispose' });
  }
  /** The samples, for assertions. */
  samples(): PsSampleArray {
    return this.data;
  }
}

export class FakePhotoshop {
  log: LogEntry[] = [];
  documents: PsDocument[] = [];
  active: PsDocument | null = null;
  /** Areas getPixels reports as empty (it trims the returned sourceBounds to the rest). */
  trimTo: Rect | null = null;
  /** How many next executeAsModal calls reject because another plugin is modal… */
  busyTimes = 0;
  /** …counting only commands whose name starts with this. */
  busyCommand = '';
  /** Photoshop 25.10+'s wording; earlier versions said "host is in a modal state" (both number 9). */
  busyMessage = 'Plugin: Another Plugin is running a modal command';
  /** Answers a descriptor with an error result instead of success. */
  failDescriptor: ((descriptor: ActionDescriptor) => ActionResult | null) | null = null;
  /** Every putPixels call's imageData, for pixel assertions. */
  put: FakeImageData[] = [];
  /** The document's layers, selection, channels and History (see photoshop-document.ts). */
  sim: SimDocument = new SimDocument({ width: 1, height: 1 }, null);
  private setup: Required<FakeDocumentSetup> = { ...DEFAULT_SETUP };

  reset(setup: FakeDocumentSetup | null = {}): void {
    this.log = [];
    this.put = [];
    this.trimTo = null;
    this.busyTimes = 0;
    this.busyCommand = '';
    this.failDescriptor = null;
    if (setup === null) {
      this.documents = [];
      this.active = null;
      return;
    }
    this.setup = { ...DEFAULT_SETUP, ...setup };
    const s = this.setup;
    this.sim = new SimDocument({ width: s.width, height: s.height }, s.selection ? ellipsePlane(s.selection) : null);
    const fake = this;
    const view = (layer: SimLayer): PsLayer => ({
      id: layer.id,
      name: layer.name,
      visible: layer.visible,
      kind: layer.kind,
      moveAbove: async (relative) => {
        fake.log.push({ api: 'layer.moveAbove', args: { layer: layer.id, relative: relative.id } });
        fake.sim.moveAbove(layer.id, relative.id);
      },
    });
    const doc: PsDocument = {
      id: s.id,
      title: 'portrait.psd',
      width: s.width,
      height: s.height,
      resolution: 300,
      bitsPerChannel: s.bitDepth === 16 ? 'bitDepth16' : 'bitDepth8',
      mode: s.mode,
      get activeLayers() {
        const active = fake.sim.layer(fake.sim.state.activeLayerId);
        return active ? [view(active)] : [];
      },
      /** Top first, as Photoshop's DOM lists them. */
      get layers() {
        return [...fake.sim.state.layers].reverse().map(view);
      },
      get channels() {
        return [{ name: 'Red' }, { name: 'Green' }, { name: 'Blue' }, ...fake.sim.state.channels.map((c) => ({ name: c.name }))];
      },
      selection: {
        get bounds() {
          const plane = fake.sim.state.selection;
          if (!plane) return null;
          const b = plane.bounds;
          return { left: b.left, top: b.top, right: b.left + b.width, bottom: b.top + b.height };
        },
      },
    };
    this.documents = [doc];
    this.active = doc;
  }

  /** Selects a rectangle (or nothing): the retoucher keeps working while the job runs. */
  select(bounds: Rect | null): void {
    this.sim.state.selection = bounds ? { bounds: { ...bounds }, data: new Uint8Array(bounds.width * bounds.height).fill(255) } : null;
    this.sim.step(bounds ? 'Rectangular Marquee' : 'Deselect');
  }

  calls(api: string): LogEntry[] {
    return this.log.filter((entry) => entry.api === api);
  }

  readonly module: PhotoshopModule = ((fake: FakePhotoshop): PhotoshopModule => ({
    app: {
      get activeDocument() {
        return fake.active;
      },
      get documents() {
        return fake.documents;
      },
      createDocument: async (options) => {
        this.log.push({ api: 'app.createDocument', args: options });
        return { ...(this.active as PsDocument), id: 99, width: options.width, height: options.height, layers: [{ id: 500, name: 'Layer 1', visible: true, kind: 'pixel', moveAbove: async () => undefined }] };
      },
    },
    core: {
      executeAsModal: async <T,>(target: (context: PsExecutionContext) => Promise<T>, options: { commandName: string }): Promise<T> => {
        this.log.push({ api: 'core.executeAsModal', args: options });
        if (this.busyTimes > 0 && options.commandName.startsWith(this.busyCommand)) {
          this.busyTimes--;
          throw Object.assign(new Error(this.busyMessage), { number: 9 });
        }
        const suspensions: { name: string; before: SimState }[] = [];
        const context: PsExecutionContext = {
          isCancelled: false,
          hostControl: {
            suspendHistory: async (o) => {
              this.log.push({ api: 'hostControl.suspendHistory', args: o });
              suspensions.push({ name: o.name, before: this.sim.snapshot() });
              return suspensions.length;
            },
            resumeHistory: async (suspension, commit) => {
              this.log.push({ api: 'hostControl.resumeHistory', args: { suspension, commit } });
              const suspended = suspensions[(suspension as number) - 1];
              // Committed: everything since the suspension is one History state; else it is rolled back.
              if (commit) this.sim.step(suspended.name);
              else this.sim.restore(suspended.before);
            },
          },
        };
        const result = await target(context);
        this.log.push({ api: 'core.executeAsModal.end', args: options });
        return result;
      },
    },
    action: {
      batchPlay: async (descriptors: ActionDescriptor[]) => {
        const results: ActionResult[] = [];
        for (const descriptor of descriptors) {
          this.log.push({ api: 'action.batchPlay', args: descriptor });
          const failure = this.failDescriptor?.(descriptor) ?? null;
          if (failure) {
            results.push(failure);
            continue;
          }
          results.push(this.sim.play(descriptor));
        }
        return results;
      },
    },
    imaging: {
      getPixels: async (options: PsGetPixelsOptions) => {
        this.log.push({ api: 'imaging.getPixels', args: options });
        const asked = rectOf(options.sourceBounds as PsBounds);
        const got = this.trimTo ?? asked;
        const depth = this.setup.bitDepth;
        const components = this.setup.flat ? 3 : 4;
        const data = depth === 16 ? new Uint16Array(got.width * got.height * components) : new Uint8Array(got.width * got.height * components);
        for (let y = 0; y < got.height; y++) {
          for (let x = 0; x < got.width; x++) {
            for (let c = 0; c < components; c++) data[(y * got.width + x) * components + c] = patternSample(got.left + x, got.top + y, c, depth);
          }
        }
        const imageData = new FakeImageData(got.width, got.height, components, depth, 'sRGB IEC61966-2.1', data, this.log);
        return { imageData, sourceBounds: { left: got.left, top: got.top, right: got.left + got.width, bottom: got.top + got.height }, level: 0 };
      },
      getSelection: async (options) => {
        this.log.push({ api: 'imaging.getSelection', args: options });
        const asked = rectOf(options.sourceBounds as PsBounds);
        const plane = this.sim.state.selection;
        const data = new Uint8Array(asked.width * asked.height);
        for (let y = 0; y < asked.height; y++) {
          for (let x = 0; x < asked.width; x++) data[y * asked.width + x] = plane ? maskValue(plane, asked.left + x, asked.top + y) : 0;
        }
        return { imageData: new FakeImageData(asked.width, asked.height, 1, 8, 'Gray Gamma 2.2', data, this.log, 'Grayscale'), sourceBounds: options.sourceBounds };
      },
      putPixels: async (options) => {
        this.log.push({ api: 'imaging.putPixels', args: { ...options, imageData: '[imageData]' } });
        const imageData = options.imageData as FakeImageData;
        this.put.push(imageData);
        const layer = this.sim.layer(options.layerID);
        if (layer) {
          const at = options.targetBounds ?? { left: 0, top: 0 };
          layer.bounds = { left: at.left, top: at.top, width: imageData.width, height: imageData.height };
          layer.pixels = imageData.samples() as Uint8Array | Uint16Array;
        }
      },
      putSelection: async (options) => {
        this.log.push({ api: 'imaging.putSelection', args: { ...options, imageData: '[imageData]' } });
        const imageData = options.imageData as FakeImageData;
        const samples = imageData.samples();
        const data = samples instanceof Uint8Array ? samples.slice() : Uint8Array.from(samples, (v) => Math.round((Math.min(v, 32768) * 255) / 32768));
        const at = options.targetBounds ?? { left: 0, top: 0 };
        this.sim.state.selection = { bounds: { left: at.left, top: at.top, width: imageData.width, height: imageData.height }, data };
      },
      createImageDataFromBuffer: async (data: PsSampleArray, options: PsCreateImageDataOptions) => {
        this.log.push({ api: 'imaging.createImageDataFromBuffer', args: { ...options, type: data.constructor.name, length: data.length } });
        const size = data instanceof Uint16Array ? 16 : data instanceof Float32Array ? 32 : 8;
        return new FakeImageData(options.width, options.height, options.components, size, options.colorProfile ?? '', data, this.log, options.colorSpace);
      },
    },
  }))(this);
}

/** The one fake behind `require('photoshop')` (jest.mock with a virtual module); tests reset it. */
export const fakePhotoshop = new FakePhotoshop();

/** The fake `uxp` module: remembers what the plugin registered. */
export const fakeUxp = {
  panels: {} as Record<string, UxpPanelController>,
  module: {
    entrypoints: {
      setup(options: { panels: Record<string, UxpPanelController> }) {
        fakeUxp.panels = options.panels;
      },
    },
  } as UxpModule,
};
