/**
 * Generated models shared by every test file and jest worker of one run, instead of made again in each file
 * (in jest's sandbox a tiny model variant costs 0.1–0.4 s of CPU and the reduced full-size model 1 s; ~25
 * files ask for the same few). The cache sits in the run's temporary INSANERES_HOME (test/helpers/global-setup.js), which
 * global-teardown.js removes, so nothing outlives the run. An entry's key holds the generator's options, the
 * folder name and a hash of the generator's source files (its module and all it imports), so an edited
 * generator never reuses an older model. One worker makes an entry while the others wait on a lock (a
 * folder holding its pid, taken over if that process died); the entry is written under a temporary name
 * and renamed, so a folder that exists is complete.
 *
 * A cached folder is shared: a test that changes a model copies it first (fs.cpSync). A test file that
 * writes into one anyway fails at its end (each folder's files are compared with what they were when the
 * file first got it), before another file trips over the change.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Shared folders this test file got, with their fingerprint then. */
const used = new Map<string, string>();
// Registered in every test file that imports this module (jest gives each file its own module registry).
afterAll(() => {
  const folders = [...used];
  used.clear();
  for (const [dir, before] of folders) guardUnchanged(dir, before);
});

/** The run's cache folder, or null outside a run's own temporary home (a caller-set INSANERES_HOME). */
export function cacheRoot(): string | null {
  const home = process.env.INSANERES_TEST_HOME;
  return home && home === process.env.INSANERES_HOME ? path.join(home, 'model-cache') : null;
}

/** `entry` and every module it imports by relative path, transitively (sorted absolute paths). */
export function moduleSources(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import|require\()\s*'(\.{1,2}\/[^']+)'/g)) visit(resolveModule(path.dirname(file), match[1]));
  };
  visit(entry);
  return [...seen].sort();
}

function resolveModule(dir: string, specifier: string): string {
  const base = path.resolve(dir, specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`model cache: cannot resolve '${specifier}' from ${dir}`);
}

const sourceHashes = new Map<string, string>();

/** sha256 over the generator's sources (path and content of each), once per entry module per test file. */
function sourceHash(entry: string): string {
  let hash = sourceHashes.get(entry);
  if (!hash) {
    const digest = createHash('sha256');
    for (const file of moduleSources(entry)) digest.update(`${path.relative(entry, file)}\0${fs.readFileSync(file, 'utf8')}\0`);
    hash = digest.digest('hex');
    sourceHashes.set(entry, hash);
  }
  return hash;
}

/** JSON with object keys sorted: the same options in another order are the same key. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface CachedModelRequest {
  /** The generator's entry module: its sources (and their imports) are part of the key. */
  generator: string;
  /** Everything else the output depends on (resolved options). */
  options: unknown;
  /** The model folder's name (servers show it as the model's name). */
  name: string;
  /** Writes the model into the given folder. */
  make(dir: string): Promise<unknown> | unknown;
}

/** The model's folder in the run's cache (made now if no worker made it yet), or null when there is no cache. */
export async function cachedModel(request: CachedModelRequest): Promise<string | null> {
  const root = cacheRoot();
  if (!root) return null;
  const key = createHash('sha256').update(`${sourceHash(request.generator)}\0${canonical(request.options)}\0${request.name}`).digest('hex').slice(0, 20);
  const entry = path.join(root, `${path.basename(request.generator, '.ts')}-${key}`);
  const dir = path.join(entry, request.name);
  fs.mkdirSync(root, { recursive: true });
  // Workers starting together ask for the same model: one makes it, the others wait for its rename.
  if (await takeLock(entry)) await makeEntry(entry, request);
  if (!used.has(dir)) used.set(dir, fingerprint(dir));
  return dir;
}

async function makeEntry(entry: string, request: CachedModelRequest): Promise<void> {
  const staging = fs.mkdtempSync(`${entry}.tmp-`);
  try {
    await request.make(path.join(staging, request.name));
    try {
      fs.renameSync(staging, entry);
    } catch (err) {
      // Two owners after a takeover: the other renamed its identical copy first (ENOTEMPTY; EPERM on Windows).
      if (!fs.existsSync(entry)) throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(`${entry}.lock`, { recursive: true, force: true });
  }
}

const LOCK_POLL_MS = 50;
/** A lock whose owner has not written its pid within this long is an owner that died while taking it. */
const LOCK_STARTING_MS = 10_000;

/** True: this process holds `${entry}.lock` and must make the entry. False: the entry exists. */
async function takeLock(entry: string): Promise<boolean> {
  const lock = `${entry}.lock`;
  for (;;) {
    if (fs.existsSync(entry)) return false;
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      // The owner may have renamed its entry and let go between our check and our mkdir.
      if (!fs.existsSync(entry)) return true;
      fs.rmSync(lock, { recursive: true, force: true });
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockOwnerGone(lock)) fs.rmSync(lock, { recursive: true, force: true });
    else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** The lock's owner died (a killed worker) without letting go. */
function lockOwnerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    try {
      return Date.now() - fs.statSync(lock).mtimeMs > LOCK_STARTING_MS;
    } catch {
      return false; // let go just now: the next round sees the entry
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Relative path, size and modification time of every file under `dir`: what a write into it changes. */
function fingerprint(dir: string): string {
  const lines: string[] = [];
  const walk = (sub: string): void => {
    for (const item of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const relative = path.join(sub, item.name);
      const stat = fs.lstatSync(path.join(dir, relative));
      if (item.isDirectory()) walk(relative);
      else lines.push(`${relative} ${item.isFile() ? 'file' : 'other'} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk('');
  return lines.join('\n');
}

/**
 * Throws naming the first difference when a shared folder's files changed since `before` was taken: a test
 * wrote into a model every other file uses. (Copy it first: fs.cpSync(model, copy, { recursive: true }).)
 */
function guardUnchanged(dir: string, before: string): void {
  const after = fs.existsSync(dir) ? fingerprint(dir) : '(folder removed)';
  if (after === before) return;
  const was = before.split('\n');
  const now = after.split('\n');
  const differs = now.find((line) => !was.includes(line)) ?? was.find((line) => !now.includes(line));
  throw new Error(`a test changed the shared generated model ${dir} (${differs}): copy it and change the copy`);
}
