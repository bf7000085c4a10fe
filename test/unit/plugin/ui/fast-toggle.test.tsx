/**
 * @jest-environment jsdom
 *
 * The Fast toggle: follows the server's default for the model until the retoucher clicks it, is sent with the
 * job, and is disabled with the server's reason on models without fast mode.
 */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { fastToggle } from '../../../../plugin/src/model/fast';
import type { FastMode, HealthResponse } from '../../../../shared/src';
import { type FakeServerOptions } from '../fakes/server';
import { renderPanel as renderSharedPanel } from '../fakes/panel-harness';

type Element = HTMLElement & { checked?: unknown; disabled?: unknown };
const LCM: FastMode = { available: true, default: false, tinyDecoder: true, reason: null };
const PLAIN: FastMode = { available: false, default: false, tinyDecoder: false, reason: 'tiny-sd is not an LCM-distilled model (its UNet has no timestep_cond input)' };

async function renderPanel(options: FakeServerOptions) {
  const { server, controller } = await renderSharedPanel(options);
  const run = async () => {
    fireEvent.click(screen.getByTestId('run'));
    await waitFor(() => expect(controller.store.getState().phase).toBe('done'));
    return (server.jobRequests.at(-1) as { params: Record<string, unknown> }).params;
  };
  return { controller, run, toggle: () => screen.getByTestId('fast') as Element };
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the Fast toggle', () => {
  it('on an LCM model: enabled, a click turns it on, the job says fast: true and Steps/Sampler are disabled', async () => {
    const { controller, run, toggle } = await renderPanel({ fast: LCM });
    expect([toggle().checked, toggle().disabled]).toEqual([false, false]);
    expect(await run()).toMatchObject({ fast: false });
    toggle().checked = true;
    fireEvent.change(toggle());
    expect(controller.store.getState().settings.fast).toBe(true);
    await waitFor(() => expect((screen.getByTestId('steps') as Element).disabled).toBe(true));
    expect((screen.getByTestId('sampler') as Element).disabled).toBe(true);
    expect(await run()).toMatchObject({ fast: true });
  });

  it('untouched, it follows the server default (serve --fast)', async () => {
    const { run, toggle } = await renderPanel({ fast: { ...LCM, default: true } });
    expect(toggle().checked).toBe(true);
    expect(await run()).toMatchObject({ fast: true });
  });

  it('on a model without fast mode: disabled, the server’s reason as its tooltip, and no fast param sent', async () => {
    const { run, toggle } = await renderPanel({ fast: PLAIN });
    expect(toggle().disabled).toBe(true);
    expect(toggle().getAttribute('title')).toBe(PLAIN.reason);
    expect(await run()).not.toHaveProperty('fast');
  });
});

describe('fastToggle', () => {
  const health = (fast: FastMode | null | undefined) => ({ fast }) as HealthResponse;
  it.each([
    ['offline', null, null, { available: false, checked: false, reason: 'not connected to the server' }],
    ['an older server', health(undefined), null, { available: false, checked: false, reason: 'this server has no fast mode (update InsaneRes)' }],
    ['no model yet', health(null), null, { available: false, checked: false, reason: 'no model is loaded yet' }],
    ['a model without it, even if chosen', health(PLAIN), true, { available: false, checked: false, reason: PLAIN.reason }],
    ['LCM, untouched, default off', health(LCM), null, { available: true, checked: false, reason: null }],
    ['LCM, untouched, default on', health({ ...LCM, default: true }), null, { available: true, checked: true, reason: null }],
    ['LCM, turned off against the default', health({ ...LCM, default: true }), false, { available: true, checked: false, reason: null }],
  ] as const)('%s', (_name, h, fast, expected) => {
    expect(fastToggle({ fast }, h)).toEqual(expected);
  });
});
