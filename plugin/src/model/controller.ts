/**
 * The panel's behaviour without its looks: runs a try from selection to placed layer, follows the server
 * and the document, and carries out Compare / Mask / feather / history clicks. Framework-free: the UI
 * calls these methods and renders `store`; tests drive it with a fake Host and a fake server.
 */
import { ApiError } from '../../../shared/src';
import { ApiClient } from '../api/client';
import { dataUrl } from '../api/raw';
import { HostError, type Host, type HostWriter, type Rect, type RgbaPixels, type SelectionRead } from '../host/host';
import { contextRingPx } from './crop';
import { sameRect } from '../host/pixels';
import { isAbortError, makeAbortController, type Abortable } from './abort';
import { describeError, MIN_SELECTION_SIDE, selectionTooLarge, selectionTooSmall, START_SERVER_HINT } from './errors';
import { allPresets, applyPreset, loadSettings, presetFromPrompt, saveSettings, type KeyValueStorage, type Settings } from './settings';
import { defaultTimers, Follower, type Timers } from './follower';
import { initialState, isBusy, type PanelError, type TryRecord } from './state';
import { Store } from './store';
import { anchorFor, channelName, jobRequest, layerName, placementFor, placeTry, upscaleLayerBounds, type PlacePlan } from './tries';

export interface ControllerOptions {
  host: Host;
  storage: KeyValueStorage | null;
  createApi?: (settings: Settings) => ApiClient;
  timers?: Timers;
  /** Health polling: slow while connected, a little faster (and silent) while offline. */
  healthIntervalMs?: { online: number; offline: number };
  documentIntervalMs?: number;
  /** Live previews refresh at most this often. */
  previewIntervalMs?: number;
  historyLimit?: number;
}

/** A failure already phrased for the user (no selection, too small, …). */
class PanelFailure extends Error {
  constructor(readonly panelError: PanelError) {
    super(panelError.message);
  }
}

/** A downloaded result waiting to be placed (kept when Photoshop was busy, so nothing is lost). */
interface PendingPlacement {
  plan: PlacePlan;
  record: Omit<TryRecord, 'layer' | 'masked' | 'blendMode'>;
}

export class PanelController {
  readonly store: Store;
  private api: ApiClient;
  private readonly host: Host;
  private readonly storage: KeyValueStorage | null;
  private readonly createApi: (settings: Settings) => ApiClient;
  private readonly timers: Timers;
  private readonly follower: Follower;
  private readonly previewIntervalMs: number;
  private running: { abort: Abortable; jobId: string | null } | null = null;
  private pending: PendingPlacement | null = null;
  private lastPreview = { at: -Infinity, step: -1, tile: -1 };

  constructor(options: ControllerOptions) {
    this.host = options.host;
    this.storage = options.storage;
    this.timers = options.timers ?? defaultTimers;
    this.createApi = options.createApi ?? ((s) => new ApiClient({ baseUrl: s.serverUrl, token: s.token || null }));
    this.previewIntervalMs = options.previewIntervalMs ?? 1_000;
    const settings = loadSettings(this.storage);
    this.store = new Store(initialState(settings));
    this.api = this.createApi(settings);
    this.follower = new Follower(this.store, () => this.api, this.host, this.timers, {
      healthIntervalMs: options.healthIntervalMs ?? { online: 10_000, offline: 3_000 },
      documentIntervalMs: options.documentIntervalMs ?? 1_000,
      historyLimit: options.historyLimit ?? 24,
    });
  }

  /** Starts following the server and the active document. */
  start(): void {
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
    this.running?.abort.abort();
  }

  refreshDocument(): Promise<void> {
    return this.follower.refreshDocument();
  }

  refreshHistory(): Promise<void> {
    return this.follower.refreshHistory();
  }

  // ---------------------------------------------------------------- settings and presets

  updateSettings(patch: Partial<Settings>): void {
    const before = this.store.getState().settings;
    const settings = { ...before, ...patch };
    saveSettings(this.storage, settings);
    this.store.dispatch({ type: 'settings', settings });
    if (settings.serverUrl !== before.serverUrl || settings.token !== before.token) {
      this.api = this.createApi(settings);
      void this.follower.pollServer();
    }
  }

  applyPreset(presetId: string): void {
    const settings = this.store.getState().settings;
    const preset = allPresets(settings).find((p) => p.id === presetId);
    if (preset) this.updateSettings({ prompt: applyPreset(settings.prompt, preset) });
  }

  savePreset(): void {
    const settings = this.store.getState().settings;
    const preset = presetFromPrompt(settings.prompt, allPresets(settings));
    if (preset) this.updateSettings({ userPresets: [...settings.userPresets, preset] });
  }

  removePreset(presetId: string): void {
    const settings = this.store.getState().settings;
    this.updateSettings({ userPresets: settings.userPresets.filter((p) => p.id !== presetId) });
  }

  dismissError(): void {
    this.store.dispatch({ type: 'error', error: null });
  }

  // ---------------------------------------------------------------- one try

  /** Refine (or upscale) the selection; with `wholeCanvas`, the canvas when nothing is selected. */
  async run(options: { wholeCanvas?: boolean } = {}): Promise<void> {
    const state = this.store.getState();
    if (isBusy(state.phase)) return;
    if (state.server.kind === 'offline') {
      this.store.dispatch({ type: 'failed', error: offlineError() });
      return;
    }
    // A result left unplaced by an earlier failure stays in the history; the new try replaces it here.
    this.pending = null;
    const abort = makeAbortController();
    const running = { abort, jobId: null as string | null };
    this.running = running;
    this.lastPreview = { at: -Infinity, step: -1, tile: -1 };
    this.store.dispatch({ type: 'jobStarted' });
    const { settings, lastSeed } = state;
    const signal = abort.signal;
    try {
      // Refine reads a context ring around the selection (DESIGN §8); upscale enlarges exactly what is selected.
      const contextPx = settings.mode === 'refine' ? contextRingPx(settings.contextPx, settings.featherPx) : 0;
      const read = await this.host.readSelection({ source: settings.source, wholeCanvasIfNone: options.wholeCanvas === true, contextPx });
      this.checkSize(read.selection?.bounds ?? read.bounds, read.bounds);
      const upload = await this.api.uploadRaw(read.pixels, { signal });
      const created = await this.api.createJob(jobRequest(settings, upload.id, lastSeed), { signal });
      running.jobId = created.id;
      if (signal.aborted) {
        // Cancelled while the job was being created: cancel() could not name it yet.
        this.cancelOnServer(created.id);
        throw abortError();
      }
      this.store.dispatch({ type: 'jobQueued', jobId: created.id, seed: created.seed });

      const final = await this.api.watchJob(created.id, {
        signal,
        onStatus: (status) => {
          this.store.dispatch({ type: 'jobStatus', status });
          this.maybeFetchPreview(created.id, status.state, status.step, status.tile);
        },
      });
      if (final.state === 'cancelled') throw abortError();
      if (final.state === 'failed') {
        throw final.error ? new ApiError(final.error.code, final.error.message) : new ApiError('MODEL_FAILED', 'The job failed without a reason.');
      }
      const result = await this.api.result(created.id, { signal });

      if (settings.mode === 'upscale') {
        this.store.dispatch({ type: 'placing' });
        const notice = await this.placeUpscale(result, read, settings.upscale.placement, final.seed);
        this.store.dispatch({ type: 'finished', seed: final.seed, notice });
        return;
      }
      if (result.width !== read.bounds.width || result.height !== read.bounds.height) {
        throw new ApiError('INTERNAL', `The server returned ${result.width}×${result.height} px for a ${read.bounds.width}×${read.bounds.height} px crop.`);
      }
      const number = settings.nextTryNumber;
      this.updateSettings({ nextTryNumber: number + 1 });
      const name = layerName(number, final.seed, settings.strength);
      const channel = read.selection ? channelName(number) : null;
      await this.place({
        plan: {
          bounds: read.bounds,
          above: anchorFor(settings.source, read.layerId),
          pixels: result,
          name,
          selection: read.selection,
          channelName: channel,
          autoMask: settings.autoMask,
          featherPx: settings.featherPx,
        },
        record: {
          number,
          name,
          seed: final.seed,
          strength: settings.strength,
          jobId: created.id,
          historyId: final.historyId,
          documentId: read.documentId,
          bounds: read.bounds,
          channelName: channel,
          selection: read.selection,
          featherPx: settings.featherPx,
        },
      });
    } catch (error) {
      if (signal.aborted || isAbortError(error)) {
        this.store.dispatch({ type: 'cancelled' });
      } else {
        this.fail(error instanceof PanelFailure ? error.panelError : describeError(error));
      }
    } finally {
      if (this.running === running) this.running = null;
      void this.refreshHistory();
    }
  }

  /** Stops the running job (Esc). Placing is quick and atomic, so it is left to finish. */
  cancel(): void {
    const running = this.running;
    if (!running || this.store.getState().phase === 'placing') return;
    running.abort.abort();
    this.store.dispatch({ type: 'cancelled' });
    if (running.jobId) this.cancelOnServer(running.jobId);
  }

  private cancelOnServer(jobId: string): void {
    this.api.cancel(jobId).catch((error: unknown) => this.store.dispatch({ type: 'error', error: describeError(error) }));
  }

  /** Places a downloaded result again after Photoshop was busy. */
  async retryPlace(): Promise<void> {
    const pending = this.pending;
    if (!pending || isBusy(this.store.getState().phase)) return;
    try {
      await this.place(pending);
    } catch (error) {
      this.fail(describeError(error));
    }
  }

  retryServer(): void {
    this.dismissError();
    void this.follower.pollServer();
  }

  // ---------------------------------------------------------------- the current result

  /** Difference ↔ normal on the current result layer. */
  async toggleCompare(): Promise<void> {
    const current = this.store.getState().current;
    if (!current?.layer) return;
    const layer = current.layer;
    const mode = current.blendMode === 'difference' ? 'normal' : 'difference';
    const done = await this.edit(current, `InsaneRes #${current.number}: ${mode}`, (w) => w.setBlendMode(layer, mode));
    if (done) this.store.dispatch({ type: 'tryUpdated', record: { ...current, blendMode: mode } });
  }

  /** Adds the feathered mask from the try's saved selection (when auto-mask was off). */
  async applyMask(): Promise<void> {
    const current = this.store.getState().current;
    if (!current?.layer || current.masked || !current.channelName) return;
    const { layer, channelName: channel } = current;
    const featherPx = this.store.getState().settings.featherPx;
    const done = await this.edit(current, `InsaneRes #${current.number}: mask`, (w) => w.applyFeatheredMask(layer, channel, featherPx));
    if (done) this.store.dispatch({ type: 'tryUpdated', record: { ...current, masked: true, featherPx } });
  }

  /** The feather slider: `commit` (on release) also updates the current layer's mask. */
  async setFeather(featherPx: number, commit: boolean): Promise<void> {
    this.updateSettings({ featherPx });
    const current = this.store.getState().current;
    if (!commit || !current?.layer || !current.masked || current.featherPx === featherPx) return;
    const layer = current.layer;
    const done = await this.edit(current, `InsaneRes #${current.number}: feather ${featherPx}px`, (w) => w.setMaskFeather(layer, featherPx));
    if (done) this.store.dispatch({ type: 'tryUpdated', record: { ...current, featherPx } });
  }

  /** History click: the earlier result placed again as a new layer (with its mask when it is known). */
  async placeHistory(historyId: string): Promise<void> {
    const state = this.store.getState();
    if (isBusy(state.phase)) return;
    const item = state.history.find((h) => h.id === historyId);
    const known = state.tries.find((t) => t.historyId === historyId) ?? null;
    this.store.dispatch({ type: 'placing' });
    try {
      const doc = await this.host.documentInfo();
      if (!doc) throw new HostError('NO_DOCUMENT', 'Open a document first.');
      const pixels: RgbaPixels = await this.api.historyImageRaw(historyId);
      const bounds = placementFor(pixels, doc, known, doc.id, doc.selectionBounds);
      const selection = known?.selection && known.documentId === doc.id && sameRect(known.bounds, bounds) ? known.selection : null;
      const seed = known?.seed ?? item?.seed ?? 0;
      const strength = known?.strength ?? item?.strength ?? 0;
      const number = known?.number ?? this.takeTryNumber();
      const name = layerName(number, seed, strength);
      const settings = this.store.getState().settings;
      await this.place({
        plan: {
          bounds,
          above: anchorFor(settings.source, undefined),
          pixels,
          name,
          selection,
          channelName: selection ? channelName(number) : null,
          autoMask: settings.autoMask,
          featherPx: settings.featherPx,
        },
        record: {
          number,
          name,
          seed,
          strength,
          jobId: known?.jobId ?? item?.jobId ?? '',
          historyId,
          documentId: doc.id,
          bounds,
          channelName: selection ? channelName(number) : null,
          selection,
          featherPx: settings.featherPx,
        },
      });
    } catch (error) {
      this.fail(describeError(error));
    }
  }

  // ---------------------------------------------------------------- internals

  /**
   * An upscale result as a new document, or — when asked and it fits the canvas — as a new layer at the
   * selection's top-left (one undo step). Returns a notice when it could not go where it was asked to.
   */
  private async placeUpscale(result: RgbaPixels, read: SelectionRead, placement: 'document' | 'layer', seed: number): Promise<string | undefined> {
    const title = `InsaneRes upscale · seed ${seed}`;
    if (placement === 'layer') {
      const doc = await this.host.documentInfo();
      const bounds = doc && doc.id === read.documentId ? upscaleLayerBounds(result, read.bounds, doc) : null;
      if (bounds) {
        await this.host.commitTry({ documentId: read.documentId, historyName: title }, (writer) =>
          writer.placeResultLayer({ bounds, pixels: result, name: title }).then(() => undefined),
        );
        return undefined;
      }
      await this.host.openAsDocument(result, title);
      return doc && doc.id === read.documentId
        ? `The ${result.width}×${result.height} px result is larger than the canvas, so it opened as a new document.`
        : 'The document changed while the upscale ran, so the result opened as a new document.';
    }
    await this.host.openAsDocument(result, title);
    return undefined;
  }

  /** A failed try; when its result is downloaded but not placed, the error offers "Place again". */
  private fail(error: PanelError): void {
    const action = error.action ?? (this.pending ? 'retryPlace' : undefined);
    this.store.dispatch({ type: 'failed', error: action ? { ...error, action } : error });
  }

  private async place(pending: PendingPlacement): Promise<void> {
    this.store.dispatch({ type: 'placing' });
    try {
      const placed = await this.host.commitTry(
        { documentId: pending.record.documentId, historyName: `InsaneRes #${pending.record.number}` },
        (writer) => placeTry(writer, pending.plan),
      );
      this.pending = null;
      const record: TryRecord = { ...pending.record, layer: placed.layer, masked: placed.masked, blendMode: 'difference' };
      this.store.dispatch({ type: 'placed', record });
      this.store.dispatch({ type: 'finished', seed: record.seed });
    } catch (error) {
      // The result stays downloaded: "Place again" (or the history) retries without a new job.
      this.pending = pending;
      throw error;
    }
  }

  /** A small follow-up edit as its own undo step; errors go to the error line, the result stays. */
  private async edit(current: TryRecord, historyName: string, write: (w: HostWriter) => Promise<void>): Promise<boolean> {
    try {
      await this.host.commitTry({ documentId: current.documentId, historyName }, write);
      return true;
    } catch (error) {
      this.store.dispatch({ type: 'error', error: describeError(error) });
      return false;
    }
  }

  private takeTryNumber(): number {
    const number = this.store.getState().settings.nextTryNumber;
    this.updateSettings({ nextTryNumber: number + 1 });
    return number;
  }

  /** The selection must be big enough to refine; the crop (selection + ring) must fit the server's limit. */
  private checkSize(selection: Rect, crop: Rect): void {
    if (selection.width < MIN_SELECTION_SIDE || selection.height < MIN_SELECTION_SIDE) throw new PanelFailure(selectionTooSmall(selection.width, selection.height));
    const server = this.store.getState().server;
    const maxPixels = server.kind === 'online' ? server.health.limits.maxPixels : Infinity;
    if (crop.width * crop.height > maxPixels) throw new PanelFailure(selectionTooLarge(crop.width, crop.height, maxPixels));
  }

  private maybeFetchPreview(jobId: string, state: string, step: number, tile: number): void {
    const now = this.timers.now();
    const last = this.lastPreview;
    if (state !== 'running' || step === 0 || (step === last.step && tile === last.tile)) return;
    if (now - last.at < this.previewIntervalMs) return;
    this.lastPreview = { at: now, step, tile };
    this.api.preview(jobId).then(
      (image) => {
        if (image && this.running?.jobId === jobId) this.store.dispatch({ type: 'jobPreview', previewUrl: dataUrl(image.bytes, image.contentType) });
      },
      // A missed preview is cosmetic: a real failure shows up in the next status poll.
      () => undefined,
    );
  }
}

function abortError(): Error {
  const error = new Error('cancelled');
  error.name = 'AbortError';
  return error;
}

function offlineError(): PanelError {
  return { code: 'SERVER_OFFLINE', message: 'The InsaneRes server is not running.', hint: START_SERVER_HINT, action: 'retryServer' };
}
