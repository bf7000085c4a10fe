/** The panel's lower half: the current result (Compare, Mask, variations) and the history of results. */
import { isBusy, historyOrigin, type HistoryItem, type PanelState } from '../model/state';
import { formatStrength } from '../model/tries';
import { useController, usePanelState } from './hooks';
import { ActionButton } from './kit';

export function ResultRow() {
  const controller = useController();
  const state = usePanelState();
  const { current, phase } = state;
  if (!current) return null;
  const busy = isBusy(phase);
  const title = `Result #${current.number} · seed ${current.seed} · ${formatStrength(current.strength)}`;
  if (current.gone) {
    // Its step was undone (or the layer deleted): nothing to compare or mask until a redo brings it back.
    return (
      <div className="ir-col" data-testid="result">
        <span className="ir-muted" data-testid="result-gone">
          {title}: its layer is no longer in the document (undone or deleted).
        </span>
      </div>
    );
  }
  const siblings = current.group === null ? [] : state.tries.filter((t) => t.group === current.group && !t.gone).sort((a, b) => a.number - b.number);
  return (
    <div className="ir-col" data-testid="result">
      <div className="ir-row">
        <span>{title}</span>
        <ActionButton
          testId="compare"
          label={current.blendMode === 'difference' ? 'Compare ◐ (difference)' : current.blendMode === 'normal' ? 'Compare ◐ (normal)' : 'Compare ◐'}
          title="Difference (black = identical) ↔ normal"
          selected={current.blendMode === 'difference'}
          disabled={busy || !current.layer}
          onPress={() => void controller.toggleCompare()}
        />
        <ActionButton
          testId="mask"
          label={current.masked ? `Masked · ${current.featherPx} px` : 'Mask'}
          title="Layer mask from the try's selection, feathered"
          disabled={busy || current.masked || !current.channelName}
          onPress={() => void controller.applyMask()}
        />
      </div>
      {siblings.length > 1 && (
        <div className="ir-row" data-testid="variation-row">
          <span className="ir-muted">Variations (shown layer)</span>
          {siblings.map((t, i) => (
            <ActionButton
              key={t.number}
              testId={`variation-${i + 1}`}
              label={`${i + 1}`}
              title={`#${t.number} · seed ${t.seed}`}
              selected={t.number === current.number}
              disabled={busy}
              onPress={() => void controller.results.showVariation(t.number)}
            />
          ))}
        </div>
      )}
    </div>
  );
}

function PlaceConfirmation() {
  const controller = useController();
  const { confirmPlace } = usePanelState();
  if (!confirmPlace) return null;
  return (
    <div className="ir-col" data-testid="confirm-place" role="alertdialog">
      <span className="ir-warning">{confirmPlace.message}</span>
      <div className="ir-row">
        <ActionButton testId="confirm-place-yes" label="Place here" onPress={() => void controller.placeHistory(confirmPlace.historyId, true)} />
        <ActionButton testId="confirm-place-no" label="Cancel" quiet onPress={() => controller.dismissConfirm()} />
      </div>
    </div>
  );
}

/** Tooltip and label of a thumbnail: its parameters and, when this session made it, its document and group. */
function describeItem(state: PanelState, item: HistoryItem): { title: string; badge: string | null } {
  const origin = historyOrigin(state, item.id);
  const made = state.tries.find((t) => t.historyId === item.id);
  const here = origin && state.document && origin.documentId === state.document.id;
  const from = origin ? `from “${origin.title}”` : 'from another session';
  const group = made?.group !== null && made?.group !== undefined ? ` · variation of #${made.group}` : '';
  const title = `seed ${item.seed} · strength ${formatStrength(item.strength)} · ${item.width}×${item.height} · ${from}${group}\n${item.prompt}`;
  return { title, badge: here ? null : origin ? origin.title : '?' };
}

export function HistoryStrip() {
  const controller = useController();
  const state = usePanelState();
  const { history, phase } = state;
  const busy = isBusy(phase);
  return (
    <div className="ir-col">
      {history.length > 0 && (
        <>
          <div className="ir-row">
            <span className="ir-muted">History (click = place again)</span>
          </div>
          <div className="ir-thumbs" data-testid="history">
            {history.map((item) => {
              const { title, badge } = describeItem(state, item);
              const made = state.tries.find((t) => t.historyId === item.id);
              const grouped = made?.group !== null && made?.group !== undefined;
              return (
                <span key={item.id} className={grouped ? 'ir-thumb-wrap ir-grouped' : 'ir-thumb-wrap'} data-group={made?.group ?? undefined}>
                  <ActionButton
                    testId={`history-${item.id}`}
                    title={title}
                    quiet
                    disabled={busy}
                    onPress={() => void controller.placeHistory(item.id)}
                    label={item.thumbnailUrl ? <img className="ir-thumb" src={item.thumbnailUrl} alt={title} /> : <span className="ir-thumb ir-thumb-empty">{item.seed}</span>}
                  />
                  {badge && (
                    <span className="ir-badge" title={title}>
                      {badge === '?' ? 'other' : 'other doc'}
                    </span>
                  )}
                </span>
              );
            })}
          </div>
        </>
      )}
      <PlaceConfirmation />
      <div className="ir-row">
        <ActionButton
          testId="cleanup-channels"
          label="Clean up InsaneRes channels"
          quiet
          title="Delete the “InsaneRes #N selection” channels of this document (one undo step); the masks stay"
          disabled={busy || !state.document}
          onPress={() => void controller.results.cleanUpChannels()}
        />
      </div>
    </div>
  );
}
