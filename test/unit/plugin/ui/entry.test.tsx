/**
 * @jest-environment jsdom
 *
 * The UXP entry point: registers the manifest's panel with `uxp.entrypoints.setup` and mounts the panel
 * with the Photoshop host when UXP creates it.
 */
import { act, screen, waitFor } from '@testing-library/react';
import * as fs from 'fs';
import * as path from 'path';
import { fakePhotoshop, fakeUxp } from '../fakes/photoshop';
import { FakeServer } from '../fakes/server';

jest.mock('photoshop', () => jest.requireActual('../fakes/photoshop').fakePhotoshop.module, { virtual: true });
jest.mock('uxp', () => jest.requireActual('../fakes/photoshop').fakeUxp.module, { virtual: true });

it('registers the manifest panel and mounts the panel into the node UXP gives it', async () => {
  fakePhotoshop.reset({ selection: { left: 0, top: 0, width: 16, height: 16 } });
  const server = new FakeServer(fakePhotoshop.log);
  (globalThis as { fetch?: unknown }).fetch = server.fetch;

  const entry = jest.requireActual('../../../../plugin/src/index') as { PANEL_ID: string };
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../manifest.json'), 'utf8')) as { entrypoints: { type: string; id: string }[] };
  expect(manifest.entrypoints.filter((e) => e.type === 'panel').map((e) => e.id)).toEqual([entry.PANEL_ID]);
  const panel = fakeUxp.panels[entry.PANEL_ID];
  expect(panel).toBeDefined();

  const root = document.createElement('div');
  document.body.appendChild(root);
  act(() => panel.create?.(root));
  // Older UXP versions call show({ node }) as well: the panel is mounted once.
  act(() => panel.show?.({ node: root } as unknown as HTMLElement));
  await screen.findByText(/Connected · tiny-sd/);
  expect(root.querySelectorAll('.ir-panel')).toHaveLength(1);
  expect(document.getElementById('insaneres-style')).not.toBeNull();
  await waitFor(() => expect(screen.getByTestId('run').hasAttribute('disabled')).toBe(false));
  act(() => panel.destroy?.(root));
  expect(root.querySelector('.ir-panel')).toBeNull();
});
