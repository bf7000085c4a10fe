/**
 * The panel's controller (no UI) over the Photoshop host on the recording fake and the fake server, started
 * and connected: what the round-trip tests drive. The test file maps `photoshop` to the fake itself
 * (jest.mock must be in the test file).
 */
import { ApiClient } from '../../../../plugin/src/api/client';
import { createPhotoshopHost } from '../../../../plugin/src/host/photoshop-host';
import { PanelController } from '../../../../plugin/src/model/controller';
import { fakePhotoshop } from './photoshop';
import { FakeServer, type FakeServerOptions } from './server';

/** Polls until `condition` holds (2 s at most), yielding to the fakes' timers in between. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface DocumentSetup {
  selection: { left: number; top: number; width: number; height: number } | null;
  width: number;
  height: number;
  /** The panel's clock (its timers never fire on their own). */
  now: () => number;
}

export async function connectedPanel(serverOptions: FakeServerOptions, document: DocumentSetup) {
  fakePhotoshop.reset({ selection: document.selection, width: document.width, height: document.height });
  const server = new FakeServer(fakePhotoshop.log, serverOptions);
  const controller = new PanelController({
    host: createPhotoshopHost({ busyRetryDelayMs: 1 }),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: server.fetch, pollIntervalMs: 1 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now: document.now },
  });
  controller.start();
  await until(() => controller.store.getState().server.kind === 'online' && controller.store.getState().document !== null, 'the panel to connect');
  return { server, controller, state: () => controller.store.getState() };
}
