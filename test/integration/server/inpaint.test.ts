/** Inpaint jobs over HTTP: `mask` is an uploaded image id; bad combinations are 400s that name the field. */
import type { HistoryListResponse } from '../../../shared/src';
import {
  createJob, expectApiError, getJson, postJson, request, startTestServer, uploadRaw, waitTerminal, type TestServer,
} from './harness';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const W = 72;
const H = 56;
const inDisc = (x: number, y: number) => (x - 24) ** 2 + (y - 28) ** 2 <= 49;

/** A textured RGBA picture (the tiny model softens texture, so repainted pixels differ). */
function picture(): Uint8Array {
  const data = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    const x = i % W;
    const y = math.floor(i / W);
    data.set([128 + 100 * math.sin(x * 0.9), 128 + 100 * math.cos(y * 0.8), (x * y) % 256, 200 + (x % 50)], i * 4);
  }
  return data;
}

/** What the panel sends: grey levels in RGB, opaque alpha (so the luminance is the mask). */
function discMask(width = W, height = H): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = inDisc(i % width, math.floor(i / width)) ? 255 : 0;
    data.set([v, v, v, 255], i * 4);
  }
  return data;
}

describe('inpaint jobs', () => {
  let server: TestServer;
  let image: string;
  let mask: string;
  beforeAll(async () => {
    server = await startTestServer();
    image = await uploadRaw(server.url, W, H, picture());
    mask = await uploadRaw(server.url, W, H, discMask());
  });
  afterAll(() => server?.close());

  it('repaints inside the mask only, and history keeps the inpaint parameters', async () => {
    const params = { prompt: 'eyes', steps: 4, strength: 0.75, seed: 9, mask, maskBlur: 2, inpaintArea: 'masked', padding: 8, fill: 'fill' };
    const job = await createJob(server.url, { kind: 'img2img', image, params });
    const status = await waitTerminal(server.url, job.id);
    expect(status).toMatchObject({ state: 'done', totalSteps: 3, error: null });
    const raw = await request(server.url, { path: `/v1/jobs/${job.id}/result`, headers: { accept: 'application/octet-stream' } });
    const input = picture();
    let inside = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        const same = [0, 1, 2, 3].every((c) => raw.body[i + c] === input[i + c]);
        // σ 2 reaches 5 px in x and y: beyond the disc's square neighbourhood nothing may change
        const near = (x - 24) ** 2 + (y - 28) ** 2 <= (7 + 5 * math.SQRT2 + 1) ** 2;
        if (!near && !same) throw new Error(`pixel (${x}, ${y}) outside the blurred mask changed`);
        if (inDisc(x, y) && !same) inside++;
      }
    }
    expect(inside).toBeGreaterThan(100);
    const history = await getJson<HistoryListResponse>(server.url, '/v1/history');
    expect(history.items[0].params).toMatchObject(params);
  });

  it.each([
    ['a mask of another size', async () => ({ mask: await uploadRaw(server.url, W, H - 1, discMask(W, H - 1)) }), 'INVALID_REQUEST', `params.mask: the mask is ${W}×${H - 1} px but the image is ${W}×${H} px`],
    ['maskBlur without a mask', async () => ({ maskBlur: 4 }), 'INVALID_REQUEST', 'params.maskBlur: maskBlur applies only when inpainting'],
    ['padding with the whole picture', async () => ({ mask, inpaintArea: 'whole', padding: 8 }), 'INVALID_REQUEST', 'params.padding: padding applies only with inpaintArea "masked"'],
    ['an unknown fill', async () => ({ mask, fill: 'blur' }), 'INVALID_REQUEST', 'params.fill'],
    ['a blur past 64', async () => ({ mask, maskBlur: 65 }), 'INVALID_REQUEST', 'params.maskBlur'],
    ['a mask id nobody uploaded', async () => ({ mask: 'nope' }), 'UNKNOWN_IMAGE', 'no uploaded image with id "nope"'],
  ] as const)('%s is refused, naming it', async (_name, extra, code, message) => {
    const res = await postJson(server.url, '/v1/jobs', { kind: 'img2img', image, params: { prompt: 'x', ...(await extra()) } });
    expectApiError(res, code);
    expect(res.json<{ error: { message: string } }>().error.message).toContain(message);
  });

  it('refuses a mask on an upscale job, naming the field', async () => {
    const res = await postJson(server.url, '/v1/jobs', { kind: 'upscale', image, params: { mask } });
    expectApiError(res, 'INVALID_REQUEST');
    expect(res.json<{ error: { message: string } }>().error.message).toContain('params.mask: upscale takes no mask');
  });

  it('documents the inpaint fields in the OpenAPI document', async () => {
    const doc = JSON.stringify(await getJson(server.url, '/v1/openapi.json'));
    for (const field of ['maskBlur', 'inpaintArea', 'padding', 'invertMask', 'latent-nothing']) expect(doc).toContain(field);
  });
});
