/** Cancelling: a queued job is removed, a running one stops before its next step; previews while running. */
import type { HistoryListResponse, JobStatus } from '../../../shared/src';
import { decodePng } from '../../../server/src/image/png';
import {
  createJob, expectApiError, getJson, gradient, request, startTestServer, uploadRaw, waitFor, waitTerminal, type TestServer,
} from './harness';

describe('cancel', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('removes a queued job and stops a running one within a step, then keeps serving', async () => {
    // 1024² runs at native resolution: ~0.1 s per tiny-model step, 150 steps is long enough to cancel.
    const image = await uploadRaw(server.url, 1024, 1024, gradient(1024, 1024));
    const long = await createJob(server.url, { kind: 'img2img', image, params: { steps: 150, strength: 1 } });
    const queued = await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } });

    let status = await getJson<JobStatus>(server.url, `/v1/jobs/${queued.id}`);
    expect(status).toMatchObject({ state: 'queued', queuePosition: 0 });
    const early = await request(server.url, { path: `/v1/jobs/${queued.id}/result` });
    expectApiError(early, 'NOT_READY');

    const removed = await request(server.url, { method: 'DELETE', path: `/v1/jobs/${queued.id}` });
    expect(removed.status).toBe(200);
    expect(removed.json<JobStatus>()).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' }, startedAt: null });
    expect((await getJson<{ queueLength: number }>(server.url, '/v1/health')).queueLength).toBe(0);

    const running = await waitFor(server.url, long.id, (s) => s.state === 'running' && s.step >= 2);
    expect(running.etaSeconds).toBeGreaterThan(0);
    const preview = await request(server.url, { path: `/v1/jobs/${long.id}/preview` });
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('image/png');
    expect((await decodePng(preview.body)).width).toBeGreaterThan(0);

    const atCancel = await request(server.url, { method: 'DELETE', path: `/v1/jobs/${long.id}` });
    const stepAtCancel = atCancel.json<JobStatus>().step;
    status = await waitTerminal(server.url, long.id, 10_000);
    expect(status).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' }, historyId: null });
    // The step in flight when the cancel arrived may finish; no further one starts. The reported step may
    // trail the worker by one (step reports closer than 100 ms are coalesced, never two in a row: see
    // ProgressThrottle), so the bound on the reported step is two.
    expect(status.step).toBeLessThanOrEqual(stepAtCancel + 2);
    expectApiError(await request(server.url, { path: `/v1/jobs/${long.id}/result` }), 'NO_RESULT');
    expectApiError(await request(server.url, { path: `/v1/jobs/${long.id}/preview` }), 'NO_PREVIEW');

    // Cancelling a finished job changes nothing.
    const again = await request(server.url, { method: 'DELETE', path: `/v1/jobs/${long.id}` });
    expect(again.json<JobStatus>().state).toBe('cancelled');

    const small = await uploadRaw(server.url, 32, 32, gradient(32, 32));
    const next = await createJob(server.url, { kind: 'img2img', image: small, params: { steps: 2 } });
    expect((await waitTerminal(server.url, next.id)).state).toBe('done');
    const history = await getJson<HistoryListResponse>(server.url, '/v1/history');
    expect(history.items.map((e) => e.jobId)).toEqual([next.id]);
  });
});
