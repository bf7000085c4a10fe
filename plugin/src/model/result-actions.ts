/**
 * What the panel does with the current result after it is placed — Compare, Mask, the feather slider, the
 * variation shown — and how it follows the document: after an undo, a jump in the History panel or an edit
 * in the Layers panel, the try's layer is read again, so the panel never acts on a layer that is gone and
 * never shows a mode or feather the layer no longer has.
 */
import type { Host, HostWriter, LayerInfo } from '../host/host';
import { describeError } from './errors';
import type { Timers } from './follower';
import type { Settings } from './settings';
import type { TryRecord } from './state';
import type { Store } from './store';
import { isTryChannel, maskFromSelection } from './tries';

/** A run of slider changes (a drag, held arrow keys) closer together than this is one undo step. */
export const FEATHER_COMMIT_DELAY_MS = 400;

export interface ResultActionsOptions {
  store: Store;
  host: Host;
  timers: Timers;
  updateSettings: (patch: Partial<Settings>) => void;
  featherCommitDelayMs?: number;
}

export class ResultActions {
  private featherTimer: unknown = null;
  private featherPending = false;
  /** Bumped by every edit: a layer read that started before an edit must not overwrite its result. */
  private editSeq = 0;

  constructor(private readonly options: ResultActionsOptions) {}

  private get store(): Store {
    return this.options.store;
  }

  /** Difference ↔ normal on the current result layer. */
  async toggleCompare(): Promise<void> {
    const current = await this.liveCurrent();
    if (!current?.layer) return;
    const layer = current.layer;
    const mode = current.blendMode === 'difference' ? 'normal' : 'difference';
    const done = await this.edit(current, `InsaneRes #${current.number}: ${mode}`, (w) => w.setBlendMode(layer, mode));
    if (done) this.update({ ...current, blendMode: mode });
  }

  /** Adds the feathered mask from the try's selection (when auto-mask was off). */
  async applyMask(): Promise<void> {
    const current = await this.liveCurrent();
    if (!current?.layer || current.masked || !current.channelName) return;
    const { layer, selection } = current;
    const channel = current.channelName;
    const featherPx = this.store.getState().settings.featherPx;
    const done = await this.edit(current, `InsaneRes #${current.number}: mask`, (w) =>
      // The selection kept in memory rebuilds the channel if "Clean up channels" removed it.
      selection ? maskFromSelection(w, layer, selection, channel, featherPx).then(() => undefined) : w.applyFeatheredMask(layer, channel, featherPx),
    );
    if (done) this.update({ ...current, masked: true, featherPx });
  }

  /**
   * The feather slider. The value is the next try's feather at once; for the current layer's mask, a run of
   * changes is committed once, `featherCommitDelayMs` after the last (a drag is one undo step, not one per px).
   */
  setFeather(featherPx: number, commit: boolean): void {
    this.options.updateSettings({ featherPx });
    if (!commit) return;
    this.featherPending = true;
    this.options.timers.clearTimeout(this.featherTimer);
    this.featherTimer = this.options.timers.setTimeout(() => void this.flushFeather(), this.options.featherCommitDelayMs ?? FEATHER_COMMIT_DELAY_MS);
  }

  /** Commits a pending feather change now (the slider was released, the panel is closing, a test). */
  async flushFeather(): Promise<void> {
    this.options.timers.clearTimeout(this.featherTimer);
    if (!this.featherPending) return;
    this.featherPending = false;
    const featherPx = this.store.getState().settings.featherPx;
    const current = await this.liveCurrent();
    if (!current?.layer || !current.masked || current.featherPx === featherPx) return;
    const layer = current.layer;
    const done = await this.edit(current, `InsaneRes #${current.number}: feather ${featherPx}px`, (w) => w.setMaskFeather(layer, featherPx));
    if (done) this.update({ ...current, featherPx });
  }

  /** Variations: shows `number`'s layer, hides its siblings (one undo step) and makes it the current result. */
  async showVariation(number: number): Promise<void> {
    const state = this.store.getState();
    const current = state.current;
    const target = state.tries.find((t) => t.number === number);
    if (!current || !target?.layer || target.group === null || target.group !== current.group || target.gone) return;
    const siblings = state.tries.filter((t) => t.group === target.group && t.layer && !t.gone);
    const done = await this.edit(target, `InsaneRes #${number}: show`, async (w) => {
      for (const sibling of siblings) if (sibling.layer) await w.setVisible(sibling.layer, sibling.number === number);
    });
    if (done) this.store.dispatch({ type: 'current', number });
  }

  /** Removes every "InsaneRes #N selection" channel of the active document in one undo step. */
  async cleanUpChannels(): Promise<void> {
    const { host } = this.options;
    const doc = await host.documentInfo();
    if (!doc) return;
    const names = (await host.channelNames(doc.id)).filter(isTryChannel);
    if (names.length === 0) {
      this.store.dispatch({ type: 'notice', notice: 'There are no InsaneRes channels in this document.' });
      return;
    }
    try {
      await host.commitTry({ documentId: doc.id, historyName: 'InsaneRes: clean up channels' }, async (w) => {
        for (const name of new Set(names)) await w.deleteChannel(name);
      });
      this.store.dispatch({ type: 'notice', notice: `Removed ${names.length} InsaneRes channel${names.length === 1 ? '' : 's'}; the masks stay.` });
    } catch (error) {
      this.store.dispatch({ type: 'error', error: describeError(error) });
    }
  }

  /** Reads the current try's layer again and updates the panel when it changed (called on every document poll). */
  async follow(): Promise<void> {
    const current = this.store.getState().current;
    if (!current?.layer) return;
    const seq = this.editSeq;
    let info: LayerInfo | null;
    try {
      info = await this.options.host.inspectLayer(current.layer);
    } catch {
      return; // Photoshop busy in a modal dialog: the next poll reads it
    }
    if (seq !== this.editSeq || this.store.getState().current !== current) return;
    const next = withLayerInfo(current, info);
    if (next === current) return;
    this.update(next);
    // An undone feather change: the slider shows the mask's feather again (unless the user is dragging it).
    if (info?.featherPx !== null && info?.featherPx !== undefined && info.featherPx !== current.featherPx && !this.featherPending) {
      this.options.updateSettings({ featherPx: info.featherPx });
    }
  }

  /** The current try after reading its layer: null (with a sentence) when the layer is gone. */
  private async liveCurrent(): Promise<TryRecord | null> {
    await this.follow();
    const current = this.store.getState().current;
    if (current?.gone) {
      this.store.dispatch({ type: 'notice', notice: `The layer of try #${current.number} no longer exists (its step was undone, or it was deleted).` });
      return null;
    }
    return current;
  }

  private update(record: TryRecord): void {
    this.store.dispatch({ type: 'tryUpdated', record });
  }

  /** A small follow-up edit as its own undo step; errors go to the error line, the result stays. */
  private async edit(record: TryRecord, historyName: string, write: (w: HostWriter) => Promise<void>): Promise<boolean> {
    this.editSeq++;
    try {
      await this.options.host.commitTry({ documentId: record.documentId, historyName }, write);
      return true;
    } catch (error) {
      this.store.dispatch({ type: 'error', error: describeError(error) });
      return false;
    } finally {
      this.editSeq++;
    }
  }
}

/** The record updated from what the document says now (the same object when nothing changed). */
export function withLayerInfo(record: TryRecord, info: LayerInfo | null): TryRecord {
  if (!info) return record.gone ? record : { ...record, gone: true };
  const next: TryRecord = {
    ...record,
    gone: false,
    blendMode: info.blendMode,
    visible: info.visible,
    masked: info.masked,
    featherPx: info.featherPx ?? record.featherPx,
  };
  const same = next.gone === record.gone && next.blendMode === record.blendMode && next.visible === record.visible && next.masked === record.masked && next.featherPx === record.featherPx;
  return same ? record : next;
}
