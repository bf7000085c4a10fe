import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildStatus, sourceDigest } = require('../../../../scripts/build/freshness.js') as {
  buildStatus(root: string): { fresh: boolean; reason: string };
  sourceDigest(root: string): string;
};

/** A project folder with one source file and, optionally, a build stamp taken at `stampAt` (ms). */
function project(stampAt: number | null): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-fresh-'));
  for (const dir of ['server/src/engine', 'shared/src', 'scripts/tiny-model', 'scripts/bench', 'dist']) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  fs.writeFileSync(path.join(root, 'server/src/engine/worker.ts'), 'export {};\n');
  fs.writeFileSync(path.join(root, 'package.json'), '{}\n');
  // Every source and folder a minute old, so the stamp's time alone decides.
  const old = new Date(Date.now() - 60_000);
  const age = (p: string): void => {
    fs.utimesSync(p, old, old);
    if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) if (e !== 'dist') age(path.join(p, e));
  };
  for (const e of fs.readdirSync(root)) if (e !== 'dist') age(path.join(root, e));
  if (stampAt !== null) fs.writeFileSync(path.join(root, 'dist/.insaneres-build.json'), JSON.stringify({ startedAt: stampAt }));
  return root;
}

describe('compiled build freshness (bin/insaneres.js runs dist/ only when current)', () => {
  const saved = process.env.INSANERES_FROM_SOURCE;
  beforeEach(() => delete process.env.INSANERES_FROM_SOURCE);
  afterAll(() => {
    if (saved === undefined) delete process.env.INSANERES_FROM_SOURCE;
    else process.env.INSANERES_FROM_SOURCE = saved;
  });

  it('is current when built after the last source change', () => {
    expect(buildStatus(project(Date.now())).fresh).toBe(true);
  });

  it('is stale without a build stamp (never built, or the build failed)', () => {
    expect(buildStatus(project(null))).toMatchObject({ fresh: false, reason: expect.stringContaining('no compiled build') });
  });

  it('is stale when a source is edited after the build started', () => {
    const root = project(Date.now() - 30_000);
    expect(buildStatus(root).fresh).toBe(true);
    fs.writeFileSync(path.join(root, 'server/src/engine/worker.ts'), 'export const x = 1;\n');
    expect(buildStatus(root)).toMatchObject({ fresh: false, reason: expect.stringContaining('older than the sources') });
  });

  it('is stale when a source file is added or removed (the folder changes)', () => {
    const root = project(Date.now() - 30_000);
    fs.rmSync(path.join(root, 'server/src/engine/worker.ts'));
    expect(buildStatus(root).fresh).toBe(false);
  });

  it('is stale when package.json changes, and whenever INSANERES_FROM_SOURCE=1', () => {
    const root = project(Date.now() - 30_000);
    process.env.INSANERES_FROM_SOURCE = '1';
    expect(buildStatus(root).fresh).toBe(false);
    delete process.env.INSANERES_FROM_SOURCE;
    fs.writeFileSync(path.join(root, 'package.json'), '{"name":"x"}\n');
    expect(buildStatus(root).fresh).toBe(false);
  });

  it('is current in a copy of the tree (every file newer than the build) while the contents match the digest', () => {
    const root = project(null);
    fs.writeFileSync(path.join(root, 'dist/.insaneres-build.json'), JSON.stringify({ startedAt: Date.now() - 120_000, sources: sourceDigest(root) }));
    // What a copy does: every file and folder as new as the copy, the contents unchanged.
    const now = new Date();
    for (const p of ['server/src/engine/worker.ts', 'server/src/engine', 'server/src', 'package.json']) fs.utimesSync(path.join(root, p), now, now);
    expect(buildStatus(root)).toMatchObject({ fresh: true, reason: expect.stringContaining('same digest') });
    fs.writeFileSync(path.join(root, 'server/src/engine/worker.ts'), 'export const edited = 1;\n');
    expect(buildStatus(root)).toMatchObject({ fresh: false, reason: expect.stringContaining('older than the sources') });
    fs.writeFileSync(path.join(root, 'server/src/engine/worker.ts'), 'export {};\n');
    fs.writeFileSync(path.join(root, 'server/src/engine/added.ts'), 'export {};\n');
    expect(buildStatus(root).fresh).toBe(false);
  });
});
