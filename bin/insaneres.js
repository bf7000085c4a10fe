#!/usr/bin/env node
// Runs the compiled server (dist/, built by `npm ci` through the prepare script, or `npm run build`)
// when that build is current; otherwise the TypeScript sources through tsx, so an edit or a merge after
// the build never runs stale code (scripts/build/freshness.js). Compiled code starts faster and runs the
// per-step code without tsx's keep-names wrappers. INSANERES_FROM_SOURCE=1 forces the sources.
const path = require('path');
const { buildStatus, DIST } = require('../scripts/build/freshness');

let cli;
if (buildStatus().fresh) {
  cli = require(path.join(DIST, 'server', 'src', 'cli.js'));
} else {
  require('tsx/cjs');
  cli = require('../server/src/cli.ts');
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
