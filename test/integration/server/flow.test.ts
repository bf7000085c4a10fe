/** The panel's round trip against the real server: upload raw RGBA → job → poll + SSE → result → history → restart. */
import * as fs from 'fs';
import * as path from 'path';
import { decodePng } from '../../../server/src/image/png';
import type { HistoryListResponse, JobStatus } from '../../../shared/src';
import {
  createJob, expectApiError, getJson, gradient, readEvents, request, startTestServer, uploadRaw, waitTerminal, type TestServer,
} from './harness';

describe('full flow', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('refines raw RGBA, streams progress, returns the same pixels as PNG and raw, and keeps history across a restart', async () => {
    const width = 96;
    const height = 64;
    const image = await uploadRaw(server.url, width, height, gradient(width, height));
    const job = await createJob(server.url, {
      kind: 'img2img', image, params: { prompt: 'a (red:1.2) apple', steps: 8, strength: 0.5, guidanceScale: 12, seed: 1234 },
    });
    expect(job.seed).toBe(1234);

    const [events, polled] = await Promise.all([readEvents(server.url, job.id), waitTerminal(server.url, job.id)]);
    expect(polled.state).toBe('done');
    expect(events.at(-1)).toEqual(polled);
    const steps = events.filter((e) => e.state === 'running' && e.totalSteps > 0).map((e) => e.step);
    expect(steps.length).toBeGreaterThan(0);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(polled).toMatchObject({ step: 4, totalSteps: 4, tile: 1, totalTiles: 1, seed: 1234, model: 'tiny', error: null });
    expect(polled.result).toEqual({ width, height, bitDepth: 8, channels: 4 });

    const png = await request(server.url, { path: `/v1/jobs/${job.id}/result` });
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const raw = await request(server.url, { path: `/v1/jobs/${job.id}/result`, headers: { accept: 'application/octet-stream' } });
    expect(raw.status).toBe(200);
    expect([raw.headers['x-image-width'], raw.headers['x-image-height'], raw.headers['x-image-bit-depth']]).toEqual(['96', '64', '8']);
    expect(raw.body.byteLength).toBe(width * height * 4);
    const decoded = await decodePng(png.body);
    expect(decoded).toMatchObject({ width, height, channels: 4, bitDepth: 8 });
    expect(Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength).equals(raw.body)).toBe(true);

    const history = await getJson<HistoryListResponse>(server.url, '/v1/history');
    expect(history.total).toBe(1);
    const entry = history.items[0];
    expect(entry).toMatchObject({
      id: polled.historyId, jobId: job.id, kind: 'img2img', seed: 1234, model: 'tiny', device: 'cpu', width, height, stepsRun: 4,
      params: { prompt: 'a (red:1.2) apple', steps: 8, strength: 0.5, guidanceScale: 12, seed: 1234, negativePrompt: '', sampler: 'ddim', emphasis: true },
    });
    expect(entry.timings.total).toBeGreaterThan(0);
    const sidecar = JSON.parse(fs.readFileSync(path.join(server.outputs, `${entry.id}.json`), 'utf8'));
    expect(sidecar).toEqual(entry);
    const historyImage = await request(server.url, { path: `/v1/history/${entry.id}/image` });
    expect(historyImage.body.equals(png.body)).toBe(true);

    // One log line when the job starts and one when it ends.
    const jobLines = server.logs.filter((l) => l.job === job.id).map((l) => l.msg);
    expect(jobLines).toEqual(['job started', 'job finished']);
    // The finished line carries the main thread's longest event-loop delay during the job (the overhead bench reads it).
    const finished = server.logs.find((l) => l.job === job.id && l.msg === 'job finished') as { phases?: Record<string, number> } | undefined;
    expect(finished?.phases?.['loop.maxDelay']).toBeGreaterThanOrEqual(0);

    await server.close();
    server = await startTestServer({ outputs: server.outputs });
    const again = await getJson<HistoryListResponse>(server.url, '/v1/history');
    expect(again.items).toEqual(history.items);
    const rawAgain = await request(server.url, { path: `/v1/history/${entry.id}/image`, headers: { accept: 'application/octet-stream' } });
    expect(rawAgain.body.equals(raw.body)).toBe(true);
  });

  it('keeps 16-bit data 16-bit and accepts PNG uploads', async () => {
    const width = 40;
    const height = 24;
    const pixels = new Uint16Array(width * height * 4).map((_, i) => (i * 997) % 65536);
    const image = await uploadRaw(server.url, width, height, new Uint8Array(pixels.buffer), 16);
    const job = await createJob(server.url, { kind: 'img2img', image, params: { steps: 2, strength: 0.5 } });
    const status: JobStatus = await waitTerminal(server.url, job.id);
    expect(status.error ?? null).toBeNull();
    expect(status.result).toEqual({ width, height, bitDepth: 16, channels: 4 });
    const raw = await request(server.url, { path: `/v1/jobs/${job.id}/result`, headers: { accept: 'application/octet-stream' } });
    expect(raw.headers['x-image-bit-depth']).toBe('16');
    const png = await request(server.url, { path: `/v1/jobs/${job.id}/result` });
    const decoded = await decodePng(png.body);
    expect(decoded.bitDepth).toBe(16);
    expect(Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength).equals(raw.body)).toBe(true);

    const upload = await request(server.url, { method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/png' }, body: png.body });
    expect(upload.status).toBe(201);
    expect(upload.json()).toMatchObject({ width, height, bitDepth: 16, channels: 4 });
  });

  it('upscales, reporting tiles, and records the upscale parameters', async () => {
    const image = await uploadRaw(server.url, 300, 200, gradient(300, 200));
    const job = await createJob(server.url, { kind: 'upscale', image, params: { steps: 4, strength: 0.5, scale: 2, tileSize: 256, tileOverlap: 32 } });
    const events = await readEvents(server.url, job.id);
    const status = events.at(-1) as JobStatus;
    expect(status).toMatchObject({ state: 'done', result: { width: 600, height: 400, bitDepth: 8, channels: 4 } });
    expect(Math.max(...events.map((e) => e.totalTiles))).toBeGreaterThan(1);
    const history = await getJson<HistoryListResponse>(server.url, '/v1/history?limit=1');
    expect(history.items[0]).toMatchObject({
      kind: 'upscale', jobId: job.id, width: 600, height: 400,
      params: { scale: 2, tileSize: 256, tileOverlap: 32, colorMatch: true, steps: 4, strength: 0.5 },
    });
  });
});

describe('damaged outputs', () => {
  it('answers 404 UNKNOWN_HISTORY (never 500) for a stored PNG damaged after start, and drops it from the list', async () => {
    const server = await startTestServer();
    try {
      const image = await uploadRaw(server.url, 16, 16, gradient(16, 16));
      const job = await waitTerminal(server.url, (await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } })).id);
      const id = job.historyId as string;
      // Asking for the PNG makes sure it is written (it is encoded after `done`), then it is damaged.
      expect((await request(server.url, { path: `/v1/history/${id}/image` })).status).toBe(200);
      fs.writeFileSync(path.join(server.outputs, `${id}.png`), 'no longer a PNG');
      const thumbnail = await request(server.url, { path: `/v1/history/${id}/image?maxSide=64` });
      expectApiError(thumbnail, 'UNKNOWN_HISTORY');
      expect(thumbnail.json<{ error: { message: string } }>().error.message).toMatch(/cannot be read/);
      // Gone from the history now, so every later request is a plain 404 too.
      expectApiError(await request(server.url, { path: `/v1/history/${id}/image`, headers: { accept: 'application/octet-stream' } }), 'UNKNOWN_HISTORY');
      expect((await getJson<HistoryListResponse>(server.url, '/v1/history')).items.map((e) => e.id)).not.toContain(id);
      expect(server.logs.some((l) => l.msg.includes('history image is unreadable'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
