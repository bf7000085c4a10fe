/** The InsaneRes panel (PANEL.md): parameters above, the run, its progress, the result and history below. */
import { useEffect, useState } from 'react';
import type { PanelController } from '../model/controller';
import { isBusy, runBlocker } from '../model/state';
import { progressFraction, progressText } from './format';
import { ControllerContext, useController, usePanelState } from './hooks';
import { ActionButton, Button, KitProvider, ProgressBar, type WidgetKit } from './kit';
import { ModelSection } from './ModelSection';
import { ModeSwitch, ParamsSection, PromptSection, ServerSettings, StatusBar } from './sections';
import { HistoryStrip, ResultRow } from './results';

export function Panel(props: { controller: PanelController; kit?: WidgetKit }) {
  return (
    <KitProvider value={props.kit ?? 'spectrum'}>
      <ControllerContext.Provider value={props.controller}>
        <PanelBody />
      </ControllerContext.Provider>
    </KitProvider>
  );
}

function PanelBody() {
  const controller = useController();
  const { phase } = usePanelState();
  const busy = isBusy(phase);
  useEffect(() => {
    // Esc cancels a running job (PANEL.md); elsewhere Esc keeps its usual meaning.
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && busy) controller.cancel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [busy, controller]);
  return (
    <div className="ir-panel">
      <StatusBar />
      <ModelSection />
      <ModeSwitch />
      <PromptSection />
      <ParamsSection />
      <RunSection />
      <ErrorLine />
      <NoticeLine />
      <ResultRow />
      <HistoryStrip />
      <ServerSettings />
    </div>
  );
}

function RunSection() {
  const controller = useController();
  const state = usePanelState();
  const { phase, progress, settings } = state;
  const busy = isBusy(phase);
  const blocker = runBlocker(state);
  const refine = settings.mode !== 'upscale';
  const verb = settings.mode === 'inpaint' ? 'Inpaint' : 'Refine';
  const label = refine ? (settings.variations > 1 ? `${verb} ×${settings.variations}` : verb) : 'Upscale';
  const text = progressText(phase, progress);
  return (
    <div className="ir-col">
      <div className="ir-row ir-run">
        {/* Refine never turns into Cancel: a double-click must not start and stop a try (issue 10 §4). */}
        <Button
          testId="run"
          label={busy ? (phase === 'placing' ? 'Placing…' : 'Working…') : label}
          variant="cta"
          disabled={busy || blocker !== null}
          title={blocker ?? 'Enter in the prompt runs too'}
          onPress={() => void controller.run()}
        />
        {!busy && blocker && state.server.kind !== 'offline' && <span className="ir-muted" data-testid="run-blocker">{blocker}</span>}
        <span className="ir-grow" />
        {busy && <Button testId="cancel" label="Cancel" variant="warning" title="Esc" disabled={phase === 'placing'} onPress={() => controller.cancel()} />}
      </div>
      {busy && (
        <div className="ir-row">
          <div className="ir-col ir-grow">
            <ProgressBar testId="progress" label="Progress" value={Math.round(progressFraction(progress) * 100)} max={100} />
            <span data-testid="progress-text">{text}</span>
          </div>
          {progress?.previewUrl && <img className="ir-preview" data-testid="preview" src={progress.previewUrl} alt="live preview" />}
        </div>
      )}
      {phase === 'cancelled' && <span className="ir-muted" data-testid="cancelled">Cancelled.</span>}
    </div>
  );
}

/** How the last try ended when that is worth a sentence but is not an error. */
function NoticeLine() {
  const { notice } = usePanelState();
  if (!notice) return null;
  return (
    <span className="ir-muted" data-testid="notice" role="status">
      {notice}
    </span>
  );
}

function ErrorLine() {
  const controller = useController();
  const { error } = usePanelState();
  const [open, setOpen] = useState(false);
  if (!error) return null;
  const actions = {
    useWholeCanvas: { label: 'Use the whole canvas', run: () => void controller.run({ wholeCanvas: true }) },
    retryPlace: { label: 'Place again', run: () => void controller.retryPlace() },
    retryServer: { label: 'Retry', run: () => controller.retryServer() },
  } as const;
  const action = error.action ? actions[error.action] : null;
  return (
    <div className="ir-col" data-testid="error" role="alert">
      <span className="ir-error">{error.message}</span>
      {error.hint && <span className="ir-muted">{error.hint}</span>}
      <div className="ir-row">
        {action && <ActionButton label={action.label} testId="error-action" onPress={action.run} />}
        {error.details && <ActionButton label={open ? 'Hide details' : 'Details'} quiet testId="error-details-toggle" onPress={() => setOpen(!open)} />}
        <ActionButton label="Dismiss" quiet testId="error-dismiss" onPress={() => controller.dismissError()} />
      </div>
      {open && error.details && (
        <span className="ir-details" data-testid="error-details">
          {error.details}
        </span>
      )}
    </div>
  );
}

