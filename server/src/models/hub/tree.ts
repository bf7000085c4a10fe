/**
 * The Hub's listing API: a revision resolved to its commit, and the files at that commit
 * (`GET /api/models/{repo}/tree/{commit}?recursive=true`, paged with `Link: <…>; rel="next"`).
 */
import { z } from 'zod';
import { hubHttpError, HubError } from './errors';
import { header, type HubClient } from './http';
import { parseRetryAfter, RetryAfter, withRetries, type RetryPolicy } from './retry';

const treeEntrySchema = z.object({
  type: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative().optional(),
  oid: z.string().optional(),
  lfs: z.object({ oid: z.string(), size: z.number().int().nonnegative() }).optional(),
});

/** One file of the repository at the pinned commit, with what it must hash to. */
export interface RepoFile {
  path: string;
  size: number;
  /** LFS (and Xet) files: the SHA-256 of the content. */
  sha256?: string;
  /** Other files: the git blob SHA-1 (`sha1("blob <size>\0" + content)`). */
  gitSha1?: string;
}

export interface RepoRef {
  repo: string;
  revision: string;
}

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `owner/name[@revision]` → parts; a bad shape is an argument error naming what is accepted. */
export function parseRepoRef(spec: string): RepoRef {
  const at = spec.indexOf('@');
  const repo = at < 0 ? spec : spec.slice(0, at);
  const revision = at < 0 ? 'main' : spec.slice(at + 1);
  if (!REPO_ID.test(repo) || repo.includes('..')) {
    throw new HubError('argument', `"${spec}" is not a Hub repository: expected OWNER/NAME[@REVISION] (e.g. onnx-community/stable-diffusion-v1-5-ONNX) or an alias`);
  }
  if (!revision || /\s|\.\./.test(revision)) {
    throw new HubError('argument', `"${spec}": the revision after @ must be a branch, tag or commit`);
  }
  return { repo, revision };
}

function apiRepoPath(repo: string): string {
  return repo.split('/').map(encodeURIComponent).join('/');
}

function failOn(status: number, headers: Parameters<typeof header>[0], what: string): void {
  if (status === 429) {
    throw new RetryAfter(parseRetryAfter(header(headers, 'retry-after')) ?? 5000, `${what}: HTTP 429`);
  }
  if (status >= 500) throw new Error(`${what}: HTTP ${status}`);
  if (status < 200 || status >= 300) throw hubHttpError(status, header(headers, 'x-error-code'), what);
}

/** The commit a branch/tag/commit names right now (`GET /api/models/{repo}/revision/{revision}` → sha). */
export async function resolveCommit(client: HubClient, ref: RepoRef, retry: RetryPolicy, signal?: AbortSignal): Promise<string> {
  const what = `${ref.repo}@${ref.revision}`;
  return withRetries(what, retry, async () => {
    const url = client.url(`/api/models/${apiRepoPath(ref.repo)}/revision/${encodeURIComponent(ref.revision)}`);
    const { status, headers, json } = await client.getJson(url, signal);
    failOn(status, headers, what);
    const sha = (json as { sha?: unknown } | null)?.sha;
    if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) {
      throw new HubError('download', `${what}: the Hub's answer names no commit (expected {"sha": "<40 hex digits>"})`);
    }
    return sha;
  }, signal);
}

/** `<url>; rel="next"` from a Link header, made absolute. */
export function nextLink(link: string | undefined, base: string): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return new URL(m[1], base).toString();
  }
  return null;
}

/** Every file in the repository at `commit` (folders dropped), following the pages. */
export async function listTree(client: HubClient, repo: string, commit: string, retry: RetryPolicy, signal?: AbortSignal): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  let url: string | null = client.url(`/api/models/${apiRepoPath(repo)}/tree/${commit}?recursive=true`);
  const what = `file list of ${repo}@${commit.slice(0, 12)}`;
  for (let page = 0; url && page < 10_000; page++) {
    const pageUrl: string = url;
    const { headers, json } = await withRetries(what, retry, async () => {
      const res = await client.getJson(pageUrl, signal);
      failOn(res.status, res.headers, what);
      return res;
    }, signal);
    const entries = z.array(treeEntrySchema).safeParse(json);
    if (!entries.success) throw new HubError('download', `${what}: the Hub's answer is not a list of {type, path, size, oid, lfs?}`);
    for (const e of entries.data) {
      if (e.type !== 'file') continue;
      if (e.lfs) files.push({ path: e.path, size: e.lfs.size, sha256: e.lfs.oid });
      else files.push({ path: e.path, size: e.size ?? 0, gitSha1: e.oid });
    }
    url = nextLink(header(headers, 'link'), pageUrl);
  }
  return files;
}

export function resolveUrl(client: HubClient, repo: string, commit: string, file: string): string {
  return client.url(`/${apiRepoPath(repo)}/resolve/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`);
}
