/**
 * The panel's state as plain data and one reducer: no React, no Photoshop, no fetch. The job lifecycle is
 * idle → uploading → running (step / tile / ETA / preview) → placing → done | failed | cancelled.
 */
import type { HealthResponse, JobStatus } from '../../../shared/src';
import type { BlendMode, DocumentInfo, LayerRef, Rect, SelectionMask } from '../host/host';
import type { Settings } from './settings';

export type Phase = 'idle' | 'uploading' | 'running' | 'placing' | 'done' | 'failed' | 'cancelled';

export type ServerState =
  | { kind: 'unknown' }
  | { kind: 'online'; health: HealthResponse }
  | { kind: 'offline'; reason: string };

export interface Progress {
  jobId: string | null;
  seed: number | null;
  queuePosition: number | null;
  step: number;
  totalSteps: number;
  tile: number;
  totalTiles: number;
  etaSeconds: number | null;
  /** data: URL of the latest live preview. */
  previewUrl: string | null;
  /** Which of a click's variations runs now; null for a single try. */
  variation: { index: number; count: number } | null;
}

/** One placed try: enough to compare, mask, re-feather and place it again. */
export interface TryRecord {
  number: number;
  name: string;
  seed: number;
  strength: number;
  jobId: string;
  historyId: string | null;
  documentId: number;
  /** The document's title when the try was made: the history says where a try came from. */
  documentTitle: string;
  /** The crop the layer covers (the selection and its context ring). */
  bounds: Rect;
  /** The channel holding the try's selection, or null for a whole-canvas try. */
  channelName: string | null;
  /** Kept in memory for this session so a try can be placed again with its own mask. */
  selection: SelectionMask | null;
  layer: LayerRef | null;
  /** The layer no longer exists (its step undone, or deleted): its controls are hidden until it is back. */
  gone: boolean;
  visible: boolean;
  /** Variations of one click share a group: the number of the first of them; null for a single try. */
  group: number | null;
  blendMode: BlendMode | 'other';
  masked: boolean;
  featherPx: number;
}

export interface HistoryItem {
  id: string;
  jobId: string;
  seed: number;
  strength: number;
  width: number;
  height: number;
  prompt: string;
  createdAt: string;
  thumbnailUrl: string | null;
}

/** A history result from another document (or an earlier session), waiting for the retoucher's yes. */
export interface PlaceConfirmation {
  historyId: string;
  message: string;
}

/** What the user can do about an error, shown as a button next to it. */
export type ErrorAction = 'useWholeCanvas' | 'retryPlace' | 'retryServer';

export interface PanelError {
  code: string;
  message: string;
  hint?: string;
  details?: string;
  action?: ErrorAction;
}

export interface PanelState {
  settings: Settings;
  server: ServerState;
  document: DocumentInfo | null;
  phase: Phase;
  progress: Progress | null;
  /** The latest placed try: Compare, Mask and the feather slider act on it. */
  current: TryRecord | null;
  /** This session's tries, newest first. */
  tries: TryRecord[];
  history: HistoryItem[];
  error: PanelError | null;
  /** A sentence about how the last try ended that is not an error (e.g. where an upscale went). */
  notice: string | null;
  /** The seed of the last finished job ("reuse last"). */
  lastSeed: number | null;
  /** Placing a history result elsewhere than where it was made needs an explicit yes. */
  confirmPlace: PlaceConfirmation | null;
}

export type Action =
  | { type: 'settings'; settings: Settings }
  | { type: 'server'; server: ServerState }
  | { type: 'document'; document: DocumentInfo | null }
  | { type: 'jobStarted' }
  | { type: 'jobQueued'; jobId: string; seed: number; variation?: { index: number; count: number } | null }
  | { type: 'jobStatus'; status: JobStatus }
  | { type: 'jobPreview'; previewUrl: string }
  | { type: 'placing' }
  | { type: 'placed'; records: TryRecord[] }
  | { type: 'finished'; seed?: number; notice?: string }
  | { type: 'failed'; error: PanelError }
  | { type: 'cancelled' }
  | { type: 'tryUpdated'; record: TryRecord }
  | { type: 'current'; number: number }
  | { type: 'history'; items: HistoryItem[] }
  | { type: 'error'; error: PanelError | null }
  | { type: 'notice'; notice: string | null }
  | { type: 'confirmPlace'; confirm: PlaceConfirmation | null };

export function initialState(settings: Settings): PanelState {
  return {
    settings,
    server: { kind: 'unknown' },
    document: null,
    phase: 'idle',
    progress: null,
    current: null,
    tries: [],
    history: [],
    error: null,
    notice: null,
    lastSeed: null,
    confirmPlace: null,
  };
}

const emptyProgress = (): Progress => ({
  jobId: null,
  seed: null,
  queuePosition: null,
  step: 0,
  totalSteps: 0,
  tile: 0,
  totalTiles: 0,
  etaSeconds: null,
  previewUrl: null,
  variation: null,
});

export function isBusy(phase: Phase): boolean {
  return phase === 'uploading' || phase === 'running' || phase === 'placing';
}

export function reducer(state: PanelState, action: Action): PanelState {
  switch (action.type) {
    case 'settings':
      return { ...state, settings: action.settings };
    case 'server': {
      // A "server not running" line goes away by itself once the server answers.
      const stale = action.server.kind === 'online' && state.error?.code === 'SERVER_OFFLINE';
      return { ...state, server: action.server, error: stale ? null : state.error };
    }
    case 'document':
      return { ...state, document: action.document };
    case 'jobStarted':
      return { ...state, phase: 'uploading', progress: emptyProgress(), error: null, notice: null };
    case 'jobQueued':
      return {
        ...state,
        phase: 'running',
        progress: { ...(state.progress ?? emptyProgress()), jobId: action.jobId, seed: action.seed, variation: action.variation ?? null, step: 0, etaSeconds: null },
      };
    case 'jobStatus': {
      const { status } = action;
      const progress = state.progress ?? emptyProgress();
      return {
        ...state,
        progress: {
          ...progress,
          jobId: status.id,
          seed: status.seed,
          queuePosition: status.queuePosition,
          step: status.step,
          totalSteps: status.totalSteps,
          tile: status.tile,
          totalTiles: status.totalTiles,
          etaSeconds: status.etaSeconds,
        },
      };
    }
    case 'jobPreview':
      return state.progress ? { ...state, progress: { ...state.progress, previewUrl: action.previewUrl } } : state;
    case 'placing':
      return { ...state, phase: 'placing' };
    case 'placed':
      // Several records at once for variations: the first is the one shown, and the current result.
      return {
        ...state,
        current: action.records[0] ?? state.current,
        tries: [...action.records, ...state.tries],
        lastSeed: action.records[0]?.seed ?? state.lastSeed,
      };
    case 'finished':
      return { ...state, phase: 'done', lastSeed: action.seed ?? state.lastSeed, notice: action.notice ?? null };
    case 'failed':
      return { ...state, phase: 'failed', error: action.error };
    case 'cancelled':
      return { ...state, phase: 'cancelled', progress: null };
    case 'tryUpdated':
      return {
        ...state,
        current: state.current && sameTry(state.current, action.record) ? action.record : state.current,
        tries: state.tries.map((t) => (sameTry(t, action.record) ? action.record : t)),
      };
    case 'current':
      return { ...state, current: state.tries.find((t) => t.number === action.number) ?? state.current };
    case 'history':
      return { ...state, history: action.items };
    case 'error':
      return { ...state, error: action.error };
    case 'notice':
      return { ...state, notice: action.notice };
    case 'confirmPlace':
      return { ...state, confirmPlace: action.confirm };
  }
}

/** The document a history result was made in, when this session made it. */
export function historyOrigin(state: PanelState, historyId: string): { documentId: number; title: string } | null {
  const made = state.tries.find((t) => t.historyId === historyId);
  return made ? { documentId: made.documentId, title: made.documentTitle } : null;
}

function sameTry(a: TryRecord, b: TryRecord): boolean {
  return a.number === b.number && a.layer?.layerId === b.layer?.layerId;
}

/** Why the main button is disabled, or null when it can run. */
export function runBlocker(state: PanelState): string | null {
  if (state.server.kind === 'offline') return 'The server is offline.';
  if (state.server.kind === 'unknown') return 'Connecting to the server…';
  if (state.server.health.loading) return `Loading model ${state.server.health.loading}… Refine is ready when it is.`;
  if (!state.document) return 'Open a document first.';
  return null;
}
