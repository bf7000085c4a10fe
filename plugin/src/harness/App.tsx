/**
 * The harness page: a small image editor (toolbar, document tabs, canvas, Layers and History) with the
 * real InsaneRes panel beside it, exactly as it runs in Photoshop but with `kit="html"` widgets.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Editor } from '../host/browser/editor';
import { currentState } from '../host/browser/document';
import { SAMPLE_SIZE, samplePicture } from '../host/browser/sample-image';
import { rectPlane } from '../host/browser/selection';
import type { PanelController } from '../model/controller';
import { Panel } from '../ui/Panel';
import { CanvasView, type Tool } from './CanvasView';
import { decodeImageFile, downloadBlob, encodePng, exportName } from './image-files';
import { HistoryPanel, LayersPanel } from './LayersPanel';

/**
 * Where Ctrl+Z / Ctrl+A belong to the field (editing text), not to the image. A slider, checkbox or picker with
 * focus is not editing text: there the shortcuts act on the document, as in Photoshop.
 */
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'url', 'email', 'password', 'number', 'tel']);
export const isTextInput = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.tagName === 'TEXTAREA' || (target instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(target.type)) || target.isContentEditable);

function selectAll(editor: Editor, doc: { id: number; width: number; height: number }): void {
  editor.commit(doc.id, 'Select All', (s) => ({ ...s, selection: rectPlane({ left: 0, top: 0, width: doc.width, height: doc.height }) }));
}

export function openSample(editor: Editor): void {
  editor.open('sample-eye.png', SAMPLE_SIZE.width, SAMPLE_SIZE.height, samplePicture());
}

export function HarnessApp(props: { editor: Editor; controller: PanelController }) {
  const { editor, controller } = props;
  const snapshot = useSyncExternalStore(editor.subscribe, editor.getSnapshot);
  const doc = snapshot.documents.find((d) => d.id === snapshot.activeId) ?? null;
  const [tool, setTool] = useState<Tool>('rectangle');
  const [message, setMessage] = useState<string | null>(null);
  const stage = useRef<HTMLElement | null>(null);
  const fileInput = useRef<HTMLInputElement | null>(null);

  const openFile = useCallback(
    async (file: File) => {
      try {
        const image = await decodeImageFile(file);
        editor.open(file.name, image.width, image.height, image.pixels);
        setMessage(null);
      } catch (error) {
        setMessage(`Could not open ${file.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    [editor],
  );

  // The panel polls the document every second; after an edit here it should not wait for that.
  useEffect(() => editor.subscribe(() => void controller.refreshDocument()), [editor, controller]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!doc || isTextInput(event.target) || !(event.ctrlKey || event.metaKey)) return;
      const key = event.key.toLowerCase();
      const state = currentState(doc);
      if (key === 'z' && !event.shiftKey) editor.undo(doc.id);
      else if ((key === 'z' && event.shiftKey) || key === 'y') editor.redo(doc.id);
      else if (key === 'd' && state.selection) editor.commit(doc.id, 'Deselect', (s) => ({ ...s, selection: null }));
      else if (key === 'a') selectAll(editor, doc);
      else return;
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [doc, editor]);

  const exportPng = async () => {
    if (!doc) return;
    downloadBlob(await encodePng(doc.width, doc.height, editor.flattenedPixels(doc)), exportName(doc.title));
  };

  return (
    <div className="hr-app">
      <header className="hr-toolbar">
        <strong className="hr-title">InsaneRes harness</strong>
        <button type="button" data-testid="open" onClick={() => fileInput.current?.click()}>
          Open…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="image/*"
          hidden
          data-testid="file-input"
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void openFile(file);
          }}
        />
        <button type="button" data-testid="open-sample" onClick={() => openSample(editor)}>
          Sample image
        </button>
        <span className="hr-sep" />
        {(['rectangle', 'lasso'] as const).map((t) => (
          <button key={t} type="button" data-testid={`tool-${t}`} aria-pressed={tool === t} className={tool === t ? 'hr-on' : undefined} onClick={() => setTool(t)}>
            {t === 'rectangle' ? '▭ Rectangle' : '◌ Lasso'}
          </button>
        ))}
        <button type="button" data-testid="select-all" title="Ctrl/Cmd+A" disabled={!doc} onClick={() => doc && selectAll(editor, doc)}>
          Select All
        </button>
        <button type="button" data-testid="deselect" title="Ctrl/Cmd+D" disabled={!doc || !currentState(doc).selection} onClick={() => doc && editor.commit(doc.id, 'Deselect', (s) => ({ ...s, selection: null }))}>
          Deselect
        </button>
        <span className="hr-sep" />
        <button type="button" data-testid="undo" title="Ctrl/Cmd+Z" disabled={!doc || doc.position === 0} onClick={() => doc && editor.undo(doc.id)}>
          Undo
        </button>
        <button type="button" data-testid="redo" title="Ctrl/Cmd+Shift+Z" disabled={!doc || doc.position === doc.history.length - 1} onClick={() => doc && editor.redo(doc.id)}>
          Redo
        </button>
        <button type="button" data-testid="export" disabled={!doc} onClick={() => void exportPng()}>
          Export PNG
        </button>
        {message && (
          <span className="hr-message" role="alert">
            {message}
          </span>
        )}
      </header>
      <div className="hr-main">
        <div className="hr-work">
          <nav className="hr-tabs">
            {snapshot.documents.map((d) => (
              <span key={d.id} className={d.id === snapshot.activeId ? 'hr-tab hr-active' : 'hr-tab'}>
                <button type="button" onClick={() => editor.activate(d.id)}>
                  {d.title} ({d.width}×{d.height})
                </button>
                <button type="button" className="hr-icon" aria-label={`Close ${d.title}`} onClick={() => editor.close(d.id)}>
                  ×
                </button>
              </span>
            ))}
          </nav>
          <main
            ref={stage}
            className="hr-stage"
            data-testid="stage"
            onDragOver={(event) => event.preventDefault()}
            onDrop={(event) => {
              event.preventDefault();
              const file = event.dataTransfer.files[0];
              if (file) void openFile(file);
            }}
          >
            {doc ? (
              <CanvasView editor={editor} doc={doc} tool={tool} stage={stage} />
            ) : (
              <div className="hr-empty">
                <p>Drop an image here, or</p>
                <p>
                  <button type="button" onClick={() => fileInput.current?.click()}>
                    Open an image…
                  </button>{' '}
                  <button type="button" onClick={() => openSample(editor)}>
                    Use the sample image
                  </button>
                </p>
                <p className="hr-muted">Then select an area with the rectangle or the lasso and press Refine.</p>
              </div>
            )}
          </main>
        </div>
        <aside className="hr-panel" data-testid="panel">
          <Panel controller={controller} kit="html" />
        </aside>
        <aside className="hr-side">
          {doc && <LayersPanel editor={editor} doc={doc} />}
          {doc && <HistoryPanel editor={editor} doc={doc} />}
        </aside>
      </div>
    </div>
  );
}
