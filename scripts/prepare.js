// `npm ci` runs this (the `prepare` script): build the browser harness page the server serves at `/`.
// With dev dependencies left out (`npm ci --omit=dev`, a server-only install) webpack is absent: skip the
// page with a note instead of failing the install; the server then explains at `/` how to build it.
const { spawnSync } = require('child_process');
const path = require('path');

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
