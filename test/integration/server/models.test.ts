/** Health, models list and switch (queued jobs wait for the switch), and the OpenAPI document checked against real responses. */
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import type { JobStatus, ModelsResponse } from '../../../shared/src';
import {
  createJob, expectApiError, getJson, gradient, postJson, request, startTestServer, tempDir, uploadRaw, waitTerminal, type TestServer,
} from './harness';
import { tinyModel } from '../../helpers/tiny-model';

describe('models and OpenAPI', () => {
  let server: TestServer;
  const responses: { component: string; body: unknown }[] = [];
  const record = <T>(component: string, body: T): T => {
    responses.push({ component, body });
    return body;
  };

  beforeAll(async () => {
    const modelsDir = tempDir('models-dir');
    // Copies of the run's shared tiny models (test/helpers/tiny-model.ts): one is broken below.
    const copy = async (name: string, options = {}) => fs.cpSync(await tinyModel(options), path.join(modelsDir, name), { recursive: true });
    await copy('tiny-a');
    await copy('tiny-b');
    // A model whose UNet file is not ONNX at all: loading it must fail with a reason, not take the server down.
    await copy('tiny-broken');
    fs.writeFileSync(path.join(modelsDir, 'tiny-broken', 'unet', 'model.onnx'), 'not an onnx file');
    // A model that loads but whose UNet fails inside session.run.
    await copy('tiny-fails', { failAtRun: true });
    server = await startTestServer({ modelsDir });
  });
  afterAll(() => server?.close());

  it('reports health with the demo flag and notice', async () => {
    const health = record('Health', await getJson<Record<string, unknown>>(server.url, '/v1/health'));
    expect(health).toMatchObject({ ok: true, model: 'tiny-a', device: 'cpu', demo: true, queueLength: 0, running: false });
    expect(health.notice).toMatch(/meaningless.*--model DIR/);
  });

  it('lists the models and switches after the running job, before the queued one', async () => {
    const models = record('Models', await getJson<ModelsResponse>(server.url, '/v1/models'));
    expect(models).toEqual({
      models: [
        { name: 'tiny-a', demo: true, active: true },
        { name: 'tiny-b', demo: true, active: false },
        { name: 'tiny-broken', demo: true, active: false },
        { name: 'tiny-fails', demo: true, active: false },
      ],
      current: 'tiny-a',
      loading: null,
    });

    const image = await uploadRaw(server.url, 512, 512, gradient(512, 512));
    const first = await createJob(server.url, { kind: 'img2img', image, params: { steps: 30, strength: 1 } });
    const second = await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } });
    const switched = await postJson(server.url, '/v1/models/select', { name: 'tiny-b' });
    expect(switched.status).toBe(200);
    expect(record('ModelSelectResponse', switched.json())).toEqual({ current: 'tiny-b', demo: true });

    expect((await waitTerminal(server.url, first.id)).model).toBe('tiny-a');
    const secondStatus = record('JobStatus', await waitTerminal(server.url, second.id));
    expect(secondStatus).toMatchObject({ state: 'done', model: 'tiny-b' });
    expect((await getJson<{ model: string }>(server.url, '/v1/health')).model).toBe('tiny-b');
    expect((await getJson<ModelsResponse>(server.url, '/v1/models')).current).toBe('tiny-b');

    expectApiError(await postJson(server.url, '/v1/models/select', { name: 'nope' }), 'UNKNOWN_MODEL');
    const broken = await postJson(server.url, '/v1/models/select', { name: 'tiny-broken' });
    expectApiError(broken, 'MODEL_FAILED');
    expect(broken.json<{ error: { message: string } }>().error.message).toMatch(/tiny-broken/);
    const afterFailure = await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } });
    expect(await waitTerminal(server.url, afterFailure.id)).toMatchObject({ state: 'done' });
    expectApiError(await postJson(server.url, '/v1/models/select', { name: 5 }), 'INVALID_REQUEST');
  });

  it('fails a job whose model run fails, with the reason, and keeps serving', async () => {
    const image = await uploadRaw(server.url, 64, 64, gradient(64, 64));
    expect((await postJson(server.url, '/v1/models/select', { name: 'tiny-fails' })).status).toBe(200);
    const failing = await createJob(server.url, { kind: 'img2img', image, params: { steps: 4, strength: 1 } });
    const status = await waitTerminal(server.url, failing.id);
    expect(status.state).toBe('failed');
    expect(status.error?.code).toBe('MODEL_FAILED');
    expect(status.error?.message).toMatch(/reshape/i); // ONNX Runtime's own reason reaches the user
    expectApiError(await request(server.url, { path: `/v1/jobs/${failing.id}/result` }), 'NO_RESULT');
    expect((await getJson<{ ok: boolean }>(server.url, '/v1/health')).ok).toBe(true);

    expect((await postJson(server.url, '/v1/models/select', { name: 'tiny-b' })).status).toBe(200);
    const next = await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } });
    expect(await waitTerminal(server.url, next.id)).toMatchObject({ state: 'done' });
  });

  it('describes the API in an OpenAPI document that validates the real responses', async () => {
    const upload = await request(server.url, {
      method: 'POST', path: '/v1/images?width=8&height=8', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(gradient(8, 8)),
    });
    const image = record('ImageUploadResponse', upload.json<{ id: string }>()).id;
    const created = record('JobCreateResponse', await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } }));
    const done = record('JobStatus', await waitTerminal(server.url, created.id));
    expect(done).toMatchObject({ state: 'done', error: null });
    record('HistoryList', await getJson(server.url, '/v1/history?limit=2'));
    record('Error', (await request(server.url, { path: '/v1/jobs/missing' })).json());
    record('Error', (await postJson(server.url, '/v1/jobs', { kind: 'img2img' })).json());

    const doc = await getJson<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, object> } }>(
      server.url, '/v1/openapi.json',
    );
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/health', '/v1/jobs/{id}/events', '/v1/history/{id}/image']));
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
    for (const { component, body } of responses) {
      const validate = ajv.getSchema(`#/components/schemas/${component}`);
      if (!validate) throw new Error(`no component ${component}`);
      const ok = validate(body);
      if (!ok) throw new Error(`${component} does not match: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body)}`);
    }
    // And the request schema accepts what clients send.
    const jobRequest = ajv.getSchema('#/components/schemas/JobCreateRequest');
    expect(jobRequest?.({ kind: 'img2img', image: 'abc', params: { guidanceScale: 12 } })).toBe(true);
    expect(jobRequest?.({ kind: 'img2img', image: 'abc', params: { strength: 2 } })).toBe(false);
    const status: JobStatus = done;
    expect(status.result?.width).toBe(8);
  });
});
