/**
 * JSX types for the Spectrum UXP widgets Photoshop renders natively. In a browser (or jsdom) they are
 * unknown elements; `kit.tsx` drives them through refs and native events so the same code works in both.
 */
import 'react';

type SpectrumProps = React.HTMLAttributes<HTMLElement> & React.Attributes & {
  ref?: React.Ref<HTMLElement>;
  disabled?: boolean | string;
  size?: 's' | 'm' | 'l' | 'xl';
  quiet?: boolean | string;
  'data-testid'?: string;
  [attribute: `data-${string}`]: string | undefined;
};

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'sp-button': SpectrumProps & { variant?: 'cta' | 'primary' | 'secondary' | 'warning' | 'overBackground' };
      'sp-action-button': SpectrumProps & { selected?: boolean | string };
      'sp-slider': SpectrumProps & { min?: number | string; max?: number | string; step?: number | string; value?: number | string; 'show-value'?: string };
      'sp-textfield': SpectrumProps & { value?: string; placeholder?: string; type?: string };
      'sp-textarea': SpectrumProps & { value?: string; placeholder?: string };
      'sp-picker': SpectrumProps & { placeholder?: string; label?: string };
      'sp-menu': SpectrumProps & { slot?: string };
      'sp-menu-item': SpectrumProps & { value?: string; selected?: boolean | string };
      'sp-checkbox': SpectrumProps & { checked?: boolean | string };
      'sp-progressbar': SpectrumProps & { value?: number | string; max?: number | string; label?: string; 'show-value'?: string };
      'sp-label': SpectrumProps & { slot?: string };
      'sp-body': SpectrumProps;
      'sp-detail': SpectrumProps;
      'sp-divider': SpectrumProps;
    }
  }
}
