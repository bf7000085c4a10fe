/**
 * `npm run package:plugin` builds the panel and writes dist/insaneres.ccx: a zip with manifest.json at its
 * root and every file the manifest names (main, each icon at each scale), plus what main loads.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import JSZip from 'jszip';
import { DEFAULT_CCX, filesNamedBy, type UxpManifest } from '../../../scripts/package-plugin';

const ROOT = path.resolve(__dirname, '../../..');

it('packages an installable .ccx', async () => {
  fs.rmSync(DEFAULT_CCX, { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['run', '-s', 'package:plugin'], { cwd: ROOT, encoding: 'utf8', shell: process.platform === 'win32' });
  expect(run.stderr.replace(/npm warn.*\n/gi, '')).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('insaneres.ccx');

  const zip = await JSZip.loadAsync(fs.readFileSync(DEFAULT_CCX));
  const names = Object.keys(zip.files).filter((name) => !zip.files[name].dir);
  expect(names).toContain('manifest.json');

  const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as UxpManifest & Record<string, unknown>;
  expect(manifest).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')));
  expect(manifest.manifestVersion).toBe(5);
  expect(manifest.host).toEqual({ app: 'PS', minVersion: '25.0.0' });
  expect(manifest.requiredPermissions).toMatchObject({ network: { domains: ['http://127.0.0.1:7860', 'http://localhost:7860'] } });

  const named = filesNamedBy(manifest);
  expect(named).toEqual(expect.arrayContaining(['index.html', 'icons/plugin@1x.png', 'icons/plugin@2x.png', 'icons/panel-dark@2x.png', 'icons/panel-light@1x.png']));
  for (const file of named) expect(names).toContain(file);

  // main loads the bundle that sits next to it; the bundle leaves photoshop and uxp to UXP's require.
  const html = await zip.file(manifest.main)!.async('string');
  const scripts = [...html.matchAll(/<script[^>]*src="?([^"\s>]+)"?/g)].map((m) => m[1]);
  expect(scripts).toEqual(['index.js']);
  const bundle = await zip.file('index.js')!.async('string');
  expect(bundle).toContain('require("photoshop")');
  expect(bundle).toContain('require("uxp")');
  expect(bundle).not.toMatch(/\beval\(/);

  // Icons are real PNGs at twice the size for @2x.
  const png = await zip.file('icons/panel-dark@2x.png')!.async('uint8array');
  expect(Array.from(png.slice(1, 4))).toEqual([80, 78, 71]);
  const width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
  expect(width).toBe(46);
});
