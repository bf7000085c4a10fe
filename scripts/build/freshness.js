// Whether the compiled server in dist/ may run: it must be built from sources no newer than the build.
// bin/insaneres.js asks this on every start, so a checkout, merge or edit after `npm ci` (which builds)
// silently falls back to the TypeScript sources through tsx instead of running stale code.
// Plain JavaScript on purpose: it runs before anything is compiled.
const crypto = require('crypto');
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
 * Every source the build compiles, as paths relative to `root`: the folders (SOURCE_DIRS and all below
 * them) and the files in them, and the SOURCE_FILES that exist. Both freshness tests walk this one list.
 */
function sourceEntries(root) {
  const entries = [];
  const visit = (rel) => {
    let children;
    try {
      children = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.push({ rel, dir: true });
    for (const child of children) {
      const childRel = path.posix.join(rel, child.name);
      if (child.isDirectory()) visit(childRel);
      else entries.push({ rel: childRel, dir: false });
    }
  };
  for (const dir of SOURCE_DIRS) visit(dir);
  // tsconfig.build.json may be absent: nothing to compare then.
  for (const file of SOURCE_FILES) if (fs.existsSync(path.join(root, file))) entries.push({ rel: file, dir: false });
  return entries;
}

/**
 * The newest modification time among the sources, directories included: adding, removing or renaming
 * a file changes its directory's time, so a deleted module is noticed too. About 2 ms for ~200 files.
 */
function newestSourceTime(root = ROOT) {
  let newest = 0;
  for (const { rel } of sourceEntries(root)) newest = Math.max(newest, fs.statSync(path.join(root, rel)).mtimeMs);
  return newest;
}

/**
 * SHA-256 of every source the build compiles (paths and contents, in path order). Times say nothing in a
 * copy of the checkout (a copied tree, an unpacked GPU bundle: scripts/bench/gpu-bundle.sh), where every
 * file is as new as the copy; the contents still say whether dist/ was built from these sources.
 */
function sourceDigest(root = ROOT) {
  const files = sourceEntries(root)
    .filter((e) => !e.dir)
    .map((e) => e.rel)
    .sort();
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    const content = fs.readFileSync(path.join(root, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

/**
 * { fresh, reason }: fresh when dist/ was built from exactly these sources' versions or later ones: by
 * modification time, or, where a source looks newer, by the digest of the sources the build was made from.
 */
function buildStatus(root = ROOT) {
  if (process.env.INSANERES_FROM_SOURCE === '1') return { fresh: false, reason: 'INSANERES_FROM_SOURCE=1' };
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, 'dist', STAMP_NAME), 'utf8'));
  } catch {
    return { fresh: false, reason: 'no compiled build (npm run build)' };
  }
  const newest = newestSourceTime(root);
  if (typeof stamp.startedAt === 'number' && newest <= stamp.startedAt) return { fresh: true, reason: 'compiled build is current' };
  // Only here is the digest worth its cost (~10 ms): an edited checkout, or a copy with new file times.
  if (typeof stamp.sources === 'string' && stamp.sources === sourceDigest(root)) {
    return { fresh: true, reason: 'compiled build is of these very sources (same digest)' };
  }
  return { fresh: false, reason: 'the compiled build is older than the sources (npm run build)' };
}

module.exports = { ROOT, DIST, STAMP, buildStatus, newestSourceTime, sourceDigest };
