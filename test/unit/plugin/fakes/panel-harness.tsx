/**
 * The whole panel rendered in jsdom over the recording Photoshop fake and the fake server, as the UI tests
 * drive it: returns once the panel shows Connected (unless the server is offline) and has read the document.
 */
import { act, render, screen, waitFor } from '@testing-library/react';
import { ApiClient } from '../../../../plugin/src/api/client';
import { PhotoshopHost } from '../../../../plugin/src/host/photoshop-host';
import { PanelController } from '../../../../plugin/src/model/controller';
import { Panel } from '../../../../plugin/src/ui/Panel';
import type { WidgetKit } from '../../../../plugin/src/ui/kit';
import { fakePhotoshop } from './photoshop';
import { FakeServer, type FakeServerOptions } from './server';

export const DEFAULT_SELECTION = { left: 10, top: 6, width: 20, height: 12 };

export interface PanelSetup {
  kit?: WidgetKit;
  /** The document's selection; null = none. */
  selection?: typeof DEFAULT_SELECTION | null;
  /** The panel's clock (timers never fire on their own: the tests move time by hand). */
  now?: () => number;
}

export async function renderPanel(options: FakeServerOptions = {}, setup: PanelSetup = {}): Promise<{ server: FakeServer; controller: PanelController }> {
  fakePhotoshop.reset({ selection: setup.selection === undefined ? DEFAULT_SELECTION : setup.selection });
  const server = new FakeServer(fakePhotoshop.log, { totalSteps: 2, ...options });
  const now = setup.now ?? (() => 1_000_000);
  const controller = new PanelController({
    host: new PhotoshopHost(fakePhotoshop.module, { busyRetryDelayMs: 1 }),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now },
    previewIntervalMs: 0,
  });
  render(setup.kit ? <Panel controller={controller} kit={setup.kit} /> : <Panel controller={controller} />);
  act(() => controller.start());
  if (!options.offline) await screen.findByText(/Connected/);
  await waitFor(() => expect(controller.store.getState().document).not.toBeNull());
  return { server, controller };
}
