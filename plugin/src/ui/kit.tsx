/**
 * The panel's widgets, in two flavours behind one API: Spectrum UXP widgets (`sp-*`, native in
 * Photoshop) and plain HTML (the browser harness). React 18 does not deliver the custom `input` /
 * `change` events of `sp-*` elements, and controlled native inputs fight imperative updates, so every
 * widget here is uncontrolled: values go in as DOM properties (set in a layout effect) and come out through
 * native event listeners attached to a ref. The same path therefore runs in UXP, browsers and jsdom.
 */
import { createContext, useContext, useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';

export type WidgetKit = 'spectrum' | 'html';

const KitContext = createContext<WidgetKit>('spectrum');
export const KitProvider = KitContext.Provider;
const useKit = () => useContext(KitContext);

type ValueElement = HTMLElement & { value?: unknown; checked?: unknown; selectedIndex?: unknown; disabled?: unknown };

/** Native listeners that always call the latest handler (no re-attaching on every render). */
function useNativeEvents(handlers: Record<string, ((event: Event) => void) | undefined>) {
  const ref = useRef<HTMLElement | null>(null);
  const latest = useRef(handlers);
  latest.current = handlers;
  const types = Object.keys(handlers).join(' ');
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const listeners = types.split(' ').map((type) => {
      const listener = (event: Event) => latest.current[type]?.(event);
      element.addEventListener(type, listener);
      return [type, listener] as const;
    });
    return () => listeners.forEach(([type, listener]) => element.removeEventListener(type, listener));
  }, [types]);
  return ref;
}

/** Writes DOM properties (value, checked, disabled) whenever they change. */
function useDomProperties(ref: React.RefObject<HTMLElement | null>, properties: Record<string, unknown>) {
  useLayoutEffect(() => {
    const element = ref.current as (ValueElement & Record<string, unknown>) | null;
    if (!element) return;
    for (const [name, value] of Object.entries(properties)) {
      if (element[name] !== value) element[name] = value;
    }
  });
}

const targetOf = (event: Event) => event.target as ValueElement;
const flag = (on: boolean | undefined) => (on ? { disabled: true } : {});

interface Common {
  testId?: string;
  title?: string;
  disabled?: boolean;
}

export function Button(props: Common & { label: ReactNode; onPress: () => void; variant?: 'cta' | 'secondary' | 'warning' }) {
  const kit = useKit();
  const ref = useNativeEvents({ click: () => !props.disabled && props.onPress() });
  useDomProperties(ref, { disabled: props.disabled === true });
  if (kit === 'html') {
    return (
      <button ref={ref as React.Ref<HTMLButtonElement>} type="button" className={`ir-button ir-${props.variant ?? 'secondary'}`} data-testid={props.testId} title={props.title} {...flag(props.disabled)}>
        {props.label}
      </button>
    );
  }
  return (
    <sp-button ref={ref} variant={props.variant ?? 'secondary'} data-testid={props.testId} title={props.title} {...flag(props.disabled)}>
      {props.label}
    </sp-button>
  );
}

export function ActionButton(props: Common & { label: ReactNode; onPress: () => void; selected?: boolean; quiet?: boolean }) {
  const kit = useKit();
  const ref = useNativeEvents({ click: () => !props.disabled && props.onPress() });
  useDomProperties(ref, { disabled: props.disabled === true });
  const selected = props.selected ? { 'data-selected': 'true' } : {};
  if (kit === 'html') {
    return (
      <button ref={ref as React.Ref<HTMLButtonElement>} type="button" className={`ir-action${props.selected ? ' ir-selected' : ''}`} data-testid={props.testId} title={props.title} aria-pressed={props.selected} {...selected} {...flag(props.disabled)}>
        {props.label}
      </button>
    );
  }
  return (
    <sp-action-button ref={ref} size="s" data-testid={props.testId} title={props.title} {...(props.quiet ? { quiet: true } : {})} {...(props.selected ? { selected: true } : {})} {...selected} {...flag(props.disabled)}>
      {props.label}
    </sp-action-button>
  );
}

export interface SliderProps extends Common {
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  /** How the value reads beside the slider (e.g. "12 px"). */
  format?: (value: number) => string;
  /** While dragging. */
  onInput?: (value: number) => void;
  /** On release (or a keyboard step): the value to commit. */
  onChange: (value: number) => void;
}

export function Slider(props: SliderProps) {
  const kit = useKit();
  const read = (event: Event) => Number(targetOf(event).value);
  const ref = useNativeEvents({
    input: (event) => (props.onInput ?? props.onChange)(read(event)),
    change: (event) => props.onChange(read(event)),
  });
  useDomProperties(ref, { value: kit === 'html' ? String(props.value) : props.value, disabled: props.disabled === true });
  const shown = props.format ? props.format(props.value) : String(props.value);
  if (kit === 'html') {
    return (
      <label className="ir-slider" title={props.title}>
        <span className="ir-label">{props.label}</span>
        <input ref={ref as React.Ref<HTMLInputElement>} type="range" min={props.min} max={props.max} step={props.step} defaultValue={props.value} data-testid={props.testId} {...flag(props.disabled)} />
        <span className="ir-value">{shown}</span>
      </label>
    );
  }
  return (
    <div className="ir-slider" title={props.title}>
      <sp-slider ref={ref} min={props.min} max={props.max} step={props.step} value={props.value} data-testid={props.testId} {...flag(props.disabled)}>
        <sp-label slot="label">{props.label}</sp-label>
      </sp-slider>
      <span className="ir-value">{shown}</span>
    </div>
  );
}

export function TextField(
  props: Common & { label?: string; value: string; placeholder?: string; multiline?: boolean; onChange: (value: string) => void; onKeyDown?: (event: KeyboardEvent) => void },
) {
  const kit = useKit();
  const ref = useNativeEvents({
    input: (event) => props.onChange(String(targetOf(event).value ?? '')),
    keydown: (event) => props.onKeyDown?.(event as KeyboardEvent),
  });
  useDomProperties(ref, { value: props.value, disabled: props.disabled === true });
  const common = { 'data-testid': props.testId, placeholder: props.placeholder, title: props.title, 'aria-label': props.label, ...flag(props.disabled) };
  if (kit === 'html') {
    return props.multiline ? (
      <textarea ref={ref as React.Ref<HTMLTextAreaElement>} className="ir-text" rows={2} defaultValue={props.value} {...common} />
    ) : (
      <input ref={ref as React.Ref<HTMLInputElement>} className="ir-text" type="text" defaultValue={props.value} {...common} />
    );
  }
  return props.multiline ? (
    <sp-textarea ref={ref} className="ir-text" value={props.value} {...common} />
  ) : (
    <sp-textfield ref={ref} className="ir-text" value={props.value} {...common} />
  );
}

export interface PickerOption<T extends string> {
  value: T;
  label: string;
}

export function Picker<T extends string>(props: Common & { label: string; value: T; options: readonly PickerOption<T>[]; onChange: (value: T) => void }) {
  const kit = useKit();
  const ref = useNativeEvents({
    change: (event) => {
      const target = targetOf(event);
      const index = Number(target.selectedIndex);
      const option = Number.isInteger(index) && index >= 0 ? props.options[index] : props.options.find((o) => o.value === target.value);
      if (option) props.onChange(option.value);
    },
  });
  const index = props.options.findIndex((o) => o.value === props.value);
  useDomProperties(ref, { selectedIndex: index, disabled: props.disabled === true });
  if (kit === 'html') {
    return (
      <label className="ir-picker">
        <span className="ir-label">{props.label}</span>
        <select ref={ref as React.Ref<HTMLSelectElement>} defaultValue={props.value} data-testid={props.testId} {...flag(props.disabled)}>
          {props.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
    );
  }
  return (
    <div className="ir-picker">
      <span className="ir-label">{props.label}</span>
      <sp-picker ref={ref} size="s" label={props.label} data-testid={props.testId} {...flag(props.disabled)}>
        <sp-menu slot="options">
          {props.options.map((o) => (
            <sp-menu-item key={o.value} value={o.value} {...(o.value === props.value ? { selected: true } : {})}>
              {o.label}
            </sp-menu-item>
          ))}
        </sp-menu>
      </sp-picker>
    </div>
  );
}

export function Checkbox(props: Common & { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  const kit = useKit();
  const ref = useNativeEvents({ change: (event) => props.onChange(Boolean(targetOf(event).checked)) });
  useDomProperties(ref, { checked: props.checked, disabled: props.disabled === true });
  if (kit === 'html') {
    return (
      <label className="ir-checkbox" title={props.title}>
        <input ref={ref as React.Ref<HTMLInputElement>} type="checkbox" defaultChecked={props.checked} data-testid={props.testId} {...flag(props.disabled)} />
        {props.label}
      </label>
    );
  }
  return (
    <sp-checkbox ref={ref} data-testid={props.testId} title={props.title} {...(props.checked ? { checked: true } : {})} {...flag(props.disabled)}>
      {props.label}
    </sp-checkbox>
  );
}

export function ProgressBar(props: { value: number; max: number; label: string; testId?: string }) {
  const kit = useKit();
  if (kit === 'html') {
    return <progress className="ir-progress" value={props.value} max={props.max} aria-label={props.label} data-testid={props.testId} />;
  }
  return <sp-progressbar className="ir-progress" value={props.value} max={props.max} aria-label={props.label} data-testid={props.testId} />;
}
