/**
 * The UXP entry point: registers the "insaneres" panel of manifest.json and mounts the React panel with
 * the Photoshop host. The browser harness has its own entry with its own Host; everything else is shared.
 */
import './zod-setup'; // before anything that defines zod schemas
import { createRoot, type Root } from 'react-dom/client';
import { createPhotoshopHost } from './host/photoshop-host';
import type { UxpModule } from './host/photoshop-types';
import { PanelController } from './model/controller';
import { Panel } from './ui/Panel';
import { installStyles } from './ui/styles';

/** The panel id in manifest.json's entrypoints. */
export const PANEL_ID = 'insaneres';

let root: Root | null = null;
let controller: PanelController | null = null;

/** UXP hands panel callbacks either the root node or an event carrying it, depending on the version. */
function rootNodeOf(argument: unknown): HTMLElement {
  if (argument instanceof HTMLElement) return argument;
  const node = (argument as { node?: unknown } | null)?.node;
  if (node instanceof HTMLElement) return node;
  throw new Error('InsaneRes: UXP did not give the panel a root node');
}

function mount(argument: unknown): void {
  if (root) return;
  const node = rootNodeOf(argument);
  installStyles(document);
  const container = document.createElement('div');
  node.appendChild(container);
  controller = new PanelController({ host: createPhotoshopHost(), storage: typeof localStorage === 'undefined' ? null : localStorage });
  controller.start();
  root = createRoot(container);
  root.render(<Panel controller={controller} kit="spectrum" />);
}

function unmount(): void {
  controller?.stop();
  root?.unmount();
  root = null;
  controller = null;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const uxp = require('uxp') as UxpModule;
uxp.entrypoints.setup({
  panels: {
    [PANEL_ID]: {
      create: mount,
      show: mount,
      destroy: unmount,
    },
  },
});
