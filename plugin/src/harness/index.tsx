/**
 * The browser harness's entry (served by `insaneres serve` at `/`): the panel's controller, model and UI
 * unchanged, with a BrowserHost over a canvas editor instead of Photoshop. The page comes from the server
 * it talks to, so its requests are same-origin and pass the server's Origin check with no setup.
 */
import '../zod-setup'; // before anything that defines zod schemas, as in the UXP entry
import { createRoot } from 'react-dom/client';
import { ApiClient, type EventSourceLike } from '../api/client';
import { BrowserHost } from '../host/browser/browser-host';
import { Editor } from '../host/browser/editor';
import { PanelController } from '../model/controller';
import { installStyles } from '../ui/styles';
import { HarnessApp } from './App';
import { installHarnessStyles } from './styles';
import { createTestHook, type TestHook } from './test-hook';

declare global {
  interface Window {
    __insaneres?: TestHook;
  }
}

/** Browsers have EventSource: progress arrives as Server-Sent Events instead of polling. */
function eventSource(url: string): EventSourceLike {
  const source = new EventSource(url);
  const like: EventSourceLike = {
    addEventListener: (type, listener) => source.addEventListener(type, (event) => listener(event as MessageEvent<string>)),
    onerror: null,
    close: () => source.close(),
  };
  source.onerror = (event) => like.onerror?.(event);
  return like;
}

const editor = new Editor();
const controller = new PanelController({
  host: new BrowserHost(editor),
  storage: window.localStorage,
  createApi: (settings) => new ApiClient({ baseUrl: settings.serverUrl, token: settings.token || null, eventSource }),
  // Loopback and a page that is open only while someone watches it: a quicker health check is cheap.
  healthIntervalMs: { online: 5_000, offline: 2_000 },
});
// Whatever port the server runs on, the panel talks to the server that served this page.
if (controller.store.getState().settings.serverUrl !== window.location.origin) {
  controller.updateSettings({ serverUrl: window.location.origin });
}
window.__insaneres = createTestHook(editor, controller);

installStyles(document);
installHarnessStyles(document);
const container = document.createElement('div');
container.id = 'root';
document.body.appendChild(container);
controller.start();
createRoot(container).render(<HarnessApp editor={editor} controller={controller} />);
