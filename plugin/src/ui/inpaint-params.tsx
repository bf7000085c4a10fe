/** "Inpaint selection" mode's own settings (docs/inpaint.md), shown in place of Refine's strength. */
import { PARAM_BOUNDS } from '../../../shared/src';
import { useController, usePanelState } from './hooks';
import { Picker, Slider } from './kit';

export function InpaintParams() {
  const controller = useController();
  const { inpaint } = usePanelState().settings;
  const set = (patch: Partial<typeof inpaint>) => controller.updateSettings({ inpaint: { ...inpaint, ...patch } });
  return (
    <div className="ir-col">
      <Slider testId="inpaint-strength" label="Strength" min={0.05} max={1} step={0.01} value={inpaint.strength} format={(v) => v.toFixed(2)} onChange={(strength) => set({ strength })} />
      <Slider
        testId="inpaint-mask-blur"
        label="Mask blur"
        title="Softens the selection's edge before the model sees it (A1111's Mask blur, σ in px)"
        min={PARAM_BOUNDS.maskBlur.min}
        max={PARAM_BOUNDS.maskBlur.max}
        step={1}
        value={inpaint.maskBlur}
        format={(v) => `${v} px`}
        onChange={(maskBlur) => set({ maskBlur })}
      />
      <Picker
        testId="inpaint-area"
        label="Area"
        value={inpaint.inpaintArea}
        options={[
          { value: 'masked', label: 'Only masked (selection + padding)' },
          { value: 'whole', label: 'Whole crop' },
        ]}
        onChange={(inpaintArea) => set({ inpaintArea })}
      />
      {inpaint.inpaintArea === 'masked' && (
        <Slider testId="inpaint-padding" label="Padding" min={0} max={PARAM_BOUNDS.padding.max} step={4} value={inpaint.padding} format={(v) => `${v} px`} onChange={(padding) => set({ padding })} />
      )}
      <Picker
        testId="inpaint-fill"
        label="Masked content"
        value={inpaint.fill}
        options={[
          { value: 'original', label: 'Original' },
          { value: 'fill', label: 'Fill' },
          { value: 'latent-noise', label: 'Latent noise' },
          { value: 'latent-nothing', label: 'Latent nothing' },
        ]}
        onChange={(fill) => set({ fill })}
      />
    </div>
  );
}
