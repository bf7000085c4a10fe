/**
 * The panel's behaviour without its looks: runs a try (or several variations) from selection to placed
 * layers, follows the server and the document, and hands result and history clicks to their own modules.
 * Framework-free: the UI calls these methods and renders `store`; tests drive it with a fake Host and server.
 */
import { ApiError, type JobStatus } from '../../../shared/src';
import { ApiClient } from '../api/client';
import { dataUrl } from '../api/raw';
import type { Host, Rect } from '../host/host';
import { isAbortError, makeAbortController, type Abortable } from './abort';
import { contextRingPx } from './crop';
import { selectionMaskPixels, withInpaint } from './inpaint';
import { EtaEstimate } from './eta';
import { describeError, MIN_SELECTION_SIDE, selectionTooLarge, selectionTooSmall, START_SERVER_HINT } from './errors';
import { defaultTimers, Follower, type Timers } from './follower';
import { placeFromHistory } from './history-actions';
import { Placer } from './placer';
import { ResultActions } from './result-actions';
import { allPresets, applyPreset, loadSettings, presetFromPrompt, saveSettings, type KeyValueStorage, type Settings } from './settings';
import { initialState, isBusy, type PanelError } from './state';
import { Store } from './store';
import { fastParam, fastToggle } from './fast';
import { checkResultSizes, placementFor, type FinishedJob } from './placement-plan';
import { jobRequest } from './tries';
import { upscaleSizing } from './upscale-plan';

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
  /** A run of feather changes closer together than this is one undo step. */
  featherCommitDelayMs?: number;
}

/**
 * Cancel is ignored this soon after Refine: the second click of a double-click (or of two quick clicks)
 * never cancels the try it started (issue 10 §4), even where Cancel appears under the pointer.
 */
export const CANCEL_GUARD_MS = 500;

/** A failure already phrased for the user (no selection, too small, …). */
class PanelFailure extends Error {
  constructor(readonly panelError: PanelError) {
    super(panelError.message);
  }
}

interface Running {
  abort: Abortable;
  jobIds: string[];
  startedAt: number;
}

export class PanelController {
  readonly store: Store;
  readonly results: ResultActions;
  private api: ApiClient;
  private readonly host: Host;
  private readonly storage: KeyValueStorage | null;
  private readonly createApi: (settings: Settings) => ApiClient;
  private readonly timers: Timers;
  private readonly follower: Follower;
  private readonly placer: Placer;
  private readonly previewIntervalMs: number;
  private running: Running | null = null;
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
    const updateSettings = (patch: Partial<Settings>) => this.updateSettings(patch);
    this.results = new ResultActions({ store: this.store, host: this.host, timers: this.timers, updateSettings, featherCommitDelayMs: options.featherCommitDelayMs });
    this.placer = new Placer(this.store, this.host);
    this.follower = new Follower(this.store, () => this.api, this.host, this.timers, {
      healthIntervalMs: options.healthIntervalMs ?? { online: 10_000, offline: 3_000 },
      documentIntervalMs: options.documentIntervalMs ?? 1_000,
      historyLimit: options.historyLimit ?? 24,
      afterDocument: () => this.results.follow(),
    });
  }

  /** The current server's client (the model picker uses it; it changes with the server settings). */
  get apiClient(): ApiClient {
    return this.api;
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

  // ---------------------------------------------------------------- the current result (result-actions.ts)

  toggleCompare(): Promise<void> {
    return this.results.toggleCompare();
  }

  applyMask(): Promise<void> {
    return this.results.applyMask();
  }

  /** `commit`: the value is final for now (release, a key press): the mask follows once the run of changes ends. */
  setFeather(featherPx: number, commit: boolean): void {
    this.results.setFeather(featherPx, commit);
  }

  flushFeather(): Promise<void> {
    return this.results.flushFeather();
  }

  // ---------------------------------------------------------------- one try

  /**
   * Refine (or upscale) the selection; with `wholeCanvas`, the canvas when nothing is selected. Upscale with
   * nothing selected always takes the whole image: that is what upscaling means.
   */
  async run(options: { wholeCanvas?: boolean } = {}): Promise<void> {
    const state = this.store.getState();
    if (isBusy(state.phase)) return; // a second click on Refine while it runs does nothing
    if (state.server.kind === 'offline') {
      this.store.dispatch({ type: 'failed', error: offlineError() });
      return;
    }
    // A result left unplaced by an earlier failure stays in the history; the new try replaces it here.
    this.placer.pending = null;
    const abort = makeAbortController();
    const running: Running = { abort, jobIds: [], startedAt: this.timers.now() };
    this.running = running;
    this.lastPreview = { at: -Infinity, step: -1, tile: -1 };
    this.store.dispatch({ type: 'jobStarted' });
    const { settings, lastSeed } = state;
    const signal = abort.signal;
    // Refine and Inpaint both work on the selection's crop and place over it; only Upscale differs.
    const refine = settings.mode !== 'upscale';
    try {
      // Refine reads a context ring around the selection (DESIGN §8); upscale enlarges exactly what is selected.
      const contextPx = refine ? contextRingPx(settings.contextPx, settings.featherPx) : 0;
      const read = await this.host.readSelection({ source: settings.source, wholeCanvasIfNone: options.wholeCanvas === true || !refine, contextPx });
      this.checkSize(read.selection?.bounds ?? read.bounds, read.bounds);
      const doc = await this.host.documentInfo();
      // Inpaint: the selection's shape on the same crop is the mask (white = repaint), checked before uploading.
      const maskPixels = settings.mode === 'inpaint' ? selectionMaskPixels(read) : null;
      const upload = await this.api.uploadRaw(read.pixels, { signal });
      const mask = maskPixels ? await this.api.uploadRaw(maskPixels, { signal }) : null;
      const count = refine ? settings.variations : 1;
      const server = this.store.getState().server;
      const health = server.kind === 'online' ? server.health : null;
      const upscaleScale = refine ? undefined : upscaleSizing(read.bounds, settings.upscale.scale, settings.upscale.recipe).requestScale;
      // All variations are queued at once: the server runs them back to back.
      const seeds: number[] = [];
      for (let variation = 0; variation < count; variation++) {
        const request = jobRequest(settings, upload.id, lastSeed, { variation, upscaleScale, ...fastParam(fastToggle(settings, health)) });
        const created = await this.api.createJob(mask ? withInpaint(request, settings, mask.id) : request, { signal });
        running.jobIds.push(created.id);
        seeds.push(created.seed);
      }
      if (signal.aborted) {
        // Cancelled while the jobs were being created: cancel() could not name them all yet.
        running.jobIds.forEach((id) => this.cancelOnServer(id));
        throw abortError();
      }
      const finished: FinishedJob[] = [];
      for (let index = 0; index < count; index++) {
        this.store.dispatch({ type: 'jobQueued', jobId: running.jobIds[index], seed: seeds[index], variation: count > 1 ? { index: index + 1, count } : null });
        finished.push(await this.follow(running.jobIds[index], signal));
      }

      if (!refine) {
        this.store.dispatch({ type: 'placing' });
        const notice = await this.placer.placeUpscale(finished[0].result, read, settings.upscale.placement, finished[0].seed, doc?.resolution ?? 72);
        this.store.dispatch({ type: 'finished', seed: finished[0].seed, notice });
        return;
      }
      checkResultSizes(read, finished);
      await this.placer.place(placementFor(read, finished, settings, doc?.title ?? '', this.takeTryNumbers(finished.length)));
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

  /** Stops the running job(s) (Cancel, Esc). Placing is quick and atomic, so it is left to finish. */
  cancel(): void {
    const running = this.running;
    if (!running || this.store.getState().phase === 'placing') return;
    if (this.timers.now() - running.startedAt < CANCEL_GUARD_MS) return;
    running.abort.abort();
    this.store.dispatch({ type: 'cancelled' });
    running.jobIds.forEach((id) => this.cancelOnServer(id));
  }

  /** Places a downloaded result again after Photoshop was busy. */
  async retryPlace(): Promise<void> {
    const pending = this.placer.pending;
    if (!pending || isBusy(this.store.getState().phase)) return;
    try {
      await this.placer.place(pending);
    } catch (error) {
      this.fail(describeError(error));
    }
  }

  retryServer(): void {
    this.dismissError();
    void this.follower.pollServer();
  }

  // ---------------------------------------------------------------- history (history-actions.ts)

  /**
   * History click: the earlier result placed again as a new layer — at once in the document it came from;
   * elsewhere only with `confirmed` (the panel asks first), and never when it is larger than the canvas.
   */
  async placeHistory(historyId: string, confirmed = false): Promise<void> {
    try {
      await placeFromHistory(
        { store: this.store, host: this.host, api: this.api, placer: this.placer, takeTryNumber: () => this.takeTryNumbers(1)[0] },
        historyId,
        confirmed,
      );
    } catch (error) {
      this.fail(describeError(error));
    }
  }

  dismissConfirm(): void {
    this.store.dispatch({ type: 'confirmPlace', confirm: null });
  }

  // ---------------------------------------------------------------- internals

  /** Waits for one job, with progress and live previews; its result, or an error. */
  private async follow(jobId: string, signal: AbortSignal): Promise<FinishedJob> {
    const eta = new EtaEstimate(this.timers);
    const final = await this.api.watchJob(jobId, {
      signal,
      onStatus: (status: JobStatus) => {
        this.store.dispatch({ type: 'jobStatus', status: { ...status, etaSeconds: eta.update(status) } });
        this.maybeFetchPreview(jobId, status.state, status.step, status.tile);
      },
    });
    if (final.state === 'cancelled') throw abortError();
    if (final.state === 'failed') {
      throw final.error ? new ApiError(final.error.code, final.error.message) : new ApiError('MODEL_FAILED', 'The job failed without a reason.');
    }
    const result = await this.api.result(jobId, { signal });
    return { jobId, seed: final.seed, historyId: final.historyId, result };
  }

  private cancelOnServer(jobId: string): void {
    this.api.cancel(jobId).catch((error: unknown) => this.store.dispatch({ type: 'error', error: describeError(error) }));
  }

  /** A failed try; when its result is downloaded but not placed, the error offers "Place again". */
  private fail(error: PanelError): void {
    const action = error.action ?? (this.placer.pending ? 'retryPlace' : undefined);
    this.store.dispatch({ type: 'failed', error: action ? { ...error, action } : error });
  }

  private takeTryNumbers(count: number): number[] {
    const first = this.store.getState().settings.nextTryNumber;
    this.updateSettings({ nextTryNumber: first + count });
    return Array.from({ length: count }, (_, i) => first + i);
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
        if (image && this.running?.jobIds.includes(jobId)) this.store.dispatch({ type: 'jobPreview', previewUrl: dataUrl(image.bytes, image.contentType) });
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
