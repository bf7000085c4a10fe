/**
 * @jest-environment jsdom
 *
 * The panel as the retoucher uses it, in jsdom: Spectrum widgets are unknown elements here, exactly the
 * situation the widget kit is built for (values as properties, native events through refs).
 */
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { CANCEL_GUARD_MS } from '../../../../plugin/src/model/controller';
import type { WidgetKit } from '../../../../plugin/src/ui/kit';
import { fakePhotoshop } from '../fakes/photoshop';
import { type FakeServerOptions } from '../fakes/server';
import { renderPanel as renderSharedPanel } from '../fakes/panel-harness';

const selection = { left: 10, top: 6, width: 20, height: 12 };
/** The panel's clock, moved by hand (the Cancel guard, the ETA) so nothing here waits on real time. */
const clock = { now: 1_000_000 };

type Element = HTMLElement & { value?: unknown; checked?: unknown; selectedIndex?: unknown };

async function renderPanel(options: FakeServerOptions = {}, kit: WidgetKit = 'spectrum', documentSelection: typeof selection | null = selection) {
  const { server, controller } = await renderSharedPanel(options, { kit, selection: documentSelection, now: () => clock.now });
  return { server, controller, state: () => controller.store.getState() };
}

function setValue(testId: string, value: unknown, event: 'input' | 'change' = 'change') {
  const element = screen.getByTestId(testId) as Element;
  element.value = value;
  if (event === 'input') fireEvent.input(element);
  else fireEvent.change(element);
}

const click = (testId: string) => fireEvent.click(screen.getByTestId(testId));

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the panel', () => {
  it('controls update the job parameters', async () => {
    const { server, state } = await renderPanel();
    setValue('prompt', 'masterpiece, detailed eyes', 'input');
    setValue('negative', 'blurry', 'input');
    setValue('strength', 0.45);
    setValue('cfg', 9.5);
    setValue('steps', 20);
    setValue('seed', '777', 'input');
    const autoMask = screen.getByTestId('auto-mask') as Element;
    autoMask.checked = false;
    fireEvent.change(autoMask);
    expect(state().settings).toMatchObject({ strength: 0.45, guidanceScale: 9.5, steps: 20, seed: 777, seedMode: 'fixed', autoMask: false });
    expect(screen.getByText('0.45')).toBeTruthy();

    click('preset-eyes');
    expect(state().settings.prompt).toBe('masterpiece, detailed eyes, detailed eyes, sharp iris, clear catchlights');

    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    expect(server.jobRequests[0]).toMatchObject({
      kind: 'img2img',
      params: { prompt: state().settings.prompt, negativePrompt: 'blurry', strength: 0.45, guidanceScale: 9.5, steps: 20, seed: 777 },
    });
    expect(state().current?.masked).toBe(false);
    expect(screen.getByTestId('mask').textContent).toBe('Mask');
  });

  it('after a random-seed try the seed field shows the seed actually used', async () => {
    const { state } = await renderPanel();
    expect(state().settings.seedMode).toBe('random');
    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    expect((screen.getByTestId('seed') as Element).value).toBe(String(state().current?.seed));
    expect(state().current?.seed).toBe(4242); // the fake server's pick
  });

  it('Enter in the prompt runs; Shift+Enter does not', async () => {
    const { server, state } = await renderPanel();
    fireEvent.keyDown(screen.getByTestId('prompt'), { key: 'Enter', shiftKey: true });
    expect(server.jobRequests).toHaveLength(0);
    fireEvent.keyDown(screen.getByTestId('prompt'), { key: 'Enter' });
    await waitFor(() => expect(state().phase).toBe('done'));
    expect(server.jobRequests).toHaveLength(1);
  });

  it('shows progress with step, ETA and the live preview, and Cancel stops the job', async () => {
    const { state } = await renderPanel({ totalSteps: 4, holdAtStep: 1 });
    click('run');
    // No time left is guessed from the first step alone (it carries the model's warm-up).
    await waitFor(() => expect(screen.getByTestId('progress-text').textContent).toBe('step 1/4'));
    await waitFor(() => expect((screen.getByTestId('preview') as HTMLImageElement).src).toMatch(/^data:image\/png;base64,/));
    // Refine stays Refine (disabled) and Cancel is a control of its own: a double-click never cancels.
    expect(screen.getByTestId('run').hasAttribute('disabled')).toBe(true);
    click('run');
    expect(state().phase).toBe('running');
    click('cancel'); // within the guard time of the click that started it: ignored
    expect(state().phase).toBe('running');
    clock.now += CANCEL_GUARD_MS;
    click('cancel');
    await screen.findByTestId('cancelled');
    await waitFor(() => expect(fakePhotoshop.calls('server DELETE /v1/jobs/job2')).toHaveLength(1));
    expect(state().phase).toBe('cancelled');
    expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(0);
  });

  it('Esc cancels a running job', async () => {
    const { state } = await renderPanel({ totalSteps: 4, holdAtStep: 1 });
    click('run');
    await waitFor(() => expect(state().progress?.step).toBe(1));
    clock.now += CANCEL_GUARD_MS;
    fireEvent.keyDown(document, { key: 'Escape' });
    await screen.findByTestId('cancelled');
  });

  it('Compare toggles the result layer between difference and normal; the feather slider updates the mask', async () => {
    const { controller, state } = await renderPanel();
    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    expect(screen.getByTestId('compare').textContent).toBe('Compare ◐ (difference)');
    click('compare');
    await waitFor(() => expect(screen.getByTestId('compare').textContent).toBe('Compare ◐ (normal)'));
    setValue('feather', 30, 'input');
    expect(screen.getByText('30 px')).toBeTruthy();
    setValue('feather', 30, 'change');
    await act(() => controller.flushFeather()); // the end of the drag (a timer in the panel)
    await waitFor(() => expect(screen.getByTestId('mask').textContent).toBe('Masked · 30 px'));
    const feathers = fakePhotoshop.calls('action.batchPlay').map((e) => JSON.stringify(e.args)).filter((d) => d.includes('userMaskFeather'));
    expect(feathers[feathers.length - 1]).toContain('"_value":30');
  });

  it('a history click places that try again', async () => {
    const { state } = await renderPanel();
    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    const thumb = await screen.findByTestId(`history-${state().history[0].id}`);
    expect(thumb.getAttribute('title')).toContain('seed 4242');
    fireEvent.click(thumb);
    await waitFor(() => expect(fakePhotoshop.calls('imaging.putPixels')).toHaveLength(2));
    expect(state().tries).toHaveLength(2);
  });

  it('says how to start the server when it is offline, disables Refine, and reconnects on Retry', async () => {
    const { server, state } = await renderPanel({ offline: true });
    await screen.findByText('Server offline');
    expect(screen.getByTestId('status').textContent).toContain('npx insaneres serve');
    expect(screen.getByTestId('run').hasAttribute('disabled')).toBe(true);
    click('run');
    expect(server.jobRequests).toHaveLength(0);
    server.options.offline = false;
    click('retry-server');
    await screen.findByText(/Connected/);
    expect(state().server.kind).toBe('online');
    expect(screen.getByTestId('run').hasAttribute('disabled')).toBe(false);
  });

  it('marks the demo model', async () => {
    await renderPanel({ demo: true });
    expect(screen.getByText('demo model — results are noise; see README to add a real model')).toBeTruthy();
  });

  it("shows a batchPlay error with Photoshop's message and its details", async () => {
    await renderPanel();
    fakePhotoshop.failDescriptor = (d) => (d._obj === 'set' ? { _obj: 'error', message: 'The layer is locked.', result: -25920 } : null);
    click('run');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Photoshop could not set: The layer is locked.');
    click('error-details-toggle');
    expect(screen.getByTestId('error-details').textContent).toContain('blendMode');
    expect(screen.getByTestId('error-action').textContent).toBe('Place again');
  });

  it('offers the whole canvas when nothing is selected', async () => {
    const { state } = await renderPanel({}, 'spectrum', null);
    click('run');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Nothing is selected.');
    click('error-action');
    await waitFor(() => expect(state().phase).toBe('done'));
    expect(state().current?.bounds).toEqual({ left: 0, top: 0, width: 64, height: 48 });
  });

  it('works with plain HTML widgets too (the browser harness)', async () => {
    const { server, state } = await renderPanel({}, 'html');
    const slider = screen.getByTestId('strength') as HTMLInputElement;
    expect(slider.tagName).toBe('INPUT');
    fireEvent.change(slider, { target: { value: '0.6' } });
    const sampler = screen.getByTestId('source') as HTMLSelectElement;
    fireEvent.change(sampler, { target: { selectedIndex: 1 } });
    expect(state().settings).toMatchObject({ strength: 0.6, source: 'activeLayer' });
    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    expect(server.jobRequests[0]).toMatchObject({ params: { strength: 0.6 } });
    expect(fakePhotoshop.calls('imaging.getPixels')[0].args).toMatchObject({ layerID: 1 });
  });
});

describe('the sampler picker (issue 12 §4)', () => {
  it("lists A1111's names, sends the ids, and greys out the schedule type for DDIM", async () => {
    const { server, state } = await renderPanel({}, 'html');
    const sampler = screen.getByTestId('sampler') as HTMLSelectElement;
    expect(Array.from(sampler.options).map((o) => o.textContent)).toEqual(['DDIM', 'Euler', 'Euler a', 'DPM++ 2M', 'LCM']);
    expect((screen.getByTestId('scheduler') as HTMLSelectElement).disabled).toBe(true); // DDIM, the default
    fireEvent.change(sampler, { target: { selectedIndex: 2 } });
    await waitFor(() => expect((screen.getByTestId('scheduler') as HTMLSelectElement).disabled).toBe(false));
    const scheduler = screen.getByTestId('scheduler') as HTMLSelectElement;
    expect(Array.from(scheduler.options).map((o) => o.textContent)).toEqual(['Automatic', 'Uniform', 'Karras']);
    fireEvent.change(scheduler, { target: { selectedIndex: 2 } });
    expect(state().settings).toMatchObject({ sampler: 'euler_a', scheduler: 'karras' });
    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    expect(server.jobRequests[0]).toMatchObject({ params: { sampler: 'euler_a', scheduler: 'karras' } });
  });
});

describe('upscale mode', () => {
  it('chooses where the result goes, and says so when it cannot go there', async () => {
    const { state } = await renderPanel({}, 'html');
    click('mode-upscale');
    const placement = screen.getByTestId('upscale-placement') as HTMLSelectElement;
    fireEvent.change(placement, { target: { selectedIndex: 1 } });
    expect(state().settings.upscale.placement).toBe('layer');
    fireEvent.change(screen.getByTestId('upscale-scale') as HTMLSelectElement, { target: { selectedIndex: 2 } }); // 4×
    // The size is known before running: the recipe's first pass enlarges the 12 px side to 512 already.
    expect(screen.getByTestId('upscale-size').textContent).toMatch(/^20×12 → 853×512 px \(the recipe first enlarges/);
    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    expect((await screen.findByTestId('notice')).textContent).toMatch(/larger than the canvas, so it opened as a new document/);
  });
});

describe('history thumbnails', () => {
  it('are small server thumbnails, and with a token data URLs fetched with the header', async () => {
    const { controller, state } = await renderPanel();
    click('run');
    await waitFor(() => expect(state().phase).toBe('done'));
    await act(() => controller.refreshHistory());
    expect(state().history[0].thumbnailUrl).toMatch(/\/v1\/history\/[\w-]+\/image\?maxSide=128$/);

    controller.updateSettings({ token: 's3cret' });
    await act(() => controller.refreshHistory());
    await waitFor(() => expect(state().history[0].thumbnailUrl).toMatch(/^data:image\/png;base64,/));
    const img = screen.getByTestId('history').querySelector('img');
    expect(img?.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  });
});

describe('server settings', () => {
  it('changes the server address and token the client uses', async () => {
    const { state } = await renderPanel();
    click('server-settings');
    setValue('server-url', 'http://192.168.1.20:7860', 'input');
    setValue('server-token', 's3cret', 'input');
    expect(state().settings).toMatchObject({ serverUrl: 'http://192.168.1.20:7860', token: 's3cret' });
    setValue('server-url', 'not an address', 'input');
    expect(state().settings.serverUrl).toBe('http://192.168.1.20:7860');
  });
});
