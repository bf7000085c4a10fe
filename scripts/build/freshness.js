// Whether the compiled server in dist/ may run: it must be built from sources no newer than the build.
// bin/insaneres.js asks this on every start, so a checkout, merge or edit after `npm ci` (which builds)
// silently falls back to the TypeScript sources through tsx instead of running stale code.
// Plain JavaScript on purpose: it runs before anything is compiled.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
/** Written last by the build, holding the time the build started (an edit during the build counts as newer). */
const STAMP_NAME = '.insaneres-build.json';
const STAMP = path.join(DIST, STAMP_NAME);
/** Everything the build compiles, and the files that change how it compiles. */
const SOURCE_DIRS = ['server/src', 'shared/src', 'scripts/tiny-model', 'scripts/bench'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * The newest modification time among the sources, directories included: adding, removing or renaming
 * a file changes its directory's time, so a deleted module is noticed too. About 2 ms for ~200 files.
 */
function newestSourceTime(root = ROOT) {
  let newest = 0;
  const visit = (dir) => {
    let entries;
    try {
      newest = Math.max(newest, fs.statSync(dir).mtimeMs);
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) visit(path.join(root, dir));
  for (const file of SOURCE_FILES) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(root, file)).mtimeMs);
    } catch {
      // tsconfig.build.json absent: nothing to compare
    }
  }
  return newest;
}

/** { fresh, reason }: fresh when dist/ was built from exactly these sources' versions or later ones. */
function buildStatus(root = ROOT) {
  if (process.env.INSANERES_FROM_SOURCE === '1') return { fresh: false, reason: 'INSANERES_FROM_SOURCE=1' };
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, 'dist', STAMP_NAME), 'utf8'));
  } catch {
    return { fresh: false, reason: 'no compiled build (npm run build)' };
  }
  const newest = newestSourceTime(root);
  if (!(typeof stamp.startedAt === 'number') || newest > stamp.startedAt) {
    return { fresh: false, reason: 'the compiled build is older than the sources (npm run build)' };
  }
  return { fresh: true, reason: 'compiled build is current' };
}

module.exports = { ROOT, DIST, STAMP, buildStatus, newestSourceTime };
