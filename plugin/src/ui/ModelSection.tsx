/**
 * The model picker and, while only the demo model is there, "Download Stable Diffusion 1.5 (≈ N GB)"
 * with its licence, progress and cancel: a real model without Python or a terminal.
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { PanelController } from '../model/controller';
import { downloadText, formatBytes, ModelsController, offeredDownload, type ModelsState } from '../model/models';
import { useController, usePanelState } from './hooks';
import { ActionButton, Button, Picker, ProgressBar } from './kit';

const attached = new WeakMap<PanelController, ModelsController>();

/** The picker's controller for this panel (tests attach one with a short poll interval first). */
export function modelsFor(controller: PanelController, create?: () => ModelsController): ModelsController {
  let models = attached.get(controller);
  if (!models) {
    models = create ? create() : new ModelsController(() => controller.apiClient, { onModelChanged: () => controller.retryServer() });
    attached.set(controller, models);
  }
  return models;
}

function useModels(): [ModelsController, ModelsState] {
  const models = modelsFor(useController());
  return [models, useSyncExternalStore(models.subscribe, models.getState, models.getState)];
}

export function ModelSection() {
  const [models, state] = useModels();
  const { server } = usePanelState();
  const online = server.kind === 'online';
  const serverModel = online ? server.health.model : null;
  // Reload when the server comes online or its model changes (a switch from elsewhere included).
  useEffect(() => {
    if (online) void models.refresh();
  }, [online, serverModel, models]);
  if (!online) return null;
  const offered = offeredDownload(state);
  const pull = state.pull;
  const downloading = pull?.state === 'running';
  return (
    <div className="ir-col" data-testid="models">
      {state.models.length > 1 && (
        <Picker
          testId="model-picker"
          label="Model"
          value={state.switching ?? state.current ?? ''}
          disabled={state.switching !== null}
          options={state.models.map((m) => ({ value: m.name, label: m.demo ? `${m.name} (demo)` : m.name }))}
          onChange={(name) => void models.select(name)}
        />
      )}
      {state.switching && <span className="ir-muted" data-testid="model-switching">Loading {state.switching}…</span>}
      {offered && !downloading && !state.licenceFor && (
        <div className="ir-col">
          <Button testId="download-model" variant="cta" label={`Download ${offered.title} (≈ ${formatBytes(offered.bytes)})`} onPress={() => models.requestDownload(offered)} />
          <span className="ir-muted">The server downloads it from Hugging Face and checks every file. No Python, no terminal.</span>
        </div>
      )}
      {state.licenceFor && (
        <div className="ir-col" data-testid="licence">
          <span>
            {state.licenceFor.title} is published under the <b>{state.licenceFor.license}</b> licence, which restricts how it may be used. Read it before
            downloading: <span className="ir-hint">{state.licenceFor.licenseUrl}</span>
          </span>
          <div className="ir-row">
            <Button testId="licence-accept" variant="cta" label="I accept the licence: download" onPress={() => models.acceptLicence()} />
            <ActionButton testId="licence-decline" quiet label="Not now" onPress={() => models.declineLicence()} />
          </div>
        </div>
      )}
      {pull && downloading && (
        <div className="ir-row" data-testid="download">
          <div className="ir-col ir-grow">
            <span>Downloading {state.catalog?.find((a) => a.alias === pull.spec)?.title ?? pull.spec}</span>
            <ProgressBar testId="download-progress" label="Download" value={pull.bytesTotal > 0 ? Math.round((pull.bytesDone / pull.bytesTotal) * 100) : 0} max={100} />
            <span data-testid="download-text">{downloadText(pull)}</span>
          </div>
          <Button testId="download-cancel" variant="warning" label="Cancel" onPress={() => void models.cancelDownload()} />
        </div>
      )}
      {pull?.state === 'cancelled' && offered && <span className="ir-muted" data-testid="download-cancelled">Download cancelled. Downloading again resumes where it stopped.</span>}
      {state.error && (
        <div className="ir-row" role="alert">
          <span className="ir-error" data-testid="models-error">{state.error}</span>
          <ActionButton quiet label="Dismiss" onPress={() => models.dismissError()} />
        </div>
      )}
    </div>
  );
}
