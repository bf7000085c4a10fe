/** The panel's upper half: server status, mode, prompt with presets, and the job parameters. */
import { useState } from 'react';
import { PARAM_BOUNDS } from '../../../shared/src';
import { SAMPLERS, SCHEDULE_LABELS, SCHEDULE_TYPES } from '../../../shared/src/samplers';
import { contextRingPx, featherWarning } from '../model/crop';
import { RECIPE_SHORT_SIDE, upscaleSizing } from '../model/upscale-plan';
import { fastToggle } from '../model/fast';
import { allPresets, type SeedMode } from '../model/settings';
import { START_SERVER_HINT } from '../model/errors';
import { InpaintParams } from './inpaint-params';
import { useController, usePanelState } from './hooks';
import { ActionButton, Checkbox, Picker, Slider, TextField } from './kit';

export function StatusBar() {
  const controller = useController();
  const { server } = usePanelState();
  if (server.kind === 'offline') {
    return (
      <div className="ir-col" data-testid="status">
        <div className="ir-status">
          <span className="ir-dot ir-dot-offline" />
          <span>Server offline</span>
          <ActionButton label="Retry" quiet testId="retry-server" onPress={() => controller.retryServer()} />
        </div>
        <span className="ir-muted">
          Start it with <span className="ir-hint">{START_SERVER_HINT.replace('Start it with: ', '')}</span> — the panel reconnects by itself.
        </span>
      </div>
    );
  }
  if (server.kind === 'unknown') {
    return (
      <div className="ir-status" data-testid="status">
        <span className="ir-dot ir-dot-unknown" />
        <span>Connecting…</span>
      </div>
    );
  }
  const { health } = server;
  return (
    <div className="ir-col" data-testid="status">
      <div className="ir-status">
        <span className={`ir-dot ${health.demo ? 'ir-dot-demo' : 'ir-dot-online'}`} />
        <span>
          {health.loading ? `Loading model ${health.loading}…` : `Connected · ${health.model ?? 'no model'}`} · {health.device.toUpperCase()}
          {health.queueLength > 0 ? ` · ${health.queueLength} queued` : ''}
        </span>
      </div>
      {health.demo && <span className="ir-muted">demo model — results are noise; see README to add a real model</span>}
    </div>
  );
}

/** Where the server is (a LAN server also needs its address in manifest.json; see docs/panel.md). */
export function ServerSettings() {
  const controller = useController();
  const { settings } = usePanelState();
  const [open, setOpen] = useState(false);
  return (
    <div className="ir-col">
      <ActionButton label={open ? 'Server ▾' : 'Server ▸'} quiet testId="server-settings" onPress={() => setOpen(!open)} />
      {open && (
        <>
          <TextField
            testId="server-url"
            label="Server address"
            value={settings.serverUrl}
            onChange={(serverUrl) => {
              if (/^https?:\/\/[^/\s]+$/.test(serverUrl.trim())) controller.updateSettings({ serverUrl: serverUrl.trim() });
            }}
          />
          <TextField testId="server-token" label="Token (--token)" placeholder="token, if the server has one" value={settings.token} onChange={(token) => controller.updateSettings({ token })} />
        </>
      )}
    </div>
  );
}

export function ModeSwitch() {
  const controller = useController();
  const { settings } = usePanelState();
  return (
    <div className="ir-row">
      <ActionButton label="Refine selection" testId="mode-refine" selected={settings.mode === 'refine'} onPress={() => controller.updateSettings({ mode: 'refine' })} />
      <ActionButton label="Inpaint selection" testId="mode-inpaint" selected={settings.mode === 'inpaint'} onPress={() => controller.updateSettings({ mode: 'inpaint' })} />
      <ActionButton label="Upscale" testId="mode-upscale" selected={settings.mode === 'upscale'} onPress={() => controller.updateSettings({ mode: 'upscale' })} />
    </div>
  );
}

export function PromptSection() {
  const controller = useController();
  const { settings } = usePanelState();
  const onKeyDown = (event: KeyboardEvent) => {
    // Enter runs, Shift+Enter is a new line (PANEL.md).
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void controller.run();
    }
  };
  return (
    <div className="ir-col">
      <span className="ir-label">Prompt</span>
      <TextField testId="prompt" label="Prompt" multiline value={settings.prompt} onChange={(prompt) => controller.updateSettings({ prompt })} onKeyDown={onKeyDown} />
      <div className="ir-row">
        <span className="ir-muted">Presets</span>
        {allPresets(settings).map((preset) => (
          <span key={preset.id} className="ir-row">
            <ActionButton label={preset.label} quiet testId={`preset-${preset.id}`} title={preset.text} onPress={() => controller.applyPreset(preset.id)} />
            {!preset.builtIn && <ActionButton label="×" quiet title="Remove this preset" testId={`preset-remove-${preset.id}`} onPress={() => controller.removePreset(preset.id)} />}
          </span>
        ))}
        <ActionButton label="+ save" quiet testId="preset-save" title="Save the prompt as a preset" onPress={() => controller.savePreset()} />
      </div>
      <span className="ir-label">Negative</span>
      <TextField testId="negative" label="Negative prompt" multiline value={settings.negativePrompt} onChange={(negativePrompt) => controller.updateSettings({ negativePrompt })} />
    </div>
  );
}

const SEED_MODES: { mode: SeedMode; label: string; title: string }[] = [
  { mode: 'random', label: 'random', title: 'A new seed every try' },
  { mode: 'fixed', label: 'fixed', title: 'Always the seed in the field' },
  { mode: 'reuse', label: 'reuse last', title: 'The seed of the last result' },
];

/** Fast: LCM at 4 steps with the tiny decoder; disabled, with the server's reason, on models without it. */
function FastToggleRow() {
  const controller = useController();
  const { settings, server } = usePanelState();
  const fast = fastToggle(settings, server.kind === 'online' ? server.health : null);
  return (
    <Checkbox
      testId="fast"
      label="Fast (LCM, 4 steps, tiny VAE)"
      checked={fast.checked}
      disabled={!fast.available}
      title={fast.reason ?? 'A quick draft: LCM at 4 steps, with the tiny VAE; steps and sampler are set by fast mode'}
      onChange={(checked) => controller.updateSettings({ fast: checked })}
    />
  );
}

export function ParamsSection() {
  const controller = useController();
  const { settings, lastSeed, server } = usePanelState();
  const set = controller.updateSettings.bind(controller);
  const fast = fastToggle(settings, server.kind === 'online' ? server.health : null);
  const upscale = settings.mode === 'upscale';
  return (
    <div className="ir-col">
      {upscale ? (
        <UpscaleParams />
      ) : settings.mode === 'inpaint' ? (
        <InpaintParams />
      ) : (
        <Slider testId="strength" label="Strength" min={0.05} max={1} step={0.01} value={settings.strength} format={(v) => v.toFixed(2)} onChange={(strength) => set({ strength })} />
      )}
      <Slider testId="cfg" label="CFG" min={1} max={PARAM_BOUNDS.guidanceScale.max} step={0.5} value={settings.guidanceScale} onChange={(guidanceScale) => set({ guidanceScale })} />
      <FastToggleRow />
      <Slider
        testId="steps"
        label="Steps"
        min={PARAM_BOUNDS.steps.min}
        max={PARAM_BOUNDS.steps.max}
        step={1}
        value={settings.steps}
        disabled={fast.checked}
        title={fast.checked ? 'Fast mode runs 4 LCM steps' : undefined}
        onChange={(steps) => set({ steps })}
      />
      <SamplerPicker disabled={fast.checked} />
      <div className="ir-row">
        <span className="ir-label">Seed</span>
        <TextField
          testId="seed"
          label="Seed"
          // After a try the field shows the seed actually used (random or reused); typing one fixes it.
          value={settings.seedMode !== 'fixed' && lastSeed !== null ? String(lastSeed) : String(settings.seed)}
          onChange={(text) => {
            const seed = Number.parseInt(text, 10);
            if (Number.isInteger(seed) && seed >= 0 && seed <= PARAM_BOUNDS.seed.max) set({ seed, seedMode: 'fixed' });
          }}
        />
        {SEED_MODES.map(({ mode, label, title }) => (
          <ActionButton key={mode} label={label} quiet title={title} testId={`seed-${mode}`} selected={settings.seedMode === mode} onPress={() => set({ seedMode: mode })} />
        ))}
      </div>
      {!upscale && (
        <>
          <Picker
            testId="variations"
            label="Variations"
            value={String(settings.variations) as '1' | '2' | '3' | '4'}
            options={[
              { value: '1', label: '1' },
              { value: '2', label: '2 seeds' },
              { value: '3', label: '3 seeds' },
              { value: '4', label: '4 seeds' },
            ]}
            onChange={(count) => set({ variations: Number(count) })}
          />
          <Slider
            testId="feather"
            label="Feather"
            min={0}
            max={100}
            step={1}
            value={settings.featherPx}
            format={(v) => `${v} px`}
            onInput={(featherPx) => void controller.setFeather(featherPx, false)}
            onChange={(featherPx) => void controller.setFeather(featherPx, true)}
          />
          <FeatherWarning />
          <Slider
            testId="context"
            label="Context"
            title="Pixels around the selection the model sees; the layer covers them so the feather blends smoothly"
            min={0}
            max={128}
            step={4}
            value={settings.contextPx}
            format={(v) => `${contextRingPx(v, settings.featherPx)} px`}
            onChange={(contextPx) => set({ contextPx })}
          />
          <Checkbox testId="auto-mask" label="Mask after compare (at once, same undo step)" checked={settings.autoMask} onChange={(autoMask) => set({ autoMask })} />
        </>
      )}
      <Picker
        testId="source"
        label="Read from"
        value={settings.source}
        options={[
          { value: 'merged', label: 'Merged visible' },
          { value: 'activeLayer', label: 'Active layer' },
        ]}
        onChange={(source) => set({ source })}
      />
    </div>
  );
}

const SAMPLER_OPTIONS = SAMPLERS.map((info) => ({ value: info.id, label: info.label }));
const SCHEDULE_OPTIONS = SCHEDULE_TYPES.map((type) => ({ value: type, label: SCHEDULE_LABELS[type] }));

/** A1111's sampler names and schedule types (issue 12 §4); the job carries the ids. */
function SamplerPicker(props: { disabled?: boolean }) {
  const controller = useController();
  const { sampler, scheduler } = usePanelState().settings;
  // DDIM runs diffusers' own timesteps (DESIGN §4): the schedule type does not apply to it.
  const schedules = SAMPLERS.find((info) => info.id === sampler)?.automaticSchedule !== null;
  return (
    <div className="ir-row">
      <Picker
        testId="sampler"
        label="Sampler"
        value={sampler}
        options={SAMPLER_OPTIONS}
        disabled={props.disabled}
        title={props.disabled ? 'Fast mode runs LCM' : undefined}
        onChange={(value) => controller.updateSettings({ sampler: value })}
      />
      <Picker
        testId="scheduler"
        label="Schedule"
        value={scheduler}
        options={SCHEDULE_OPTIONS}
        disabled={!schedules || props.disabled}
        title={props.disabled ? 'Fast mode runs LCM' : schedules ? 'A1111’s Schedule type' : 'DDIM runs its own timesteps'}
        onChange={(value) => controller.updateSettings({ scheduler: value })}
      />
    </div>
  );
}

/** The final size, before running: the scale picked is the scale of the result. */
function UpscaleSize() {
  const { settings, document } = usePanelState();
  if (!document) return null;
  // Nothing selected: upscale takes the whole image.
  const source = document.selectionBounds ?? { width: document.width, height: document.height };
  const { output, larger } = upscaleSizing(source, settings.upscale.scale, settings.upscale.recipe);
  return (
    <span className={larger ? 'ir-warning' : 'ir-muted'} data-testid="upscale-size">
      {source.width}×{source.height} → {output.width}×{output.height} px
      {larger ? ` (the recipe first enlarges the short side to ${RECIPE_SHORT_SIDE} px)` : ''}
      {document.selectionBounds ? '' : ' · whole image'}
    </span>
  );
}

/** Said before the try: a feather this wide for the selection would hide most of the result. */
function FeatherWarning() {
  const { settings, document } = usePanelState();
  const warning = featherWarning(document?.selectionBounds ?? null, settings.featherPx);
  if (!warning) return null;
  return (
    <span className="ir-warning" data-testid="feather-warning" role="status">
      {warning}
    </span>
  );
}

function UpscaleParams() {
  const controller = useController();
  const { upscale } = usePanelState().settings;
  const set = (patch: Partial<typeof upscale>) => controller.updateSettings({ upscale: { ...upscale, ...patch } });
  return (
    <div className="ir-col">
      <Picker
        testId="upscale-scale"
        label="Scale"
        value={String(upscale.scale)}
        options={[
          { value: '1.5', label: '1.5×' },
          { value: '2', label: '2×' },
          { value: '4', label: '4×' },
        ]}
        onChange={(scale) => set({ scale: Number(scale) })}
      />
      <Slider testId="upscale-tile" label="Tile" min={256} max={1024} step={64} value={upscale.tileSize} format={(v) => `${v} px`} onChange={(tileSize) => set({ tileSize })} />
      <Slider testId="upscale-overlap" label="Overlap" min={0} max={192} step={8} value={upscale.tileOverlap} format={(v) => `${v} px`} onChange={(tileOverlap) => set({ tileOverlap })} />
      <Slider testId="upscale-strength" label="Strength" min={0.05} max={1} step={0.01} value={upscale.strength} format={(v) => v.toFixed(2)} onChange={(strength) => set({ strength })} />
      <Checkbox testId="upscale-recipe" label="InsaneRes recipe (img2img, then 2× tiles)" checked={upscale.recipe} onChange={(recipe) => set({ recipe })} />
      <UpscaleSize />
      <Picker
        testId="upscale-placement"
        label="Result"
        value={upscale.placement}
        options={[
          { value: 'document', label: 'New document' },
          { value: 'layer', label: 'New layer (if it fits the canvas)' },
        ]}
        onChange={(placement) => set({ placement })}
      />
    </div>
  );
}
