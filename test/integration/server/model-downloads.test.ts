/** The server's model downloads: catalogue, pull as a job with SSE progress, cancel, one at a time, then pick it. */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import { PULL_EVENT_NAME, type ModelCatalogResponse, type ModelsResponse, type PullState } from '../../../shared/src';
import { FAKE_REPO, repoFromFolder, startFakeHub, type FakeHub } from '../../helpers/fake-hub';
import { expectApiError, getJson, postJson, request, startTestServer, tempDir, tinyModel, type TestServer } from './harness';

let hub: FakeHub;
let server: TestServer;
let modelsDir: string;

function readPullEvents(baseUrl: string, id: string): Promise<PullState[]> {
  const url = new URL(`/v1/models/pull/${id}/events`, baseUrl);
  return new Promise((resolve, reject) => {
    http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve(
          text
            .split('\n\n')
            .filter((f) => f.startsWith(`event: ${PULL_EVENT_NAME}\n`))
            .map((f) => JSON.parse(f.split('\n')[1].slice('data: '.length)) as PullState),
        ),
      );
    }).on('error', reject);
  });
}

beforeAll(async () => {
  const source = await tinyModel();
  hub = await startFakeHub(repoFromFolder(source));
  modelsDir = tempDir('models-dir');
  fs.cpSync(source, path.join(modelsDir, 'start'), { recursive: true });
  server = await startTestServer({ modelsDir, hubEndpoint: hub.endpoint });
});
afterAll(async () => {
  await server.close();
  await hub.close();
});

test('the catalogue lists the aliases with sizes and licences, none installed', async () => {
  const catalog = await getJson<ModelCatalogResponse>(server.url, '/v1/models/catalog');
  expect(catalog.modelsDir).toBe(path.resolve(modelsDir));
  expect(catalog.aliases.filter((a) => a.default)).toHaveLength(1);
  for (const a of catalog.aliases) {
    expect(a.installed).toBeNull();
    expect(a.bytes).toBeGreaterThan(0);
    expect(a.license.length).toBeGreaterThan(0);
  }
});

test('a pull runs as a job with byte progress over SSE; the model is then listed and selectable', async () => {
  const res = await postJson(server.url, '/v1/models/pull', { repo: FAKE_REPO, name: 'pulled' });
  expect(res.status).toBe(202);
  const started = res.json<PullState>();
  expect(started.state).toBe('running');
  const events = await readPullEvents(server.url, started.id);
  const last = events[events.length - 1];
  expect(last).toMatchObject({ state: 'done', model: 'pulled', error: null });
  expect(last.bytesDone).toBe(last.bytesTotal);
  expect(last.bytesTotal).toBeGreaterThan(100_000);
  // Progress arrived in steps, in order, naming files.
  const downloading = events.filter((e) => e.phase === 'downloading');
  expect(downloading.length).toBeGreaterThan(1);
  for (let i = 1; i < downloading.length; i++) expect(downloading[i].bytesDone).toBeGreaterThanOrEqual(downloading[i - 1].bytesDone);
  expect(downloading.some((e) => e.file === 'unet/model.onnx')).toBe(true);

  const models = await getJson<ModelsResponse>(server.url, '/v1/models');
  expect(models.models.map((m) => m.name)).toEqual(['pulled', 'start']);
  const selected = await postJson(server.url, '/v1/models/select', { name: 'pulled' });
  expect(selected.status).toBe(200);
  expect(selected.json<{ current: string }>().current).toBe('pulled');
});

test('bad requests are refused before anything is downloaded', async () => {
  const before = hub.requests.length;
  expectApiError(await postJson(server.url, '/v1/models/pull', { alias: 'sd15' }), 'INVALID_REQUEST');
  const licence = await postJson(server.url, '/v1/models/pull', { alias: 'sd15' });
  expect(licence.json<{ error: { message: string } }>().error.message).toMatch(/creativeml-openrail-m.*acceptLicense/);
  expectApiError(await postJson(server.url, '/v1/models/pull', { alias: 'no-such-alias' }), 'INVALID_REQUEST');
  expectApiError(await postJson(server.url, '/v1/models/pull', { repo: FAKE_REPO, alias: 'sd15' }), 'INVALID_REQUEST');
  expectApiError(await postJson(server.url, '/v1/models/pull', { repo: FAKE_REPO, name: '../x' }), 'INVALID_REQUEST');
  expectApiError(await request(server.url, { path: '/v1/models/pull/nope' }), 'UNKNOWN_JOB');
  expect(hub.requests.length).toBe(before);
});

test('one pull at a time; a running pull can be cancelled and an unknown repo fails with the Hub code', async () => {
  // The Hub makes the first file wait (429, Retry-After: 3 s): long enough to ask twice and cancel.
  hub.throttle.set('model_index.json', 1);
  const first = (await postJson(server.url, '/v1/models/pull', { repo: FAKE_REPO, name: 'second' })).json<PullState>();
  expectApiError(await postJson(server.url, '/v1/models/pull', { repo: FAKE_REPO, name: 'third' }), 'PULL_BUSY');
  const events = readPullEvents(server.url, first.id);
  const deleted = await request(server.url, { method: 'DELETE', path: `/v1/models/pull/${first.id}` });
  expect(deleted.status).toBe(200);
  const last = (await events).pop()!;
  expect(last.state).toBe('cancelled');
  expect(last.error?.code).toBe('CANCELLED');
  expect(fs.existsSync(path.join(modelsDir, 'second'))).toBe(false);
  expect((await getJson<ModelsResponse>(server.url, '/v1/models')).models.map((m) => m.name)).not.toContain('second');

  const unknown = (await postJson(server.url, '/v1/models/pull', { repo: 'nobody/nothing' })).json<PullState>();
  const end = (await readPullEvents(server.url, unknown.id)).pop()!;
  expect(end.state).toBe('failed');
  expect(end.error?.code).toBe('INVALID_REQUEST');
  expect(end.error?.message).toContain('RepoNotFound');
});

test('the OpenAPI document describes the download routes, and what they send matches it', async () => {
  const doc = await getJson<{ paths: Record<string, unknown>; components: { schemas: Record<string, object> } }>(server.url, '/v1/openapi.json');
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/models/catalog', '/v1/models/pull', '/v1/models/pull/{id}', '/v1/models/pull/{id}/events']));
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
  const catalog = await getJson<ModelCatalogResponse>(server.url, '/v1/models/catalog');
  expect(catalog.pull).not.toBeNull();
  expect(ajv.getSchema('#/components/schemas/ModelCatalog')!(catalog)).toBe(true);
  expect(ajv.getSchema('#/components/schemas/PullRequest')!({ alias: 'sd15', acceptLicense: true })).toBe(true);
  expect(ajv.getSchema('#/components/schemas/PullRequest')!({ alias: 'sd15', extra: 1 })).toBe(false);
});
