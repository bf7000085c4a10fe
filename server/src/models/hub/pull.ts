/**
 * `pull`: a Hub repository (or an alias) into `<modelsDir>/<name>`. The revision is pinned to a commit
 * first; only the ONNX layout's files are fetched; free space is checked before the first byte; files
 * land in `<modelsDir>/.incoming/<name>` (hidden from the model listing), each verified before it is
 * renamed into place; the manifest is written last and the folder renamed into the models folder, so a
 * model is listed only once it is complete. An interrupted pull resumes from what arrived.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findAlias, formatBytes, type Alias } from './aliases';
import { HubError } from './errors';
import { fetchFile } from './fetch-file';
import { isModelFile, missingOnnxParts } from './filter';
import { checkFile } from './hash';
import { HubClient } from './http';
import { incomingDir, MANIFEST_FILE, readManifest, STAGING_MARK, writeManifest, type Manifest } from './manifest';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';
import { listTree, parseRepoRef, resolveCommit, resolveUrl, type RepoFile } from './tree';

export interface PullProgress {
  phase: 'resolving' | 'listing' | 'downloading' | 'done';
  /** The file being fetched (repository path). */
  file?: string;
  /** 1-based index of that file. */
  fileIndex: number;
  fileCount: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface PullOptions {
  /** `OWNER/NAME[@REVISION]` or an alias from the catalogue. */
  spec: string;
  modelsDir: string;
  /** The folder name under modelsDir (default: the alias, or the repository's name). */
  name?: string;
  /** The licence of a non-permissive alias was accepted (flag or request field). */
  acceptLicense?: boolean;
  /** Asked when the licence was not accepted up front (a terminal prompt); absent → refuse. */
  confirmLicense?: (alias: Alias) => Promise<boolean>;
  client?: HubClient;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  /** A line for the user (retries, skipped files). */
  onNote?: (line: string) => void;
  /** Free bytes where `dir` lives (default: fs.statfs). */
  freeBytes?: (dir: string) => Promise<number>;
}

export interface PullResult {
  name: string;
  dir: string;
  repo: string;
  commit: string;
  files: number;
  bytes: number;
  /** The same repo@commit was already installed under that name: nothing was fetched. */
  alreadyInstalled: boolean;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** A folder name that is safe on NTFS, APFS and ext4 alike. */
export function checkModelName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(name) || name.endsWith('.') || WINDOWS_RESERVED.test(name)) {
    throw new HubError('argument', `--name "${name}" is not a usable folder name: use 1–80 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return name;
}

/** Margin kept free beyond the download itself: a full disk breaks more than this pull. */
function spaceMargin(total: number): number {
  return Math.max(64 * 1024 * 1024, Math.round(total * 0.02));
}

async function statfsFree(dir: string): Promise<number> {
  const s = await fs.promises.statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

async function sizeOnDisk(file: string): Promise<number> {
  try {
    return (await fs.promises.stat(file)).size;
  } catch {
    return 0;
  }
}

interface Target {
  repo: string;
  revision: string;
  alias?: Alias;
}

function target(spec: string): Target {
  const alias = findAlias(spec);
  if (alias) return { repo: alias.repo, revision: alias.commit.length === 40 ? alias.commit : alias.revision, alias };
  return parseRepoRef(spec);
}

async function acceptLicence(options: PullOptions, alias: Alias | undefined): Promise<void> {
  if (!alias || alias.permissive || options.acceptLicense) return;
  if (options.confirmLicense && (await options.confirmLicense(alias))) return;
  throw new HubError('argument', licenceMessage(alias));
}

/** What can be checked without the network: the spec, the name, an alias's licence accepted up front. */
export function checkPullRequest(request: { spec: string; name?: string; acceptLicense?: boolean }): { target: Target; name: string } {
  const t = target(request.spec);
  const name = checkModelName(request.name ?? t.alias?.alias ?? t.repo.split('/')[1]);
  if (t.alias && !t.alias.permissive && !request.acceptLicense) {
    throw new HubError('argument', licenceMessage(t.alias));
  }
  return { target: t, name };
}

function licenceMessage(alias: Alias): string {
  return `${alias.alias} is under the ${alias.license} licence (${alias.licenseUrl}): read it, then accept it (--accept-license on the command line, "acceptLicense": true over HTTP)`;
}

export async function pull(options: PullOptions): Promise<PullResult> {
  const t = target(options.spec);
  const name = checkModelName(options.name ?? t.alias?.alias ?? t.repo.split('/')[1]);
  const modelsDir = path.resolve(options.modelsDir);
  await acceptLicence(options, t.alias);
  const client = options.client ?? new HubClient();
  const retry = options.retry ?? DEFAULT_RETRY;
  const { signal } = options;
  const report = (p: PullProgress): void => options.onProgress?.(p);
  try {
    report({ phase: 'resolving', fileIndex: 0, fileCount: 0, bytesDone: 0, bytesTotal: 0 });
    const commit = await resolveCommit(client, { repo: t.repo, revision: t.revision }, retry, signal);
    if (t.alias && !commit.startsWith(t.alias.commit)) {
      throw new HubError(
        'argument',
        `${t.alias.alias} is pinned to ${t.repo}@${t.alias.commit}, but ${t.alias.revision} is now ${commit.slice(0, 12)}: the upstream moved; pull ${t.repo}@${commit} explicitly if you trust it`,
      );
    }
    const dir = path.join(modelsDir, name);
    if (fs.existsSync(dir)) {
      let existing: Manifest | null = null;
      try {
        existing = readManifest(dir);
      } catch {
        existing = null;
      }
      if (existing && existing.repo === t.repo && existing.commit === commit) {
        const bytes = existing.files.reduce((s, f) => s + f.size, 0);
        report({ phase: 'done', fileIndex: existing.files.length, fileCount: existing.files.length, bytesDone: bytes, bytesTotal: bytes });
        return { name, dir, repo: t.repo, commit, files: existing.files.length, bytes, alreadyInstalled: true };
      }
      throw new HubError('argument', `a model named "${name}" is already in ${modelsDir}: remove it (insaneres remove ${name}) or choose another --name`);
    }

    report({ phase: 'listing', fileIndex: 0, fileCount: 0, bytesDone: 0, bytesTotal: 0 });
    const all = await listTree(client, t.repo, commit, retry, signal);
    const files = all.filter((f) => isModelFile(f.path));
    const missing = missingOnnxParts(files.map((f) => f.path));
    if (missing.length > 0) {
      throw new HubError('argument', `${t.repo}@${commit.slice(0, 12)} is not a diffusers/optimum ONNX export: it lacks ${missing.join(', ')}`);
    }
    const bytesTotal = files.reduce((s, f) => s + f.size, 0);

    const staging = incomingDir(modelsDir, name);
    await prepareStaging(staging, t.repo, commit);
    // What already arrived (verified files and parts) does not need space again.
    let present = 0;
    for (const f of files) {
      const dest = path.join(staging, f.path);
      present += Math.min(f.size, (await sizeOnDisk(dest)) || (await sizeOnDisk(`${dest}.part`)));
    }
    const needed = bytesTotal - present;
    const free = await (options.freeBytes ?? statfsFree)(staging);
    if (free < needed + spaceMargin(bytesTotal)) {
      throw new HubError(
        'download',
        `not enough free disk space in ${modelsDir}: the pull needs ${formatBytes(needed)} more (plus ${formatBytes(spaceMargin(bytesTotal))} kept free), ${formatBytes(free)} is free; nothing was downloaded`,
      );
    }

    let bytesDone = 0;
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const dest = path.join(staging, f.path);
      const progress = (): PullProgress => ({ phase: 'downloading', file: f.path, fileIndex: i + 1, fileCount: files.length, bytesDone, bytesTotal });
      report(progress());
      if ((await sizeOnDisk(dest)) === f.size && fs.existsSync(dest) && (await checkFile(dest, f)) === null) {
        bytesDone += f.size;
        continue;
      }
      await fs.promises.rm(dest, { force: true });
      await fetchFile({
        client,
        url: resolveUrl(client, t.repo, commit, f.path),
        dest,
        file: f,
        retry,
        signal,
        onBytes: (delta) => {
          bytesDone += delta;
          report(progress());
        },
        onRetry: (reason, waitMs) => options.onNote?.(`${f.path}: ${reason}; retrying in ${Math.round(waitMs / 1000)} s`),
      });
    }
    bytesDone = bytesTotal;

    const manifest: Manifest = {
      format: 1,
      complete: true,
      repo: t.repo,
      revision: t.alias ? t.alias.revision : t.revision,
      commit,
      ...(t.alias ? { alias: t.alias.alias, license: t.alias.license } : {}),
      endpoint: client.endpoint,
      pulledAt: new Date().toISOString(),
      files: files.map(manifestEntry),
    };
    await fs.promises.rm(path.join(staging, STAGING_MARK), { force: true });
    writeManifest(staging, manifest);
    await fs.promises.rename(staging, dir);
    await fs.promises.rmdir(path.dirname(staging)).catch(() => undefined);
    report({ phase: 'done', fileIndex: files.length, fileCount: files.length, bytesDone, bytesTotal });
    return { name, dir, repo: t.repo, commit, files: files.length, bytes: bytesTotal, alreadyInstalled: false };
  } catch (err) {
    if (signal?.aborted && !(err instanceof HubError && err.kind === 'cancelled')) throw new HubError('cancelled', 'cancelled');
    throw err;
  } finally {
    if (!options.client) await client.close();
  }
}

function manifestEntry(f: RepoFile): Manifest['files'][number] {
  return { path: f.path, size: f.size, ...(f.sha256 ? { sha256: f.sha256 } : {}), ...(f.gitSha1 ? { gitSha1: f.gitSha1 } : {}) };
}


async function prepareStaging(staging: string, repo: string, commit: string): Promise<void> {
  const mark = path.join(staging, STAGING_MARK);
  let same = false;
  try {
    const m = JSON.parse(await fs.promises.readFile(mark, 'utf8')) as { repo?: string; commit?: string };
    same = m.repo === repo && m.commit === commit;
  } catch {
    same = false;
  }
  if (!same) await fs.promises.rm(staging, { recursive: true, force: true });
  await fs.promises.mkdir(staging, { recursive: true });
  await fs.promises.writeFile(mark, JSON.stringify({ repo, commit }));
}

export { MANIFEST_FILE };
