#!/usr/bin/env node
// The sources are TypeScript; tsx compiles them on load (cached), so `npm ci` is all a user runs.
require('tsx/cjs');
require('../server/src/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; });
