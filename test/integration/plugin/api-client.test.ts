/**
 * The panel's API client and round trip against the real server (startServer with the tiny model): raw
 * RGBA up, a DDIM job followed by polling, the raw result down at the crop's exact size, history, cancel.
 * Photoshop itself is the recording fake; everything else is the real code.
 */
import sharp from 'sharp';
import { ApiClient } from '../../../plugin/src/api/client';
import { PhotoshopHost } from '../../../plugin/src/host/photoshop-host';
import { PanelController } from '../../../plugin/src/model/controller';
import { fakePhotoshop, type FakeImageData } from '../../unit/plugin/fakes/photoshop';
import { gradient, startTestServer, type TestServer } from '../server/harness';

let server: TestServer;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  client = new ApiClient({ baseUrl: server.url, pollIntervalMs: 20 });
});
afterAll(() => server?.close());

const params = { prompt: 'detailed eyes', steps: 8, strength: 0.5, guidanceScale: 12 };

it('runs a full img2img job through plugin/src/api', async () => {
  const health = await client.health();
  expect(health).toMatchObject({ ok: true, model: 'tiny' });

  const width = 40;
  const height = 24;
  const upload = await client.uploadRaw({ width, height, bitDepth: 8, data: gradient(width, height) });
  expect(upload).toMatchObject({ width, height, bitDepth: 8, channels: 4 });

  const created = await client.createJob({ kind: 'img2img', image: upload.id, params: { ...params, seed: 1234 } });
  expect(created).toMatchObject({ state: 'queued', seed: 1234 });

  const seen: string[] = [];
  const final = await client.watchJob(created.id, { onStatus: (s) => seen.push(s.state) });
  expect(final).toMatchObject({ state: 'done', seed: 1234, totalSteps: 4, step: 4, error: null });
  expect(seen[seen.length - 1]).toBe('done');

  const result = await client.result(created.id);
  expect(result).toMatchObject({ width, height, bitDepth: 8 });
  expect(result.data).toHaveLength(width * height * 4);
  // Alpha passes through untouched.
  expect(Array.from(result.data.filter((_, i) => i % 4 === 3))).toEqual(Array.from(gradient(width, height).filter((_, i) => i % 4 === 3)));

  const history = await client.history({ limit: 5 });
  expect(history.items[0]).toMatchObject({ id: final.historyId, jobId: created.id, seed: 1234, kind: 'img2img' });
  const again = await client.historyImageRaw(final.historyId as string);
  expect(Array.from(again.data)).toEqual(Array.from(result.data));
  const png = await client.historyImagePng(final.historyId as string);
  expect(png.contentType).toBe('image/png');

  // Thumbnails: a small PNG that fits maxSide×maxSide at the image's aspect (40×24 → 16×10), never enlarged.
  const thumbnail = await sharp(Buffer.from((await client.historyThumbnail(final.historyId as string, 16)).bytes)).metadata();
  expect([thumbnail.width, thumbnail.height]).toEqual([16, 10]);
  const notEnlarged = await sharp(Buffer.from((await client.historyThumbnail(final.historyId as string, 128)).bytes)).metadata();
  expect([notEnlarged.width, notEnlarged.height]).toEqual([40, 24]);
  await expect(client.historyThumbnail(final.historyId as string, 5)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
});

it('keeps 16 bits per channel both ways', async () => {
  const width = 16;
  const height = 16;
  const data = new Uint16Array(width * height * 4).map((_, i) => (i % 4 === 3 ? 65535 : (i * 997) % 65536));
  const upload = await client.uploadRaw({ width, height, bitDepth: 16, data });
  const created = await client.createJob({ kind: 'img2img', image: upload.id, params: { ...params, seed: 1 } });
  expect((await client.watchJob(created.id)).state).toBe('done');
  const result = await client.result(created.id);
  expect(result).toMatchObject({ width, height, bitDepth: 16 });
  expect(result.data).toBeInstanceOf(Uint16Array);
});

it('cancels a job', async () => {
  const upload = await client.uploadRaw({ width: 64, height: 64, bitDepth: 8, data: gradient(64, 64) });
  const created = await client.createJob({ kind: 'img2img', image: upload.id, params: { ...params, steps: 150, strength: 1, seed: 2 } });
  await client.cancel(created.id);
  const final = await client.watchJob(created.id);
  expect(final.state).toBe('cancelled');
  await expect(client.result(created.id)).rejects.toMatchObject({ code: 'NO_RESULT' });
});

it('places a refined selection with the panel controller, pixel-exact, in one undo step', async () => {
  const selection = { left: 12, top: 8, width: 48, height: 32 };
  fakePhotoshop.reset({ selection, width: 96, height: 64 });
  const controller = new PanelController({
    host: new PhotoshopHost(fakePhotoshop.module, { busyRetryDelayMs: 1 }),
    storage: null,
    createApi: (s) => new ApiClient({ baseUrl: server.url, token: s.token || null, pollIntervalMs: 20 }),
    timers: { setTimeout: () => 0, clearTimeout: () => undefined, now: () => Date.now() },
  });
  // Feather 2 px: the context ring is max(4, 3 × 2) = 6 px around the selection.
  controller.updateSettings({ steps: 8, strength: 0.5, seedMode: 'fixed', seed: 99, featherPx: 2, contextPx: 4 });
  const crop = { left: 6, top: 2, width: 60, height: 44 };
  controller.start();
  for (let i = 0; controller.store.getState().server.kind !== 'online' && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
  await controller.refreshDocument();

  await controller.run();
  const state = controller.store.getState();
  expect(state.error).toBeNull();
  expect(state.current).toMatchObject({ seed: 99, bounds: crop, masked: true, blendMode: 'difference' });
  expect(fakePhotoshop.calls('hostControl.suspendHistory')).toHaveLength(1);
  expect(fakePhotoshop.calls('imaging.putPixels')[0].args).toMatchObject({ targetBounds: { left: 6, top: 2 } });
  const put = fakePhotoshop.put[0] as FakeImageData;
  expect([put.width, put.height, put.components]).toEqual([60, 44, 4]);
  expect(fakePhotoshop.sim.state.layers[1].mask?.source?.bounds).toEqual(selection);
  controller.stop();
});
