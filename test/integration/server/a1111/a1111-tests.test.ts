/**
 * A1111 1.10's own API tests (test/test_txt2img.py, test_img2img.py, test_extras.py, test_utils.py and
 * conftest.py), ported case by case against our server with the tiny model, each checking more than the
 * 200 A1111's tests check: the images, their size, the seeds and the infotext.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { decodePng, encodePng } from '../../../../server/src/image/png';
import { parseInfotext } from '../../../../server/src/infotext/infotext';
import { getJson, postJson, request, startTestServer, type TestServer } from '../harness';
import { infoOf, pngBase64, post200, pngDataUrl, simpleImg2ImgRequest, simpleTxt2ImgRequest, type GenerationResult } from './fixtures';

/** Black left half, white right half (white = repaint), as a data URL like conftest's mask_basic.png. */
async function halfMaskBase64(width: number, height: number): Promise<string> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = width / 2; x < width; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return `data:image/png;base64,${(await encodePng({ width, height, channels: 3, bitDepth: 8, data })).toString('base64')}`;
}

async function sizeOf(base64: string): Promise<[number, number]> {
  const meta = await sharp(Buffer.from(base64, 'base64')).metadata();
  return [meta.width ?? 0, meta.height ?? 0];
}

describe('A1111 API tests, ported', () => {
  let server: TestServer;
  let initImage: string;
  beforeAll(async () => {
    server = await startTestServer();
    initImage = await pngDataUrl(96, 96);
  });
  afterAll(() => server?.close());

  describe('test_txt2img.py', () => {
    const txt2img = (changes: Record<string, unknown> = {}) => post200(server.url, '/sdapi/v1/txt2img', { ...simpleTxt2ImgRequest(), ...changes });

    it('simple: one 64×64 PNG, a concrete seed, and its infotext', async () => {
      const res = await txt2img();
      const body = res.json<GenerationResult>();
      expect(body.images).toHaveLength(1);
      expect(await sizeOf(body.images[0])).toEqual([64, 64]);
      const info = infoOf(res);
      expect(info.seed).toBeGreaterThanOrEqual(0);
      expect(info.all_seeds).toEqual([info.seed]);
      expect(parseInfotext(info.infotexts[0])).toMatchObject({ Prompt: 'example prompt', Steps: '3', Seed: String(info.seed), 'Size-1': '64', 'Size-2': '64', Model: 'tiny' });
      // The PNG carries the same infotext in its parameters chunk.
      const comments = (await sharp(Buffer.from(body.images[0], 'base64')).metadata()).comments;
      expect(comments).toEqual([{ keyword: 'parameters', text: info.infotexts[0] }]);
      // The sampler asked for runs, or the fallback says which one ran instead.
      if (info.sampler_name !== 'Euler a') expect(info.warnings.join(' ')).toMatch(new RegExp(`"Euler a".*used ${info.sampler_name}`));
      expect(body.parameters).toMatchObject({ prompt: 'example prompt', steps: 3, width: 64, height: 64 });
    });

    it('with negative prompt', async () => {
      const info = infoOf(await txt2img({ negative_prompt: 'example negative prompt' }));
      expect(parseInfotext(info.infotexts[0])['Negative prompt']).toBe('example negative prompt');
    });

    it('with complex prompt (emphasis, prompt editing, alternation)', async () => {
      const prompt = '((emphasis)), (emphasis1:1.1), [to:1], [from::2], [from:to:0.3], [alt|alt1]';
      const info = infoOf(await txt2img({ prompt }));
      expect(parseInfotext(info.infotexts[0]).Prompt).toBe(prompt);
    });

    it('not square image', async () => {
      const res = await txt2img({ height: 128 });
      expect(await sizeOf(res.json<GenerationResult>().images[0])).toEqual([64, 128]);
    });

    it.each([
      ['with hrfix', { enable_hr: true }, /hires fix is not available/],
      ['with tiling', { tiling: true }, /tiling is not available/],
      ['with restore faces', { restore_faces: true }, /face restoration is not available/],
    ])('%s: made, and the missing feature named in info.warnings', async (_name, changes, warning) => {
      const res = await txt2img(changes);
      expect(res.json<GenerationResult>().images).toHaveLength(1);
      expect(infoOf(res).warnings.join('\n')).toMatch(warning);
    });

    it.each(['PLMS', 'DDIM', 'UniPC'])('with vanilla sampler %s', async (sampler) => {
      const info = infoOf(await txt2img({ sampler_index: sampler }));
      if (sampler === 'DDIM') {
        expect(info.sampler_name).toBe('DDIM');
        expect(info.warnings.join(' ')).not.toMatch(/sampler/);
      } else {
        // PLMS and UniPC are timestep samplers like DDIM: the documented fallback.
        expect(info.sampler_name).toBe('DDIM');
        expect(info.warnings.join(' ')).toMatch(new RegExp(`sampler "${sampler}" is not available on this server; used DDIM`));
      }
      expect(parseInfotext(info.infotexts[0]).Sampler).toBe(info.sampler_name);
    });

    it.each([
      ['multiple batches', { n_iter: 2, seed: 1000 }],
      ['batch', { batch_size: 2, seed: 1000 }],
    ])('%s: two images, seeds seed and seed + 1', async (_name, changes) => {
      const res = await txt2img(changes);
      const info = infoOf(res);
      expect(res.json<GenerationResult>().images).toHaveLength(2);
      expect(info.all_seeds).toEqual([1000, 1001]);
      expect(info.infotexts.map((t) => parseInfotext(t).Seed)).toEqual(['1000', '1001']);
      // Different seeds, different pictures.
      const [a, b] = res.json<GenerationResult>().images;
      expect(a).not.toBe(b);
    });
  });

  describe('test_img2img.py', () => {
    it('simple: the 96×96 init image comes back at width×height', async () => {
      const res = await post200(server.url, '/sdapi/v1/img2img', simpleImg2ImgRequest(initImage));
      const body = res.json<GenerationResult>();
      expect(await sizeOf(body.images[0])).toEqual([64, 64]);
      expect(parseInfotext(infoOf(res).infotexts[0])).toMatchObject({ 'Denoising strength': '0.75', Steps: '3' });
      // include_init_images is false: the images are not echoed back.
      expect(body.parameters.init_images).toBeNull();
    });

    it.each([
      ['inpainting masked', {}, 'left'],
      ['inpainting with inverted mask', { inpainting_mask_invert: true }, 'right'],
    ])('%s: only the mask\'s white is repainted; far from it the init image comes back as it was', async (_name, changes, kept) => {
      // 64×64 so no resize is involved: the kept side must equal the init pixels exactly.
      const init = await pngBase64(64, 64);
      const res = await post200(server.url, '/sdapi/v1/img2img', { ...simpleImg2ImgRequest(init), mask: await halfMaskBase64(64, 64), ...changes });
      const out = await decodePng(Buffer.from(res.json<GenerationResult>().images[0], 'base64'));
      const before = await decodePng(Buffer.from(init, 'base64'));
      expect([out.width, out.height]).toEqual([64, 64]);
      // Columns 0…19 (left) or 44…63 (right): more than the blur away from the mask's edge at x = 32.
      const columns = kept === 'left' ? [0, 20] : [44, 64];
      const repaintedColumns = kept === 'left' ? [44, 64] : [0, 20];
      const differences = (from: number, to: number): number => {
        let count = 0;
        for (let y = 0; y < 64; y++) {
          for (let x = from; x < to; x++) {
            for (let c = 0; c < 3; c++) if (out.data[(y * 64 + x) * out.channels + c] !== before.data[(y * 64 + x) * before.channels + c]) count++;
          }
        }
        return count;
      };
      expect(differences(columns[0], columns[1])).toBe(0);
      expect(differences(repaintedColumns[0], repaintedColumns[1])).toBeGreaterThan(0);
      expect(parseInfotext(infoOf(res).infotexts[0])).toMatchObject({ 'Denoising strength': '0.75' });
    });

    it('sd upscale with A1111\'s positional script_args ["", 8, "Lanczos", 2.0]', async () => {
      const res = await post200(server.url, '/sdapi/v1/img2img', { ...simpleImg2ImgRequest(initImage), script_name: 'sd upscale', script_args: ['', 8, 'Lanczos', 2.0] });
      expect(await sizeOf(res.json<GenerationResult>().images[0])).toEqual([192, 192]);
      expect(parseInfotext(infoOf(res).infotexts[0])).toMatchObject({ 'SD upscale overlap': '8', 'SD upscale upscaler': 'Lanczos', 'Size-1': '192' });
    });
  });

  describe('test_extras.py', () => {
    it('simple upscaling performed (Lanczos ×2)', async () => {
      const res = await post200(server.url, '/sdapi/v1/extra-single-image', {
        resize_mode: 0, show_extras_results: true, gfpgan_visibility: 0, codeformer_visibility: 0, codeformer_weight: 0,
        upscaling_resize: 2, upscaling_resize_w: 128, upscaling_resize_h: 128, upscaling_crop: true, upscaler_1: 'Lanczos',
        upscaler_2: 'None', extras_upscaler_2_visibility: 0, image: initImage,
      });
      const body = res.json<{ image: string; html_info: string }>();
      expect(await sizeOf(body.image)).toEqual([192, 192]);
      expect(body.html_info).toMatch(/Postprocess upscale by: 2, Postprocess upscaler: Lanczos/);
      expect((await sharp(Buffer.from(body.image, 'base64')).metadata()).comments).toContainEqual({ keyword: 'postprocessing', text: 'Postprocess upscale by: 2, Postprocess upscaler: Lanczos' });
    });

    it.each([
      ['png info performed', {}],
      ['interrogate performed', { model: 'clip' }],
    ])('%s (A1111 posts it to extra-single-image: upscaler None gives the image back)', async (_name, extra) => {
      const res = await post200(server.url, '/sdapi/v1/extra-single-image', { image: initImage, ...extra });
      expect(await sizeOf(res.json<{ image: string }>().image)).toEqual([96, 96]);
    });
  });

  describe('test_utils.py', () => {
    it('options write: send_seed flips, reads back, and is persisted', async () => {
      const before = await getJson<Record<string, unknown>>(server.url, '/sdapi/v1/options');
      const pre = before.send_seed as boolean;
      await post200(server.url, '/sdapi/v1/options', { send_seed: !pre });
      expect((await getJson<Record<string, unknown>>(server.url, '/sdapi/v1/options')).send_seed).toBe(!pre);
      const saved = JSON.parse(fs.readFileSync(path.join(server.outputs, 'a1111', 'options.json'), 'utf8'));
      expect(saved.send_seed).toBe(!pre);
      await post200(server.url, '/sdapi/v1/options', { send_seed: pre });
      expect(before.sd_model_checkpoint).toBe('tiny');
    });

    it.each([
      'sdapi/v1/cmd-flags', 'sdapi/v1/samplers', 'sdapi/v1/upscalers', 'sdapi/v1/sd-models', 'sdapi/v1/hypernetworks',
      'sdapi/v1/face-restorers', 'sdapi/v1/realesrgan-models', 'sdapi/v1/prompt-styles', 'sdapi/v1/embeddings',
    ])('GET %s', async (url) => {
      const res = await request(server.url, { path: `/${url}` });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
    });

    it('the lists are real: our samplers, models and upscalers', async () => {
      const samplers = await getJson<Array<{ name: string; aliases: string[] }>>(server.url, '/sdapi/v1/samplers');
      expect(samplers.map((s) => s.name)).toContain('DDIM');
      const models = await getJson<Array<{ title: string; model_name: string }>>(server.url, '/sdapi/v1/sd-models');
      expect(models).toEqual([expect.objectContaining({ title: 'tiny', model_name: 'tiny' })]);
      const upscalers = await getJson<Array<{ name: string }>>(server.url, '/sdapi/v1/upscalers');
      expect(upscalers.map((u) => u.name)).toEqual(expect.arrayContaining(['None', 'Lanczos']));
      expect(await getJson(server.url, '/sdapi/v1/scripts')).toEqual({ txt2img: [], img2img: ['sd upscale'] });
      expect(await getJson(server.url, '/sdapi/v1/embeddings')).toEqual({ loaded: {}, skipped: {} });
    });
  });
});
