/** The document's Layers and History panels, small versions of Photoshop's. Every edit here is an undo step. */
import type { BlendMode } from '../host/host';
import * as ops from '../host/browser/document';
import type { Editor } from '../host/browser/editor';

const BLEND_MODES: readonly { value: BlendMode; label: string }[] = [
  { value: 'normal', label: 'Normal' },
  { value: 'difference', label: 'Difference' },
];

export function LayersPanel(props: { editor: Editor; doc: ops.EditorDocument }) {
  const { editor, doc } = props;
  const state = ops.currentState(doc);
  const edit = (name: string, change: (state: ops.DocState) => ops.DocState) => editor.commit(doc.id, name, change);
  const top = [...state.layers].reverse();
  return (
    <section className="hr-box" data-testid="layers">
      <h2>Layers</h2>
      <ul className="hr-list">
        {top.map((layer) => (
          <li key={layer.id} className={layer.id === state.activeLayerId ? 'hr-layer hr-active' : 'hr-layer'} data-testid={`layer-${layer.id}`}>
            <div className="hr-row">
              <input
                type="checkbox"
                title="Visible"
                aria-label={`Show ${layer.name}`}
                data-testid={`layer-visible-${layer.id}`}
                checked={layer.visible}
                onChange={(event) => edit(event.target.checked ? 'Show Layer' : 'Hide Layer', (s) => ops.setVisible(s, layer.id, event.target.checked))}
              />
              <button type="button" className="hr-layer-name" title={layer.name} onClick={() => layer.id !== state.activeLayerId && edit('Select Layer', (s) => ({ ...s, activeLayerId: layer.id }))}>
                {layer.name}
              </button>
              {state.layers.length > 1 && (
                <button type="button" className="hr-icon" title="Delete layer" aria-label={`Delete ${layer.name}`} onClick={() => edit('Delete Layer', (s) => ops.removeLayer(s, layer.id))}>
                  ×
                </button>
              )}
            </div>
            <div className="hr-row hr-indent">
              <select
                aria-label={`Blend mode of ${layer.name}`}
                data-testid={`layer-blend-${layer.id}`}
                value={layer.blendMode}
                onChange={(event) => edit('Blending Change', (s) => ops.setBlendMode(s, layer.id, event.target.value as BlendMode))}
              >
                {BLEND_MODES.map((mode) => (
                  <option key={mode.value} value={mode.value}>
                    {mode.label}
                  </option>
                ))}
              </select>
              {layer.mask && (
                <span className="hr-chip" title={`Layer mask from the try's selection, feathered ${layer.mask.featherPx} px`}>
                  mask · {layer.mask.featherPx} px
                </span>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function HistoryPanel(props: { editor: Editor; doc: ops.EditorDocument }) {
  const { editor, doc } = props;
  return (
    <section className="hr-box" data-testid="history-steps">
      <h2>History</h2>
      <ol className="hr-list">
        {doc.history.map((entry, index) => (
          <li key={index}>
            <button
              type="button"
              className={index === doc.position ? 'hr-step hr-active' : index > doc.position ? 'hr-step hr-undone' : 'hr-step'}
              onClick={() => editor.goTo(doc.id, index)}
            >
              {entry.name}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
