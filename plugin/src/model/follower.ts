/**
 * Keeps the panel's view of the world fresh without the user asking: the server's health (slow, silent
 * polling: offline is a status dot, not a pop-up), the active document, and the server's history.
 */
import type { ApiClient } from '../api/client';
import { dataUrl } from '../api/raw';
import type { Host } from '../host/host';
import { describeError } from './errors';
import type { HistoryItem } from './state';
import type { Store } from './store';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const defaultTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface FollowerOptions {
  healthIntervalMs: { online: number; offline: number };
  documentIntervalMs: number;
  historyLimit: number;
  /** Runs after every document poll (the panel re-reads the current try's layer). */
  afterDocument?: () => Promise<void>;
}

/** Thumbnails are asked for at this size: the strip shows them at ~60 px, twice that for HiDPI. */
export const THUMBNAIL_SIDE = 128;

export class Follower {
  /** Thumbnail data URLs by history id (token mode), kept so each picture is fetched once. */
  private readonly thumbnails = new Map<string, string>();
  private serverTimer: unknown = null;
  private documentTimer: unknown = null;
  private stopped = true;

  constructor(
    private readonly store: Store,
    private readonly api: () => ApiClient,
    private readonly host: Host,
    private readonly timers: Timers,
    private readonly options: FollowerOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.pollServer();
    void this.pollDocument();
  }

  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.serverTimer);
    this.timers.clearTimeout(this.documentTimer);
  }

  /** Checks the server now (Retry, a changed address) and keeps checking. */
  async pollServer(): Promise<void> {
    this.timers.clearTimeout(this.serverTimer);
    const wasOnline = this.store.getState().server.kind === 'online';
    let online = false;
    let loading = false;
    try {
      const health = await this.api().health();
      online = true;
      loading = Boolean(health.loading);
      this.store.dispatch({ type: 'server', server: { kind: 'online', health } });
      if (!wasOnline) void this.refreshHistory();
    } catch (error) {
      this.store.dispatch({ type: 'server', server: { kind: 'offline', reason: error instanceof Error ? error.message : String(error) } });
    }
    if (this.stopped) return;
    const { online: onlineMs, offline: offlineMs } = this.options.healthIntervalMs;
    // While a model loads, checked as often as when offline, so Refine is enabled soon after it is ready.
    this.serverTimer = this.timers.setTimeout(() => void this.pollServer(), online && !loading ? onlineMs : offlineMs);
  }

  private async pollDocument(): Promise<void> {
    this.timers.clearTimeout(this.documentTimer);
    await this.refreshDocument();
    if (this.stopped) return;
    this.documentTimer = this.timers.setTimeout(() => void this.pollDocument(), this.options.documentIntervalMs);
  }

  async refreshDocument(): Promise<void> {
    let document = null;
    try {
      document = await this.host.documentInfo();
    } catch (error) {
      // Shown as "no document" plus the reason, rather than a stale document.
      this.store.dispatch({ type: 'error', error: { ...describeError(error), message: 'Could not read the active document.' } });
    }
    const before = this.store.getState().document;
    if (JSON.stringify(before) !== JSON.stringify(document)) this.store.dispatch({ type: 'document', document });
    // Undo, a History jump or a Layers-panel edit changes no document info: the try's layer is read every time.
    if (document) await this.options.afterDocument?.();
  }

  async refreshHistory(): Promise<void> {
    if (this.store.getState().server.kind !== 'online') return;
    const api = this.api();
    let list;
    try {
      list = await api.history({ limit: this.options.historyLimit });
    } catch {
      return; // history is a convenience; the status dot already reports an unreachable server
    }
    const token = this.store.getState().settings.token;
    const thumbnailUrl = (id: string): string | null =>
      // An <img> sends no Authorization header: with a token, thumbnails come as data URLs fetched below.
      token ? this.thumbnails.get(id) ?? null : api.historyThumbnailUrl(id, THUMBNAIL_SIDE);
    const items: HistoryItem[] = list.items.map((entry) => ({
      id: entry.id,
      jobId: entry.jobId,
      seed: entry.seed,
      strength: entry.params.strength,
      width: entry.width,
      height: entry.height,
      prompt: entry.params.prompt,
      createdAt: entry.createdAt,
      thumbnailUrl: thumbnailUrl(entry.id),
    }));
    this.store.dispatch({ type: 'history', items });
    if (token) await this.fetchThumbnails(api, items);
  }

  /** With a token: fetch the thumbnails not seen yet through the client, then show them. */
  private async fetchThumbnails(api: ApiClient, items: readonly HistoryItem[]): Promise<void> {
    const missing = items.filter((item) => !this.thumbnails.has(item.id));
    if (missing.length === 0) return;
    for (const item of missing) {
      try {
        const png = await api.historyThumbnail(item.id, THUMBNAIL_SIDE);
        this.thumbnails.set(item.id, dataUrl(png.bytes, png.contentType));
      } catch {
        return; // the next refresh tries again; the seed stands in for the picture meanwhile
      }
    }
    const current = this.store.getState().history;
    this.store.dispatch({ type: 'history', items: current.map((item) => ({ ...item, thumbnailUrl: this.thumbnails.get(item.id) ?? item.thumbnailUrl })) });
  }
}
