/**
 * The panel's model picker and download flow (issue 11): the installed models with a one-click switch,
 * and, while no real model is installed, a download of the default alias with its licence, progress and
 * cancel. A small store of its own beside the panel's, so the round trip's state machine stays as it is.
 */
import type { ApiClient } from '../api/client';
import type { CatalogAlias, ModelSummary, PullState } from '../../../shared/src';

export interface ModelsState {
  models: ModelSummary[];
  current: string | null;
  /** Null when the server offers no downloads (an older server) or the catalogue has not loaded. */
  catalog: CatalogAlias[] | null;
  modelsDir: string | null;
  /** The download under way or the last one. */
  pull: PullState | null;
  /** The alias whose licence is shown, waiting for "I accept". */
  licenceFor: CatalogAlias | null;
  /** The model being switched to. */
  switching: string | null;
  error: string | null;
}

export interface ModelsOptions {
  /** How often a running download is polled (UXP has no EventSource). */
  pollIntervalMs?: number;
  /** Called once a switch or a download changed the loaded model, so the panel refreshes its status. */
  onModelChanged?: () => void;
}

const INITIAL: ModelsState = { models: [], current: null, catalog: null, modelsDir: null, pull: null, licenceFor: null, switching: null, error: null };

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The alias to offer: the catalogue's default, when no real (non-demo) model is installed and it is not either. */
export function offeredDownload(state: ModelsState): CatalogAlias | null {
  if (!state.catalog || state.models.some((m) => !m.demo)) return null;
  const alias = state.catalog.find((a) => a.default) ?? null;
  return alias && !alias.installed ? alias : null;
}

export class ModelsController {
  private state: ModelsState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private polling = false;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly api: () => ApiClient,
    private readonly options: ModelsOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  getState = (): ModelsState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<ModelsState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((l) => l());
  }

  /** Reloads the installed models and the catalogue; picks up a download started elsewhere. */
  async refresh(): Promise<void> {
    try {
      const models = await this.api().models();
      this.set({ models: models.models, current: models.current });
    } catch {
      // The status bar already says when the server is unreachable; a picker with nothing is enough here.
      return;
    }
    try {
      const catalog = await this.api().modelCatalog();
      this.set({ catalog: catalog.aliases, modelsDir: catalog.modelsDir, pull: catalog.pull ?? this.state.pull });
      if (catalog.pull?.state === 'running') void this.follow(catalog.pull.id);
    } catch {
      // A server without downloads: the picker still works.
      this.set({ catalog: null });
    }
  }

  async select(name: string): Promise<void> {
    if (name === this.state.current || this.state.switching) return;
    this.set({ switching: name, error: null });
    try {
      const answer = await this.api().selectModel(name);
      this.set({ current: answer.current, models: this.state.models.map((m) => ({ ...m, active: m.name === answer.current })) });
      this.options.onModelChanged?.();
    } catch (err) {
      this.set({ error: `Could not switch to ${name}: ${message(err)}` });
    } finally {
      this.set({ switching: null });
    }
  }

  /** The Download button: a permissive licence starts at once; any other is shown first. */
  requestDownload(alias: CatalogAlias): void {
    if (alias.permissive) void this.startDownload(alias, false);
    else this.set({ licenceFor: alias, error: null });
  }

  acceptLicence(): void {
    const alias = this.state.licenceFor;
    if (!alias) return;
    this.set({ licenceFor: null });
    void this.startDownload(alias, true);
  }

  declineLicence(): void {
    this.set({ licenceFor: null });
  }

  async cancelDownload(): Promise<void> {
    const pull = this.state.pull;
    if (!pull || pull.state !== 'running') return;
    try {
      this.set({ pull: await this.api().cancelPull(pull.id) });
    } catch (err) {
      this.set({ error: message(err) });
    }
  }

  dismissError(): void {
    this.set({ error: null });
  }

  private async startDownload(alias: CatalogAlias, acceptLicense: boolean): Promise<void> {
    try {
      const pull = await this.api().startPull({ alias: alias.alias, ...(acceptLicense ? { acceptLicense: true } : {}) });
      this.set({ pull, error: null });
      await this.follow(pull.id);
    } catch (err) {
      this.set({ error: `The download did not start: ${message(err)}` });
    }
  }

  /** Polls a running download until it ends; a finished one is switched to at once. */
  private async follow(id: string): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
        const pull = await this.api().pullStatus(id);
        this.set({ pull });
        if (pull.state === 'running') continue;
        if (pull.state === 'failed') this.set({ error: `The download failed: ${pull.error?.message ?? 'unknown reason'}` });
        if (pull.state === 'done') {
          await this.refresh();
          if (pull.model) await this.select(pull.model);
        }
        return;
      }
    } catch (err) {
      this.set({ error: `Lost track of the download: ${message(err)}` });
    } finally {
      this.polling = false;
    }
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return bytes < 1e8 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/** "1.2 GB of 4.3 GB · 35 MB/s · 1 min 30 s left · file 3/12", or what happens before bytes flow. */
export function downloadText(pull: PullState): string {
  if (pull.phase === 'resolving') return 'Asking the Hub for the pinned version…';
  if (pull.phase === 'listing') return 'Listing the files…';
  const parts = [`${formatBytes(pull.bytesDone)} of ${formatBytes(pull.bytesTotal)}`];
  if (pull.bytesPerSecond > 0) parts.push(`${formatBytes(pull.bytesPerSecond)}/s`);
  if (pull.etaSeconds !== null) {
    const s = pull.etaSeconds;
    parts.push(s < 60 ? `${s} s left` : `${Math.floor(s / 60)} min ${s % 60} s left`);
  }
  if (pull.fileCount > 0) parts.push(`file ${pull.fileIndex}/${pull.fileCount}`);
  return parts.join(' · ');
}
