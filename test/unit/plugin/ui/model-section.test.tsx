/**
 * @jest-environment jsdom
 *
 * The model picker and the download flow in the panel, against the fake server with model routes.
 */
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ApiClient } from '../../../../plugin/src/api/client';
import { PhotoshopHost } from '../../../../plugin/src/host/photoshop-host';
import { PanelController } from '../../../../plugin/src/model/controller';
import { downloadText, ModelsController } from '../../../../plugin/src/model/models';
import { modelsFor } from '../../../../plugin/src/ui/ModelSection';
import { Panel } from '../../../../plugin/src/ui/Panel';
import { FakeModelDownloads } from '../fakes/model-downloads';
import { fakePhotoshop } from '../fakes/photoshop';
import { FakeServer } from '../fakes/server';

const idleTimers = { setTimeout: () => 0, clearTimeout: () => undefined, now: () => Date.now() };

async function renderPanel(setup: (fake: FakeModelDownloads) => void = () => undefined) {
  fakePhotoshop.reset({ selection: { left: 1, top: 1, width: 8, height: 8 } });
  const server = new FakeServer(fakePhotoshop.log, {});
  const fake = new FakeModelDownloads(server);
  setup(fake);
  const controller = new PanelController({
    host: new PhotoshopHost(fakePhotoshop.module, { busyRetryDelayMs: 1 }),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: s.serverUrl, fetch: fake.fetch, pollIntervalMs: 1 }),
    timers: idleTimers,
  });
  modelsFor(controller, () => new ModelsController(() => controller.apiClient, { pollIntervalMs: 1, onModelChanged: () => controller.retryServer() }));
  render(<Panel controller={controller} kit="html" />);
  act(() => controller.start());
  await screen.findByText(/Connected/);
  return { fake, controller };
}

afterEach(() => {
  document.body.innerHTML = '';
});

test('with only the demo model: download SD 1.5 after accepting its licence, with progress, then it is selected', async () => {
  const { fake } = await renderPanel();
  const download = await screen.findByTestId('download-model');
  expect(download.textContent).toBe('Download Stable Diffusion 1.5 (≈ 4.3 GB)');
  fireEvent.click(download);
  // The licence comes first; nothing starts before "I accept".
  expect(screen.getByTestId('licence').textContent).toMatch(/creativeml-openrail-m.*https:\/\/huggingface\.co\/spaces\/CompVis\/stable-diffusion-license/);
  expect(fake.pullRequests).toHaveLength(0);
  fireEvent.click(screen.getByTestId('licence-accept'));
  await waitFor(() => expect(fake.selectRequests).toEqual([{ name: 'sd15' }]));
  expect(fake.pullRequests).toEqual([{ alias: 'sd15', acceptLicense: true }]);
  // Installed and selected: the picker lists both, and the download offer is gone.
  const picker = (await screen.findByTestId('model-picker')) as HTMLSelectElement;
  await waitFor(() => expect(picker.selectedIndex).toBe(1));
  expect([...picker.options].map((o) => o.textContent)).toEqual(['tiny-model (demo)', 'sd15']);
  expect(screen.queryByTestId('download-model')).toBeNull();
});

test('a running download shows bytes, rate, ETA and file, and can be cancelled', async () => {
  const { fake } = await renderPanel((f) => (f.hold = true));
  fireEvent.click(await screen.findByTestId('download-model'));
  fireEvent.click(screen.getByTestId('licence-accept'));
  const text = await screen.findByText(/of 4\.3 GB/);
  expect(text.textContent).toBe('1.4 GB of 4.3 GB · 50.0 MB/s · 57 s left · file 9/12');
  fireEvent.click(screen.getByTestId('download-cancel'));
  await screen.findByTestId('download-cancelled');
  expect(fake.pull?.state).toBe('cancelled');
  expect(screen.queryByTestId('download')).toBeNull();
  expect(screen.getByTestId('download-model')).toBeTruthy();
});

test('declining the licence starts nothing', async () => {
  const { fake } = await renderPanel();
  fireEvent.click(await screen.findByTestId('download-model'));
  fireEvent.click(screen.getByTestId('licence-decline'));
  expect(screen.queryByTestId('licence')).toBeNull();
  expect(fake.pullRequests).toHaveLength(0);
});

test('with real models installed: no download offer; the picker switches with one choice', async () => {
  const { fake } = await renderPanel((f) => {
    f.models = [
      { name: 'dreamshaper', demo: false, active: true },
      { name: 'sd15', demo: false, active: false },
    ];
    f.current = 'dreamshaper';
  });
  const picker = (await screen.findByTestId('model-picker')) as HTMLSelectElement;
  expect(screen.queryByTestId('download-model')).toBeNull();
  picker.selectedIndex = 1;
  fireEvent.change(picker);
  await waitFor(() => expect(fake.selectRequests).toEqual([{ name: 'sd15' }]));
  await waitFor(() => expect(picker.selectedIndex).toBe(1));
});

test('download progress wording', () => {
  const base = { id: 'p', spec: 'sd15', state: 'running' as const, file: null, model: null, error: null, fileIndex: 0, fileCount: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null };
  expect(downloadText({ ...base, phase: 'resolving' })).toMatch(/pinned version/);
  expect(downloadText({ ...base, phase: 'downloading', bytesDone: 2_500_000, bytesTotal: 4_270_000_000, bytesPerSecond: 0, fileIndex: 1, fileCount: 12 })).toBe('2.5 MB of 4.3 GB · file 1/12');
  expect(downloadText({ ...base, phase: 'downloading', bytesDone: 1e9, bytesTotal: 2e9, bytesPerSecond: 1e7, etaSeconds: 100, fileIndex: 2, fileCount: 3 })).toBe('1.0 GB of 2.0 GB · 10.0 MB/s · 1 min 40 s left · file 2/3');
});
