// `npm ci` runs this (the `prepare` script): compile the server to dist/ (what bin/insaneres.js runs
// while it is current; scripts/build/freshness.js), then build the browser harness page the server
// serves at `/`. With dev dependencies left out (`npm ci --omit=dev`, a server-only install) typescript
// and webpack are absent: each step is skipped with a note instead of failing the install; the bin then
// runs the sources through tsx, and the server explains at `/` how to build the page.
const { spawnSync } = require('child_process');
const path = require('path');

const build = spawnSync(process.execPath, [path.join(__dirname, 'build', 'build-server.js')], { stdio: 'inherit' });
// A failed compile does not fail the install: the bin runs the sources, and `npm test` reports the error.
if (build.status !== 0) console.log("insaneres: continuing without the compiled build");

let webpackCli;
try {
  webpackCli = require.resolve('webpack-cli/bin/cli.js');
} catch {
  console.log('insaneres: webpack is not installed (dev dependencies omitted): skipping the browser harness page build');
  process.exit(0);
}
const config = path.join(__dirname, '..', 'plugin', 'webpack.harness.config.js');
const result = spawnSync(process.execPath, [webpackCli, '--config', config], { stdio: 'inherit' });
process.exit(result.status ?? 1);
