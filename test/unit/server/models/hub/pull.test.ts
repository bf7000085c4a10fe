/** The downloader against a loopback Hub serving the tiny model as a repository. */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { HubError } from '../../../../../server/src/models/hub/errors';
import { HubClient } from '../../../../../server/src/models/hub/http';
import { listInstalled, removeModel, verifyModel } from '../../../../../server/src/models/hub/installed';
import { MANIFEST_FILE, readManifest } from '../../../../../server/src/models/hub/manifest';
import { pull, type PullOptions } from '../../../../../server/src/models/hub/pull';
import type { RetryPolicy } from '../../../../../server/src/models/hub/retry';
import { inspectModelFolder, listModelFolders } from '../../../../../server/src/runtime/model-folder';
import { FAKE_COMMIT, FAKE_REPO, repoFromFolder, startFakeHub, type FakeHub } from '../../../../helpers/fake-hub';
import { tempDir, tinyModel } from '../../../../helpers/tiny-model';

const TOKEN = 'hf_test_token_123';
const EXTRA = [
  { path: 'unet/diffusion_pytorch_model.safetensors', content: Buffer.alloc(4096, 7), lfs: true },
  { path: 'text_encoder/model.safetensors', content: Buffer.alloc(2048, 3), lfs: true },
  { path: 'safety_checker/model.onnx', content: Buffer.alloc(1024, 9), lfs: true },
  { path: 'controlnet/model.onnx', content: Buffer.alloc(512, 1), lfs: true },
  { path: 'README.md', content: Buffer.from('# tiny\n'), lfs: false },
  { path: 'sample.png', content: Buffer.alloc(100, 2), lfs: true },
];

let hub: FakeHub;
let source: string;
let sleeps: number[];

const retry = (): RetryPolicy => ({
  attempts: 4,
  backoffMs: 0,
  maxBackoffMs: 0,
  maxRetryAfterMs: 60_000,
  sleep: async (ms) => {
    sleeps.push(ms);
  },
});

function options(modelsDir: string, extra: Partial<PullOptions> = {}): PullOptions {
  return {
    spec: FAKE_REPO,
    modelsDir,
    client: new HubClient({ endpoint: hub.endpoint, token: TOKEN, stallMs: 5000 }, {}),
    retry: retry(),
    freeBytes: async () => 1e12,
    ...extra,
  };
}

const fileRequests = (p: string): typeof hub.requests => hub.requests.filter((r) => r.path.endsWith(`/${p}`));

beforeAll(async () => {
  source = await tinyModel({ externalData: true });
  hub = await startFakeHub(repoFromFolder(source, EXTRA), { pageSize: 4 });
});
afterAll(() => hub.close());
beforeEach(() => {
  hub.requests.length = 0;
  hub.cutOnce.clear();
  hub.stallOnce.clear();
  hub.corrupt.clear();
  hub.throttle.clear();
  hub.ignoreRange = false;
  sleeps = [];
});

test('a clean pull fetches exactly the ONNX layout, pinned to the commit, token only to the Hub', async () => {
  const modelsDir = tempDir('hub');
  const result = await pull(options(modelsDir, { name: 'tiny' }));
  const dir = path.join(modelsDir, 'tiny');
  expect(result).toMatchObject({ name: 'tiny', dir, repo: FAKE_REPO, commit: FAKE_COMMIT, alreadyInstalled: false });

  // Every file of the model arrived byte for byte; nothing else did.
  const wanted = hub.files.filter((f) => !EXTRA.some((e) => e.path === f.path));
  for (const f of wanted) expect(fs.readFileSync(path.join(dir, f.path)).equals(f.content)).toBe(true);
  for (const e of EXTRA) {
    expect(fs.existsSync(path.join(dir, e.path))).toBe(false);
    expect(fileRequests(e.path)).toHaveLength(0);
  }
  expect(fs.existsSync(path.join(dir, 'unet', 'model.onnx_data'))).toBe(true);

  // Files were asked for at the pinned commit, and the tree was followed across pages.
  const resolves = hub.requests.filter((r) => r.path.includes('/resolve/'));
  expect(resolves.length).toBe(wanted.length);
  for (const r of resolves) expect(r.path).toContain(`/resolve/${FAKE_COMMIT}/`);
  expect(hub.requests.filter((r) => r.path.includes('/tree/')).length).toBeGreaterThan(2);

  // The token went to every Hub request and to no CDN request (LFS files came through the redirect).
  const cdn = hub.requests.filter((r) => r.server === 'cdn');
  expect(cdn.length).toBeGreaterThan(0);
  for (const r of cdn) expect(r.authorization).toBeUndefined();
  for (const r of hub.requests.filter((x) => x.server === 'hub')) expect(r.authorization).toBe(`Bearer ${TOKEN}`);

  const manifest = readManifest(dir)!;
  expect(manifest).toMatchObject({ complete: true, repo: FAKE_REPO, commit: FAKE_COMMIT, revision: 'main' });
  expect(manifest.files.map((f) => f.path).sort()).toEqual(wanted.map((f) => f.path).sort());
  expect(fs.existsSync(path.join(modelsDir, '.incoming'))).toBe(false);
  expect(listModelFolders(modelsDir)).toEqual([dir]);
  expect(inspectModelFolder(dir).name).toBe('tiny');

  // The same pull again is a no-op.
  hub.requests.length = 0;
  expect((await pull(options(modelsDir, { name: 'tiny' }))).alreadyInstalled).toBe(true);
  expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toHaveLength(0);
});

test('a connection cut mid-file resumes with Range from what arrived', async () => {
  const modelsDir = tempDir('hub');
  const file = 'unet/model.onnx_data';
  const size = hub.files.find((f) => f.path === file)!.content.length;
  const cut = Math.floor(size / 3);
  // The answer stops after `cut` bytes; once they are on disk, the connection is cut.
  hub.stallOnce.set(file, cut);
  let failed: unknown = null;
  const pulling = pull(options(modelsDir, { name: 'tiny' }));
  pulling.catch((err: unknown) => (failed = err));
  const part = path.join(modelsDir, '.incoming', 'tiny', `${file}.part`);
  while (!failed && (!fs.existsSync(part) || fs.statSync(part).size < cut)) await new Promise((r) => setTimeout(r, 10));
  hub.cut(file);
  await pulling;
  const cdn = fileRequests(file).filter((r) => r.server === 'cdn');
  const summary = JSON.stringify(cdn);
  expect(cdn[0].range).toBeUndefined();
  // The retry asks for the rest from what arrived, and gets a 206 for it.
  const start = Number(/^bytes=(\d+)-$/.exec(cdn[1]?.range ?? '')?.[1]);
  expect({ start, summary }).toEqual({ start: cut, summary });
  expect(cdn[1].status).toBe(206);
  // What arrived was not fetched again: the two answers add up to the file.
  const sent = cdn.reduce((total, r) => total + (r.sent ?? 0), 0);
  expect({ sent, summary }).toEqual({ sent: size, summary });
  expect(fs.readFileSync(path.join(modelsDir, 'tiny', file)).equals(hub.files.find((f) => f.path === file)!.content)).toBe(true);
});

test('a stall (no byte for stallMs) is retried with Range from what arrived', async () => {
  const modelsDir = tempDir('hub');
  const file = 'unet/model.onnx_data';
  const content = hub.files.find((f) => f.path === file)!.content;
  hub.stallOnce.set(file, 4096);
  const client = new HubClient({ endpoint: hub.endpoint, stallMs: 1000 }, {});
  await pull(options(modelsDir, { name: 'tiny', client }));
  await client.close();
  const cdn = fileRequests(file).filter((r) => r.server === 'cdn');
  expect(cdn.map((r) => r.range)).toEqual([undefined, 'bytes=4096-']);
  expect(sleeps.length).toBeGreaterThan(0);
  expect(fs.readFileSync(path.join(modelsDir, 'tiny', file)).equals(content)).toBe(true);
});

test('standard proxy variables route the Hub requests through the proxy', async () => {
  // A minimal forward proxy: undici tunnels through it with CONNECT.
  const seen: string[] = [];
  const proxy = http.createServer();
  proxy.on('connect', (req, socket: net.Socket, head) => {
    seen.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  const client = new HubClient({ endpoint: hub.endpoint }, { HTTP_PROXY: proxyUrl });
  try {
    await pull(options(tempDir('hub'), { name: 'tiny', client }));
  } finally {
    await client.close();
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
  expect(seen).toContain(new URL(hub.endpoint).host);
  expect(seen).toContain(new URL(hub.cdnOrigin).host);
});

test('an alias is pulled at its pinned commit, and refused when its branch moved away from the pin', async () => {
  const pinned = await startFakeHub(hub.files, { repo: 'SimianLuo/LCM_Dreamshaper_v7', commit: 'a85df6a8bd976cdd08b4fd8f3b73f229c9e54df5' });
  const moved = await startFakeHub(hub.files, { repo: 'onnx-community/stable-diffusion-v1-5-ONNX', commit: 'ffffffffffffffffffffffffffffffffffffffff' });
  try {
    const dir = tempDir('hub');
    const ok = await pull(options(dir, { spec: 'lcm-dreamshaper-v7', client: new HubClient({ endpoint: pinned.endpoint }, {}) }));
    expect(ok).toMatchObject({ name: 'lcm-dreamshaper-v7', commit: 'a85df6a8bd976cdd08b4fd8f3b73f229c9e54df5' });
    // A full-SHA pin is asked for by its commit, not by the branch.
    expect(pinned.requests[0].path).toContain('/revision/a85df6a8bd976cdd08b4fd8f3b73f229c9e54df5');
    expect(readManifest(path.join(dir, 'lcm-dreamshaper-v7'))).toMatchObject({ alias: 'lcm-dreamshaper-v7', license: 'mit' });
    const err = await pull(options(dir, { spec: 'sd15', acceptLicense: true, client: new HubClient({ endpoint: moved.endpoint }, {}) })).catch((e: unknown) => e);
    expect((err as HubError).kind).toBe('argument');
    expect((err as Error).message).toMatch(/pinned to onnx-community\/stable-diffusion-v1-5-ONNX@90ff1f1.*now ffffffffffff/);
    expect(moved.requests.filter((r) => r.path.includes('/resolve/'))).toHaveLength(0);
  } finally {
    await pinned.close();
    await moved.close();
  }
});

test('a server that ignores Range gets the file restarted, not appended to', async () => {
  const modelsDir = tempDir('hub');
  const file = 'unet/model.onnx_data';
  hub.cutOnce.set(file, 1000);
  hub.ignoreRange = true;
  await pull(options(modelsDir, { name: 'tiny' }));
  const cdn = fileRequests(file).filter((r) => r.server === 'cdn');
  expect(cdn.map((r) => r.status)).toEqual([200, 200]);
  expect(fs.readFileSync(path.join(modelsDir, 'tiny', file)).equals(hub.files.find((f) => f.path === file)!.content)).toBe(true);
});

test('a corrupted byte fails naming the file and leaves no bad file anywhere', async () => {
  const modelsDir = tempDir('hub');
  hub.corrupt.add('unet/model.onnx');
  const err = await pull(options(modelsDir, { name: 'tiny' })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  expect((err as HubError).kind).toBe('download');
  expect((err as HubError).file).toBe('unet/model.onnx');
  expect((err as Error).message).toMatch(/^unet\/model\.onnx: .*SHA-256/);
  expect(fs.existsSync(path.join(modelsDir, 'tiny'))).toBe(false);
  const staging = path.join(modelsDir, '.incoming', 'tiny', 'unet');
  expect(fs.existsSync(path.join(staging, 'model.onnx'))).toBe(false);
  expect(fs.existsSync(path.join(staging, 'model.onnx.part'))).toBe(false);
  expect(listModelFolders(modelsDir)).toEqual([]);

  // Once the Hub serves it right, the same pull finishes without fetching the verified files again.
  hub.corrupt.clear();
  hub.requests.length = 0;
  await pull(options(modelsDir, { name: 'tiny' }));
  const fetched = hub.requests.filter((r) => r.server === 'hub' && r.path.includes('/resolve/')).map((r) => r.path.split(`${FAKE_COMMIT}/`)[1]);
  expect(fetched).toContain('unet/model.onnx');
  expect(fetched).not.toContain('model_index.json');
  expect(listModelFolders(modelsDir)).toEqual([path.join(modelsDir, 'tiny')]);
});

test('verify catches a flipped byte and --repair fetches that file again', async () => {
  const modelsDir = tempDir('hub');
  await pull(options(modelsDir, { name: 'tiny' }));
  const dir = path.join(modelsDir, 'tiny');
  const victim = path.join(dir, 'text_encoder', 'model.onnx');
  const bytes = fs.readFileSync(victim);
  bytes[10] ^= 1;
  fs.writeFileSync(victim, bytes);
  const vocab = path.join(dir, 'tokenizer', 'vocab.json');
  fs.appendFileSync(vocab, ' ');

  const found = await verifyModel(dir);
  expect(found.bad.map((b) => b.path).sort()).toEqual(['text_encoder/model.onnx', 'tokenizer/vocab.json']);
  expect(found.bad.find((b) => b.path === 'tokenizer/vocab.json')!.reason).toMatch(/size/);
  expect(found.checked).toBe(readManifest(dir)!.files.length);

  const client = new HubClient({ endpoint: hub.endpoint }, {});
  const repaired = await verifyModel(dir, { repair: true, client, retry: retry() });
  await client.close();
  expect(repaired.repaired.sort()).toEqual(['text_encoder/model.onnx', 'tokenizer/vocab.json']);
  expect((await verifyModel(dir)).bad).toEqual([]);
  expect(readManifest(dir)!.verifiedAt).toBeDefined();
});

test('a 429 is waited out for as long as Retry-After says', async () => {
  const modelsDir = tempDir('hub');
  hub.throttle.set('model_index.json', 1);
  hub.throttle.set('revision', 1);
  await pull(options(modelsDir, { name: 'tiny' }));
  expect(sleeps.filter((ms) => ms === 3000)).toHaveLength(2);
  expect(fileRequests('model_index.json').map((r) => r.status)).toEqual([429, 200]);
});

test('too little disk space refuses before the first byte', async () => {
  const modelsDir = tempDir('hub');
  const err = await pull(options(modelsDir, { name: 'tiny', freeBytes: async () => 10_000 })).catch((e: unknown) => e);
  expect((err as HubError).kind).toBe('download');
  expect((err as Error).message).toMatch(/not enough free disk space.*nothing was downloaded/);
  expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toHaveLength(0);
  expect(listModelFolders(modelsDir)).toEqual([]);
});

test('an unknown repo or revision is an argument error carrying the Hub error code', async () => {
  const modelsDir = tempDir('hub');
  const repo = await pull(options(modelsDir, { spec: 'nobody/nothing' })).catch((e: unknown) => e);
  expect((repo as HubError).kind).toBe('argument');
  expect((repo as Error).message).toMatch(/RepoNotFound.*|HF_TOKEN/);
  const rev = await pull(options(modelsDir, { spec: `${FAKE_REPO}@v9` })).catch((e: unknown) => e);
  expect((rev as HubError).kind).toBe('argument');
  expect((rev as Error).message).toContain('RevisionNotFound');
  const bad = await pull(options(modelsDir, { spec: 'not a repo' })).catch((e: unknown) => e);
  expect((bad as Error).message).toMatch(/OWNER\/NAME/);
  const name = await pull(options(modelsDir, { name: '../escape' })).catch((e: unknown) => e);
  expect((name as Error).message).toMatch(/--name/);
});

test('a non-permissive alias needs the licence accepted before anything is fetched', async () => {
  const modelsDir = tempDir('hub');
  const err = await pull(options(modelsDir, { spec: 'sd15' })).catch((e: unknown) => e);
  expect((err as HubError).kind).toBe('argument');
  expect((err as Error).message).toMatch(/creativeml-openrail-m.*--accept-license/);
  expect(hub.requests).toHaveLength(0);
});

test('models lists what is installed, and remove takes it out of the listing', async () => {
  const modelsDir = tempDir('hub');
  await pull(options(modelsDir, { name: 'tiny' }));
  fs.cpSync(source, path.join(modelsDir, 'by-hand'), { recursive: true });
  const broken = path.join(modelsDir, 'broken');
  fs.cpSync(source, broken, { recursive: true });
  fs.writeFileSync(path.join(broken, MANIFEST_FILE), '{"format":1,"complete":false}');
  const listed = await listInstalled(modelsDir);
  expect(listed.map((m) => m.name)).toEqual(['broken', 'by-hand', 'tiny']);
  expect(listed[2].manifest?.commit).toBe(FAKE_COMMIT);
  expect(listed[2].bytes).toBe(readManifest(path.join(modelsDir, 'tiny'))!.files.reduce((s, f) => s + f.size, 0) + fs.statSync(path.join(modelsDir, 'tiny', MANIFEST_FILE)).size);
  expect(listed[1].manifest).toBeNull();
  expect(listed[0].problem).toMatch(/incomplete/);
  // The incomplete one is never served; the hand-made one is.
  expect(listModelFolders(modelsDir).map((d) => path.basename(d))).toEqual(['by-hand', 'tiny']);
  expect(() => inspectModelFolder(broken)).toThrow(/not a complete model/);
  await removeModel(path.join(modelsDir, 'tiny'));
  expect(listModelFolders(modelsDir).map((d) => path.basename(d))).toEqual(['by-hand']);
});
