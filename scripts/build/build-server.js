// `npm run build` (and `npm ci`, through prepare): compile the server, shared code, tiny-model generator
// and benchmarks to dist/ with tsc, then stamp the build with the time it STARTED, so a source saved
// while tsc ran still counts as newer (freshness.js), and with the digest of those sources, so a copy of
// the tree (new file times, same contents) still runs it. The old stamp goes first: a failed build leaves
// no stamp, and the bin runs the sources.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { ROOT, STAMP, sourceDigest } = require('./freshness');

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.log('insaneres: typescript is not installed (dev dependencies omitted): the server runs from its TypeScript sources through tsx');
  process.exit(0);
}
const startedAt = Date.now();
// Taken before tsc, like the time: a source saved during the build makes the build stale by both.
const sources = sourceDigest();
fs.rmSync(STAMP, { force: true });
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
if (result.status !== 0) {
  console.error('insaneres: compiling the server failed; it will run from its TypeScript sources through tsx');
  process.exit(result.status ?? 1);
}
fs.writeFileSync(STAMP, JSON.stringify({ startedAt, sources, builtAt: Date.now(), node: process.version }) + '\n');
console.log(`insaneres: compiled the server to dist/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
