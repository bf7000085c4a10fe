/**
 * A loopback HTTP server that behaves like the Hugging Face Hub for one model repository: the revision
 * and tree APIs (tree paged with `Link: rel="next"`), `resolve` with Range/206, LFS files redirected to a
 * second server on another host name and port (as the Hub sends them to its CDN), 401/404 with
 * `X-Error-Code`, and 429 with Retry-After on request. It records what clients send.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

export const FAKE_REPO = 'tiny-org/tiny-sd-onnx';
export const FAKE_COMMIT = 'c0ffee0000000000000000000000000000c0ffee';

export interface FakeRepoFile {
  path: string;
  content: Buffer;
  lfs: boolean;
}

export interface SeenRequest {
  server: 'hub' | 'cdn';
  path: string;
  authorization?: string;
  range?: string;
  status?: number;
  /** Body bytes sent. */
  sent?: number;
}

export interface FakeHub {
  endpoint: string;
  cdnOrigin: string;
  files: FakeRepoFile[];
  requests: SeenRequest[];
  /** Cut the connection after this many body bytes, on the next request for that path only. */
  cutOnce: Map<string, number>;
  /** Send this many body bytes, then nothing (the connection stays open), on the next request for that path only. */
  stallOnce: Map<string, number>;
  /** Cuts the connection of an answer held by `stallOnce` (the test decides when). */
  cut(path: string): void;
  /** Flip one byte of these paths in every answer. */
  corrupt: Set<string>;
  /** Answer this many requests for a path with 429 first. */
  throttle: Map<string, number>;
  /** Answer Range requests with 200 (a server that ignores Range). */
  ignoreRange: boolean;
  close(): Promise<void>;
}

function walk(dir: string, base = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = base ? `${base}/${e.name}` : e.name;
    return e.isDirectory() ? walk(path.join(dir, e.name), rel) : [rel];
  });
}

/** The model folder as repository files, plus `extra` (PyTorch weights, a README…). ONNX files and binaries are LFS. */
export function repoFromFolder(dir: string, extra: FakeRepoFile[] = []): FakeRepoFile[] {
  const files = walk(dir).map((rel) => ({
    path: rel,
    content: fs.readFileSync(path.join(dir, rel)),
    lfs: /\.onnx(_data)?$|\.safetensors$|\.bin$/.test(rel),
  }));
  return [...files, ...extra].sort((a, b) => a.path.localeCompare(b.path));
}

function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function treeEntries(files: FakeRepoFile[]): object[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries: { path: string; entry: object }[] = [...dirs].map((d) => ({ path: d, entry: { type: 'directory', oid: '0'.repeat(40), size: 0, path: d } }));
  for (const f of files) {
    const entry = f.lfs
      ? { type: 'file', oid: gitBlobSha1(Buffer.from('pointer')), size: 130, path: f.path, lfs: { oid: createHash('sha256').update(f.content).digest('hex'), size: f.content.length, pointerSize: 130 } }
      : { type: 'file', oid: gitBlobSha1(f.content), size: f.content.length, path: f.path };
    entries.push({ path: f.path, entry });
  }
  return entries.sort((a, b) => a.path.localeCompare(b.path)).map((e) => e.entry);
}

function listen(server: http.Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

/** `repo` and `commit` default to FAKE_REPO and FAKE_COMMIT (an alias's repo and pin for panel tests). */
export async function startFakeHub(files: FakeRepoFile[], options: { pageSize?: number; repo?: string; commit?: string } = {}): Promise<FakeHub> {
  const pageSize = options.pageSize ?? 5;
  const repoId = options.repo ?? FAKE_REPO;
  const commitId = options.commit ?? FAKE_COMMIT;
  const entries = treeEntries(files);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const state = {
    requests: [] as SeenRequest[],
    cutOnce: new Map<string, number>(),
    stallOnce: new Map<string, number>(),
    held: new Map<string, http.ServerResponse>(),
    corrupt: new Set<string>(),
    throttle: new Map<string, number>(),
    ignoreRange: false,
  };

  const sendFile = (req: http.IncomingMessage, res: http.ServerResponse, f: FakeRepoFile, seen: SeenRequest): void => {
    let body = f.content;
    if (state.corrupt.has(f.path)) {
      body = Buffer.from(body);
      body[Math.floor(body.length / 2)] ^= 0xff;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !state.ignoreRange) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        seen.status = 416;
        return;
      }
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': body.length - start });
      seen.status = 206;
    } else {
      res.writeHead(200, { 'Content-Length': body.length });
      seen.status = 200;
    }
    const slice = body.subarray(start);
    const cut = state.cutOnce.get(f.path);
    if (cut !== undefined) {
      state.cutOnce.delete(f.path);
      seen.sent = cut;
      res.write(slice.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const stall = state.stallOnce.get(f.path);
    if (stall !== undefined) {
      state.stallOnce.delete(f.path);
      seen.sent = stall;
      state.held.set(f.path, res);
      res.write(slice.subarray(0, stall));
      return;
    }
    seen.sent = slice.length;
    res.end(slice);
  };

  const throttled = (key: string, res: http.ServerResponse, seen: SeenRequest): boolean => {
    const n = state.throttle.get(key) ?? 0;
    if (n <= 0) return false;
    state.throttle.set(key, n - 1);
    seen.status = 429;
    res.writeHead(429, { 'Retry-After': '3' }).end();
    return true;
  };

  const cdn = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cdn');
    const seen: SeenRequest = { server: 'cdn', path: url.pathname, authorization: req.headers.authorization, range: req.headers.range };
    state.requests.push(seen);
    const f = byPath.get(decodeURIComponent(url.pathname.replace(/^\/blobs\//, '')));
    if (!f) return void res.writeHead(404).end();
    sendFile(req, res, f, seen);
  });
  const cdnPort = await listen(cdn, '127.0.0.1');
  // Another host name as well as another port: the token must not follow the redirect.
  const cdnOrigin = `http://localhost:${cdnPort}`;

  const hub = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const seen: SeenRequest = { server: 'hub', path: url.pathname + url.search, authorization: req.headers.authorization, range: req.headers.range };
    state.requests.push(seen);
    const error = (status: number, code: string): void => {
      seen.status = status;
      res.writeHead(status, { 'X-Error-Code': code, 'Content-Type': 'application/json' }).end(JSON.stringify({ error: code }));
    };
    const p = decodeURIComponent(url.pathname);
    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(p);
    if (m) {
      if (m[1] !== repoId) return error(401, 'RepoNotFound');
      if (m[2] !== 'main' && m[2] !== commitId) return error(404, 'RevisionNotFound');
      if (throttled('revision', res, seen)) return;
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: repoId, sha: commitId }));
    }
    m = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(p);
    if (m) {
      if (m[1] !== repoId) return error(401, 'RepoNotFound');
      if (m[2] !== 'main' && m[2] !== commitId) return error(404, 'RevisionNotFound');
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = entries.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (cursor + pageSize < entries.length) {
        headers.Link = `<${endpoint}/api/models/${repoId}/tree/${m[2]}?recursive=true&cursor=${cursor + pageSize}>; rel="next"`;
      }
      return void res.writeHead(200, headers).end(JSON.stringify(page));
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(p);
    if (m) {
      if (m[1] !== repoId) return error(401, 'RepoNotFound');
      if (m[2] !== 'main' && m[2] !== commitId) return error(404, 'RevisionNotFound');
      const f = byPath.get(m[3]);
      if (!f) return error(404, 'EntryNotFound');
      if (throttled(f.path, res, seen)) return;
      if (f.lfs) {
        seen.status = 302;
        return void res.writeHead(302, { Location: `${cdnOrigin}/blobs/${f.path}` }).end();
      }
      return sendFile(req, res, f, seen);
    }
    error(404, 'EntryNotFound');
  });
  const hubPort = await listen(hub, '127.0.0.1');
  const endpoint = `http://127.0.0.1:${hubPort}`;

  const close = async (): Promise<void> => {
    for (const s of [hub, cdn]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  };
  return {
    endpoint,
    cdnOrigin,
    files,
    get requests() {
      return state.requests;
    },
    cutOnce: state.cutOnce,
    stallOnce: state.stallOnce,
    cut: (p: string) => {
      state.held.get(p)?.destroy();
      state.held.delete(p);
    },
    corrupt: state.corrupt,
    throttle: state.throttle,
    get ignoreRange() {
      return state.ignoreRange;
    },
    set ignoreRange(v: boolean) {
      state.ignoreRange = v;
    },
    close,
  };
}
