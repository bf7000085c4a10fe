/**
 * The harness page must be built from the sources under test: `npm ci` builds it (the `prepare` script),
 * and this rebuilds it when a source is newer than the build (a developer editing the panel).
 */
import * as fs from 'fs';
import * as path from 'path';
import webpack from 'webpack';

const ROOT = path.resolve(__dirname, '../../..');
const BUNDLE = path.join(ROOT, 'plugin', 'dist-harness', 'harness.js');
const SOURCES = [path.join(ROOT, 'plugin', 'src'), path.join(ROOT, 'shared', 'src'), path.join(ROOT, 'plugin', 'webpack.harness.config.js'), path.join(ROOT, 'plugin', 'webpack.config.js')];

function newestMtime(file: string): number {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(file).map((name) => newestMtime(path.join(file, name))));
}

export async function ensureHarnessBuilt(): Promise<void> {
  if (fs.existsSync(BUNDLE) && fs.statSync(BUNDLE).mtimeMs >= Math.max(...SOURCES.map(newestMtime))) return;
  // The config is plain JS (webpack-cli loads it too); this is its typed boundary.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const makeConfig = require(path.join(ROOT, 'plugin', 'webpack.harness.config.js')) as (env: object, argv: { mode: string }) => webpack.Configuration;
  const compiler = webpack(makeConfig({}, { mode: 'production' }));
  const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) => compiler.run((error, result) => (error ? reject(error) : resolve(result))));
  await new Promise<void>((resolve) => compiler.close(() => resolve()));
  if (!stats || stats.hasErrors()) throw new Error(`building the harness failed:\n${stats?.toString({ all: false, errors: true }) ?? 'no stats'}`);
}
