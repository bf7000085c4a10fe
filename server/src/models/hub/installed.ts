/** The models in a models folder as `models`, `verify` and `remove` see them. */
import * as fs from 'fs';
import * as path from 'path';
import { HubError } from './errors';
import { fetchFile } from './fetch-file';
import { checkFile } from './hash';
import { HubClient } from './http';
import { readManifest, writeManifest, type Manifest } from './manifest';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';
import { resolveUrl } from './tree';

export interface InstalledModel {
  name: string;
  dir: string;
  bytes: number;
  /** From the manifest; null for a folder put there by hand. */
  manifest: Manifest | null;
  /** Why the folder is not served (an incomplete or unreadable manifest), or null. */
  problem: string | null;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(p);
    else if (entry.isFile()) total += (await fs.promises.stat(p)).size;
  }
  return total;
}

/** Every visible folder of `modelsDir` that looks like a model (a unet/model.onnx) or carries a manifest. */
export async function listInstalled(modelsDir: string): Promise<InstalledModel[]> {
  const abs = path.resolve(modelsDir);
  if (!fs.existsSync(abs)) return [];
  const out: InstalledModel[] = [];
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = path.join(abs, entry.name);
    let manifest: Manifest | null = null;
    let problem: string | null = null;
    try {
      manifest = readManifest(dir);
    } catch (err) {
      problem = (err as Error).message;
    }
    if (!manifest && !problem && !fs.existsSync(path.join(dir, 'unet', 'model.onnx'))) continue;
    out.push({ name: entry.name, dir, bytes: await folderBytes(dir), manifest, problem });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function findInstalledDir(modelsDir: string, name: string): string {
  const dir = path.join(path.resolve(modelsDir), name);
  if (name.startsWith('.') || name.includes('/') || name.includes('\\') || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    const names = fs.existsSync(modelsDir)
      ? fs.readdirSync(modelsDir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name)
      : [];
    throw new HubError('argument', `no model named "${name}" in ${path.resolve(modelsDir)} (installed: ${names.join(', ') || 'none'})`);
  }
  return dir;
}

export interface VerifyResult {
  checked: number;
  /** Repository paths that did not match, with why. */
  bad: { path: string; reason: string }[];
  repaired: string[];
}

export interface VerifyOptions {
  repair?: boolean;
  client?: HubClient;
  retry?: RetryPolicy;
  onFile?: (index: number, count: number, file: string) => void;
  onNote?: (line: string) => void;
}

/** Re-hashes every file the manifest lists; with `repair`, fetches the bad ones again from the pinned commit. */
export async function verifyModel(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  let manifest: Manifest | null;
  try {
    manifest = readManifest(dir);
  } catch (err) {
    throw new HubError('argument', `${path.basename(dir)}: ${(err as Error).message}`);
  }
  if (!manifest) {
    throw new HubError('argument', `${path.basename(dir)} has no InsaneRes manifest (it was not pulled with insaneres pull), so there is nothing to verify it against`);
  }
  const result: VerifyResult = { checked: 0, bad: [], repaired: [] };
  for (let i = 0; i < manifest.files.length; i++) {
    const f = manifest.files[i];
    options.onFile?.(i + 1, manifest.files.length, f.path);
    const reason = await checkFile(path.join(dir, f.path), f);
    result.checked++;
    if (reason) result.bad.push({ path: f.path, reason });
  }
  if (result.bad.length > 0 && options.repair) {
    const client = options.client ?? new HubClient({ endpoint: manifest.endpoint });
    try {
      for (const bad of result.bad) {
        const f = manifest.files.find((x) => x.path === bad.path)!;
        const dest = path.join(dir, f.path);
        // The bad file stays until a verified replacement is renamed over it.
        await fs.promises.rm(`${dest}.part`, { force: true });
        await fetchFile({ client, url: resolveUrl(client, manifest.repo, manifest.commit, f.path), dest, file: f, retry: options.retry ?? DEFAULT_RETRY, onRetry: (r, w) => options.onNote?.(`${f.path}: ${r}; retrying in ${Math.round(w / 1000)} s`) });
        result.repaired.push(f.path);
      }
    } finally {
      if (!options.client) await client.close();
    }
  }
  if (result.bad.length === 0 || result.repaired.length === result.bad.length) {
    writeManifest(dir, { ...manifest, verifiedAt: new Date().toISOString() });
  }
  return result;
}

/**
 * Deletes a model folder. It is first renamed to a hidden name (one atomic step), so a removal cut short
 * never leaves a half-deleted folder in the listing.
 */
export async function removeModel(dir: string): Promise<void> {
  const hidden = path.join(path.dirname(dir), `.removing-${path.basename(dir)}-${process.pid}`);
  await fs.promises.rename(dir, hidden);
  await fs.promises.rm(hidden, { recursive: true, force: true });
}
