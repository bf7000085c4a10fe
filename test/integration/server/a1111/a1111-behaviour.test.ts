/**
 * The A1111 API beyond A1111's own tests: FastAPI-style validation errors, limits, images in any form,
 * png-info both ways, infotext on /v1 results, progress with previews, interrupt and skip, security, and a
 * small fuzz (every answer a 2xx or a 4xx with a detail; nothing crashes the server).
 */
import sharp from 'sharp';
import { encodePng } from '../../../../server/src/image/png';
import { readTextChunks, withTextChunk } from '../../../../server/src/image/png-text';
import { parseInfotext } from '../../../../server/src/infotext/infotext';
import type { HistoryListResponse } from '../../../../shared/src';
import { createJob, getJson, gradient, postJson, request, startTestServer, uploadRaw, waitTerminal, type TestServer } from '../harness';
import { infoOf, pngBase64, pngDataUrl, post200, simpleImg2ImgRequest, simpleTxt2ImgRequest, type GenerationResult } from './fixtures';

const MAX_PIXELS = 400 * 400;
const MAX_IMAGE_BYTES = 400_000;

async function noisePngBase64(width: number, height: number): Promise<string> {
  let x = 2463534242;
  // xorshift32: incompressible bytes, so the PNG is as large as the pixels.
  const data = new Uint8Array(width * height * 4).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
  return (await encodePng({ width, height, channels: 4, bitDepth: 8, data })).toString('base64');
}

interface Progress {
  progress: number;
  eta_relative: number;
  state: { job_count: number; job_no: number; sampling_step: number; sampling_steps: number; interrupted: boolean; skipped: boolean; job: string };
  current_image: string | null;
}

async function progressWhen(url: string, until: (p: Progress) => boolean): Promise<Progress> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const p = await getJson<Progress>(url, '/sdapi/v1/progress');
    if (until(p)) return p;
    if (Date.now() > deadline) throw new Error(`progress never matched: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('A1111 API behaviour', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxPixels: MAX_PIXELS, maxImageBytes: MAX_IMAGE_BYTES } });
  });
  afterAll(() => server?.close());

  it('GET / answers 200 for clients that probe it', async () => {
    expect((await request(server.url, { path: '/' })).status).toBe(200);
  });

  it('answers invalid fields with FastAPI\'s 422 detail list, and ignores unknown fields', async () => {
    const res = await postJson(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), steps: 'many', width: 0 });
    expect(res.status).toBe(422);
    const { detail } = res.json<{ detail: Array<{ loc: string[]; msg: string; type: string }> }>();
    expect(detail.map((d) => d.loc)).toEqual(expect.arrayContaining([['body', 'steps'], ['body', 'width']]));
    expect(detail.every((d) => d.msg.length > 0 && d.type.length > 0)).toBe(true);
    const notJson = await request(server.url, { method: 'POST', path: '/sdapi/v1/txt2img', headers: { 'content-type': 'application/json' }, body: '{"steps": ' });
    expect(notJson.status).toBe(422);
    const extra = await post200(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), some_extension_field: { x: 1 }, seed: '42', steps: '2' });
    expect(infoOf(extra).seed).toBe(42);
  });

  it('names an unknown sampler with what is accepted; a missing init image is a 422 too', async () => {
    const res = await postJson(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), sampler_index: 'Warp Drive' });
    expect(res.status).toBe(422);
    const { detail } = res.json<{ detail: Array<{ loc: string[]; msg: string }> }>();
    expect(detail[0].loc).toEqual(['body', 'sampler_name']);
    expect(detail[0].msg).toMatch(/unknown sampler "Warp Drive"; this server runs DDIM/);
    const noInit = await postJson(server.url, '/sdapi/v1/img2img', { ...simpleImg2ImgRequest('x'), init_images: null });
    expect(noInit.status).toBe(422);
  });

  it('refuses what is not an image, and URLs, with a 400 and a detail (A1111 answers 500)', async () => {
    for (const init of ['not base64 at all!', Buffer.from('hello').toString('base64'), 'https://example.com/a.png']) {
      const res = await postJson(server.url, '/sdapi/v1/img2img', simpleImg2ImgRequest(init));
      expect(res.status).toBe(400);
      expect(res.json<{ detail: string }>().detail).toMatch(/init_images\[0\]/);
    }
  });

  it('accepts JSON far over the /v1 256 KiB limit, bounded by the pixel limit, and takes raw base64 and JPEG', async () => {
    const big = await noisePngBase64(300, 300);
    expect(big.length).toBeGreaterThan(256 * 1024);
    const res = await post200(server.url, '/sdapi/v1/img2img', { ...simpleImg2ImgRequest(big), steps: 2 });
    expect(res.json<GenerationResult>().images).toHaveLength(1);
    const jpeg = (await sharp(Buffer.from(await pngBase64(64, 64), 'base64')).jpeg().toBuffer()).toString('base64');
    await post200(server.url, '/sdapi/v1/img2img', { ...simpleImg2ImgRequest(`data:image/jpeg;base64,${jpeg}`), steps: 2 });

    const tooMany = await postJson(server.url, '/sdapi/v1/img2img', simpleImg2ImgRequest(await pngBase64(500, 400)));
    expect(tooMany.status).toBe(413);
    expect(tooMany.json<{ detail: string }>().detail).toMatch(/500×400 = 200000 pixels; the limit is 160000/);
    const tooBigTxt2Img = await postJson(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), width: 512, height: 512 });
    expect(tooBigTxt2Img.status).toBe(413);
    const hugeBody = await postJson(server.url, '/sdapi/v1/img2img', simpleImg2ImgRequest('A'.repeat(3_000_000)));
    expect(hugeBody.status).toBe(413);
    expect(hugeBody.json<{ detail: string }>().detail).toMatch(/limit/);
  });

  it('png-info reads A1111\'s infotext from any PNG (tEXt or iTXt) and the other text chunks as items', async () => {
    const a1111 = 'a cat, 日本\nNegative prompt: dog\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 123, Size: 512x768, Lora hashes: "a: 1, b: 2"';
    const png = withTextChunk(withTextChunk(await encodePng({ width: 8, height: 8, channels: 4, bitDepth: 8, data: gradient(8, 8) }), 'parameters', a1111), 'Software', 'A1111');
    const res = await post200(server.url, '/sdapi/v1/png-info', { image: `data:image/png;base64,${png.toString('base64')}` });
    const body = res.json<{ info: string; items: Record<string, string>; parameters: Record<string, unknown> }>();
    expect(body.info).toBe(a1111);
    expect(body.items).toEqual({ Software: 'A1111' });
    expect(body.parameters).toMatchObject({ Prompt: 'a cat, 日本', 'Negative prompt': 'dog', Steps: '20', Sampler: 'DPM++ 2M', 'Schedule type': 'Karras', 'Size-1': '512', 'Size-2': '768', 'Lora hashes': 'a: 1, b: 2' });
    const plain = await post200(server.url, '/sdapi/v1/png-info', { image: await pngBase64(8, 8) });
    expect(plain.json()).toMatchObject({ info: '', items: {} });
    expect((await postJson(server.url, '/sdapi/v1/png-info', { image: '***' })).status).toBe(400);
  });

  it('puts the infotext in /v1 results too: the PNG, the history entry and png-info agree', async () => {
    const image = await uploadRaw(server.url, 48, 40, gradient(48, 40));
    const job = await createJob(server.url, { kind: 'img2img', image, params: { prompt: 'skin, pores', steps: 4, strength: 0.5, seed: 99, guidanceScale: 12 } });
    expect((await waitTerminal(server.url, job.id)).state).toBe('done');
    const png = (await request(server.url, { path: `/v1/jobs/${job.id}/result` })).body;
    const history = await getJson<HistoryListResponse>(server.url, '/v1/history?limit=1');
    expect(readTextChunks(png).parameters).toBe(history.items[0].infotext);
    const parsed = (await post200(server.url, '/sdapi/v1/png-info', { image: png.toString('base64') })).json<{ parameters: Record<string, string> }>().parameters;
    expect(parsed).toMatchObject({ Prompt: 'skin, pores', Steps: '4', Seed: '99', 'CFG scale': '12', 'Denoising strength': '0.5', 'Size-1': '48', 'Size-2': '40', Sampler: 'DDIM' });
  });

  it('extra-single-image with our SD upscaler runs a queued upscale job and keeps it in the history', async () => {
    const before = (await getJson<HistoryListResponse>(server.url, '/v1/history?limit=1')).total;
    const res = await post200(server.url, '/sdapi/v1/extra-single-image', { image: await pngBase64(40, 32), upscaler_1: 'InsaneRes SD upscale', upscaling_resize: 2 });
    const body = res.json<{ image: string; html_info: string }>();
    const png = Buffer.from(body.image, 'base64');
    expect((await sharp(png).metadata())).toMatchObject({ width: 80, height: 64 });
    expect(body.html_info).toMatch(/Postprocess upscaler: InsaneRes SD upscale/);
    const history = await getJson<HistoryListResponse>(server.url, '/v1/history?limit=1');
    expect(history.total).toBe(before + 1);
    expect(history.items[0]).toMatchObject({ kind: 'upscale', width: 80, height: 64, params: { scale: 2 } });
    expect(parseInfotext(readTextChunks(png).parameters)).toMatchObject({ 'SD upscale upscaler': 'Lanczos', 'Size-1': '80' });
    const tooBig = await postJson(server.url, '/sdapi/v1/extra-single-image', { image: await pngBase64(40, 32), upscaler_1: 'InsaneRes SD upscale', upscaling_resize: 6 });
    expect(tooBig.status).toBe(400);
  });

  it('reports progress with a preview while a request runs, and interrupt stops the whole request', async () => {
    const pending = postJson(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), n_iter: 3, steps: 150, seed: 5 });
    const during = await progressWhen(server.url, (p) => p.state.job_count === 3 && p.state.sampling_step > 0);
    expect(during.state).toMatchObject({ job: 'txt2img', job_no: 0, sampling_steps: 150, interrupted: false });
    expect(during.progress).toBeGreaterThan(0);
    expect(during.progress).toBeLessThanOrEqual(1);
    expect(during.current_image).not.toBeNull();
    expect((await sharp(Buffer.from(during.current_image as string, 'base64')).metadata()).format).toBe('png');
    expect((await postJson(server.url, '/sdapi/v1/interrupt', {})).status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(200);
    const info = infoOf(res);
    expect(res.json<GenerationResult>().images.length).toBeLessThan(3);
    expect(info.all_seeds).toEqual([5, 6, 7]);
    expect(info.warnings.join('\n')).toMatch(/interrupted/);
    const after = await getJson<Progress>(server.url, '/sdapi/v1/progress');
    expect(after).toMatchObject({ progress: 0, state: { job_count: 0 } });
  });

  it('skip stops only the image being made: the next one starts', async () => {
    const pending = postJson(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), n_iter: 2, steps: 150, seed: 11 });
    await progressWhen(server.url, (p) => p.state.job_count === 2 && p.state.job_no === 0 && p.state.sampling_step > 0);
    expect((await postJson(server.url, '/sdapi/v1/skip', {})).status).toBe(200);
    const second = await progressWhen(server.url, (p) => p.state.job_no === 1 && p.state.sampling_step > 0);
    expect(second.state.skipped).toBe(true);
    // Stop the second one too rather than wait for its 150 steps.
    await postJson(server.url, '/sdapi/v1/interrupt', {});
    const res = await pending;
    expect(res.status).toBe(200);
    const warnings = infoOf(res).warnings.join('\n');
    expect(warnings).toMatch(/image 1 \(seed 11\) was not made: skipped/);
    expect(warnings).toMatch(/image 2 \(seed 12\) was not made: interrupted/);
  });

  it('answers an unknown checkpoint with 404 and what is available (A1111: 500)', async () => {
    const res = await postJson(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), override_settings: { sd_model_checkpoint: 'nope.safetensors [abc123]' } });
    expect(res.status).toBe(404);
    expect(res.json<{ detail: string }>().detail).toMatch(/no checkpoint "nope.safetensors \[abc123\]" \(available: "tiny"/);
    expect((await postJson(server.url, '/sdapi/v1/options', { sd_model_checkpoint: 'nope' })).status).toBe(404);
  });

  it('sits behind the same security as /v1: a foreign web page is refused', async () => {
    const res = await request(server.url, {
      method: 'POST', path: '/sdapi/v1/txt2img', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify(simpleTxt2ImgRequest()),
    });
    expect(res.status).toBe(403);
  });

  it('fuzz: mutated A1111 requests get a 2xx or a 4xx with a detail, never a crash', async () => {
    const paths = ['txt2img', 'img2img', 'extra-single-image', 'png-info', 'options', 'interrupt', 'skip'];
    const odd: unknown[] = [null, true, -1, 0, 1e308, 'x', '', [], {}, [1], { a: 1 }, '💥', 2 ** 53, -0.5];
    let state = 12345;
    const next = (n: number): number => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
    const problems: string[] = [];
    const init = await pngBase64(16, 16);
    for (let i = 0; i < 150; i++) {
      const path = paths[next(paths.length)];
      const body: Record<string, unknown> = path === 'img2img' ? simpleImg2ImgRequest(init) : path === 'txt2img' ? simpleTxt2ImgRequest() : { image: init };
      const keys = Object.keys(body);
      for (let k = 0; k < 1 + next(3); k++) body[keys[next(keys.length)]] = odd[next(odd.length)];
      // Keep successful runs short.
      if (typeof body.steps === 'number' && body.steps > 2) body.steps = 1;
      if (typeof body.n_iter === 'number' && body.n_iter > 1) body.n_iter = 1;
      if (typeof body.batch_size === 'number' && body.batch_size > 1) body.batch_size = 1;
      const res = await postJson(server.url, `/sdapi/v1/${path}`, body);
      const text = res.body.toString();
      if (res.status >= 500 && res.status !== 501) problems.push(`${path} ${JSON.stringify(body).slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400 && !('detail' in (res.json<object>() ?? {}))) problems.push(`${path} → ${res.status} without detail: ${text.slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
    expect(server.logs.filter((l) => /unexpected error/.test(l.msg))).toEqual([]);
  });
});
