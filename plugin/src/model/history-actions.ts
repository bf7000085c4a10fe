/**
 * A click on a history thumbnail. The server's history is global (every document, every session), so a
 * result is placed without a question only in the document it was made in. Anywhere else it needs the
 * retoucher's explicit yes, and a result larger than the canvas is refused with the reason.
 */
import type { ApiClient } from '../api/client';
import type { DocumentInfo, Host, RgbaPixels } from '../host/host';
import { HostError } from '../host/host';
import { sameRect } from '../host/pixels';
import type { Placer } from './placer';
import type { HistoryItem, PanelError, PanelState } from './state';
import { historyOrigin, isBusy } from './state';
import type { Store } from './store';
import { anchorFor, channelName, layerName, placementFor } from './tries';

export type HistoryDecision =
  | { kind: 'place' }
  | { kind: 'confirm'; message: string }
  | { kind: 'refuse'; error: PanelError };

/** What a history click does in `doc`: place, ask first, or refuse (pure, so the rules are table-tested). */
export function decideHistoryPlacement(state: PanelState, item: HistoryItem, doc: DocumentInfo, confirmed: boolean): HistoryDecision {
  const origin = historyOrigin(state, item.id);
  const from = origin ? `“${origin.title}”` : 'another document or an earlier session';
  if (item.width > doc.width || item.height > doc.height) {
    return {
      kind: 'refuse',
      error: {
        code: 'DOES_NOT_FIT',
        message: `This result is ${item.width}×${item.height} px, larger than “${doc.title}” (${doc.width}×${doc.height} px), so it cannot be placed here.`,
        hint: origin && origin.documentId !== doc.id ? `It came from ${from}: switch to that document to place it.` : 'Open the document it was made in to place it.',
      },
    };
  }
  if (origin?.documentId === doc.id || confirmed) return { kind: 'place' };
  const over = doc.selectionBounds && doc.selectionBounds.width === item.width && doc.selectionBounds.height === item.height;
  return {
    kind: 'confirm',
    message: `This result (${item.width}×${item.height} px) came from ${from}. Place it in “${doc.title}”, ${over ? 'over the selection' : 'centred'}?`,
  };
}

/** Where the result goes and whether its own selection (mask) still applies there. */
export function historyPlacement(state: PanelState, historyId: string, size: { width: number; height: number }, doc: DocumentInfo) {
  const known = state.tries.find((t) => t.historyId === historyId) ?? null;
  const bounds = placementFor(size, doc, known, doc.id, doc.selectionBounds);
  const selection = known?.selection && known.documentId === doc.id && sameRect(known.bounds, bounds) ? known.selection : null;
  return { known, bounds, selection };
}

export async function activeDocument(host: Host): Promise<DocumentInfo> {
  const doc = await host.documentInfo();
  if (!doc) throw new HostError('NO_DOCUMENT', 'Open a document first.');
  return doc;
}

export interface HistoryDeps {
  store: Store;
  host: Host;
  api: ApiClient;
  placer: Placer;
  takeTryNumber: () => number;
}

/**
 * A history click: refuses, asks (the panel shows the question; the yes calls again with `confirmed`), or
 * places the result as a new layer in one undo step — with its own mask when it goes back where it was made.
 */
export async function placeFromHistory(deps: HistoryDeps, historyId: string, confirmed: boolean): Promise<void> {
  const { store, host, api, placer } = deps;
  const state = store.getState();
  const item = state.history.find((h) => h.id === historyId);
  if (isBusy(state.phase) || !item) return;
  store.dispatch({ type: 'confirmPlace', confirm: null });
  const doc = await activeDocument(host);
  const decision = decideHistoryPlacement(state, item, doc, confirmed);
  if (decision.kind === 'refuse') {
    store.dispatch({ type: 'error', error: decision.error });
    return;
  }
  if (decision.kind === 'confirm') {
    store.dispatch({ type: 'confirmPlace', confirm: { historyId, message: decision.message } });
    return;
  }
  store.dispatch({ type: 'placing' });
  const pixels: RgbaPixels = await api.historyImageRaw(historyId);
  const { known, bounds, selection } = historyPlacement(state, historyId, pixels, doc);
  const settings = store.getState().settings;
  const number = known?.number ?? deps.takeTryNumber();
  const seed = known?.seed ?? item.seed;
  const strength = known?.strength ?? item.strength;
  const name = layerName(number, seed, strength);
  const channel = selection ? channelName(number) : null;
  await placer.place({
    historyName: `InsaneRes #${number}`,
    plans: [{ bounds, above: anchorFor(settings.source, undefined), pixels, name, selection, channelName: channel, autoMask: settings.autoMask, featherPx: settings.featherPx }],
    records: [
      {
        number,
        name,
        seed,
        strength,
        featherPx: settings.featherPx,
        jobId: known?.jobId ?? item.jobId,
        historyId,
        documentId: doc.id,
        documentTitle: doc.title,
        bounds,
        channelName: channel,
        selection,
        group: null,
      },
    ],
  });
}
