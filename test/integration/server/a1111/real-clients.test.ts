/**
 * What real A1111 clients send and read, field for field: the `webuiapi` Python client (mix1009/sdwebuiapi:
 * its constructor's script check, txt2img/img2img payloads with every default it fills in, `_to_api_result`,
 * png_info, util_get_model_names/util_set_model/util_wait_for_ready) and the payload shapes of plugins and
 * scripts (GIMP/Photoshop style: raw base64 without a data URL, 0/1 for booleans, null for defaults,
 * an A1111 1.9+ `scheduler`, `script_name: ""`).
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp, { type Metadata } from 'sharp';
import { tinyModel } from '../../../helpers/tiny-model';
import { getJson, postJson, request, startTestServer, tempDir, type TestServer } from '../harness';
import { pngBase64, pngDataUrl } from './fixtures';

/** webuiapi's `_to_api_result`: base64.b64decode each image, json.loads(info). */
async function toApiResult(res: { status: number; json<T>(): T; body: Buffer }): Promise<{ images: Metadata[]; info: Record<string, unknown>; parameters: unknown }> {
  if (res.status !== 200) throw new Error(`${res.status} ${res.body.toString()}`);
  const r = res.json<{ images?: string[]; image?: string; info?: string; html_info?: string; parameters?: unknown }>();
  const encoded = r.images ?? (r.image ? [r.image] : []);
  const images = await Promise.all(encoded.map((i) => sharp(Buffer.from(i, 'base64')).metadata()));
  const info = typeof r.info === 'string' ? (JSON.parse(r.info) as Record<string, unknown>) : { html_info: r.html_info };
  return { images, info, parameters: r.parameters ?? '' };
}

/** webuiapi.txt2img's payload with its defaults (sampler "Euler a", eta 1.0, hr_upscaler "Latent", …). */
function webuiapiTxt2Img(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    enable_hr: false, hr_scale: 2, hr_upscaler: 'Latent', hr_second_pass_steps: 0, hr_resize_x: 0, hr_resize_y: 0,
    denoising_strength: 0.7, firstphase_width: 0, firstphase_height: 0, prompt: '', styles: [], seed: -1, subseed: -1,
    subseed_strength: 0.0, seed_resize_from_h: 0, seed_resize_from_w: 0, batch_size: 1, n_iter: 1, steps: 20, cfg_scale: 7.0,
    width: 512, height: 512, restore_faces: false, tiling: false, do_not_save_samples: false, do_not_save_grid: false,
    negative_prompt: '', eta: 1.0, s_churn: 0, s_tmax: 0, s_tmin: 0, s_noise: 1, override_settings: {},
    override_settings_restore_afterwards: true, sampler_name: 'Euler a', sampler_index: 'Euler a', script_name: null,
    script_args: [], send_images: true, save_images: false, alwayson_scripts: {}, ...overrides,
  };
}

/** webuiapi.img2img's payload with its defaults (inpaint fields as ints, image_cfg_scale, …). */
function webuiapiImg2Img(images: string[], overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    init_images: images, resize_mode: 0, denoising_strength: 0.75, mask_blur: 4, inpainting_fill: 0, inpaint_full_res: true,
    inpaint_full_res_padding: 0, inpainting_mask_invert: 0, initial_noise_multiplier: 1, prompt: '', styles: [], seed: -1,
    subseed: -1, subseed_strength: 0, seed_resize_from_h: 0, seed_resize_from_w: 0, batch_size: 1, n_iter: 1, steps: 20,
    cfg_scale: 7.0, image_cfg_scale: 1.5, width: 512, height: 512, restore_faces: false, tiling: false,
    do_not_save_samples: false, do_not_save_grid: false, negative_prompt: '', eta: 1.0, s_churn: 0, s_tmax: 0, s_tmin: 0,
    s_noise: 1, override_settings: {}, override_settings_restore_afterwards: true, sampler_name: 'Euler a',
    sampler_index: 'Euler a', include_init_images: false, script_name: null, script_args: [], send_images: true,
    save_images: false, alwayson_scripts: {}, ...overrides,
  };
}

describe('real A1111 clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    const models = tempDir('a1111-models');
    for (const name of ['alpha', 'beta']) fs.cpSync(await tinyModel(), path.join(models, name), { recursive: true });
    server = await startTestServer({ modelsDir: models });
  });
  afterAll(() => server?.close());

  it('webuiapi: WebUIApi() checks the scripts; txt2img, img2img, extras and png_info parse as it parses them', async () => {
    const scripts = await getJson<{ txt2img: string[]; img2img: string[] }>(server.url, '/sdapi/v1/scripts');
    // check_controlnet / check_adetailer: `"controlnet m2m" in scripts["txt2img"]`.
    expect(scripts.txt2img).not.toContain('controlnet m2m');

    const t2i = await toApiResult(await postJson(server.url, '/sdapi/v1/txt2img', webuiapiTxt2Img({ prompt: 'cute squirrel', negative_prompt: 'ugly, out of frame', seed: 1003, cfg_scale: 7, steps: 3, width: 64, height: 64 })));
    expect(t2i.images.map((m) => [m.format, m.width, m.height])).toEqual([['png', 64, 64]]);
    expect(t2i.info).toMatchObject({ seed: 1003, all_seeds: [1003], prompt: 'cute squirrel', negative_prompt: 'ugly, out of frame' });
    expect(t2i.parameters).toMatchObject({ prompt: 'cute squirrel', seed: 1003 });

    const squirrel = (await postJson(server.url, '/sdapi/v1/txt2img', webuiapiTxt2Img({ prompt: 'cute squirrel', seed: 1003, steps: 3, width: 64, height: 64 }))).json<{ images: string[] }>().images[0];
    // b64_img(result1.image): PIL re-encodes the PNG keeping its text → data URL.
    const i2i = await toApiResult(await postJson(server.url, '/sdapi/v1/img2img', webuiapiImg2Img([`data:image/png;base64,${squirrel}`], { prompt: 'cute cat', seed: 5555, cfg_scale: 6.5, denoising_strength: 0.6, steps: 3, width: 64, height: 64 })));
    expect(i2i.images.map((m) => [m.width, m.height])).toEqual([[64, 64]]);
    expect(i2i.info).toMatchObject({ seed: 5555, denoising_strength: 0.6 });

    const extras = await toApiResult(await postJson(server.url, '/sdapi/v1/extra-single-image', {
      resize_mode: 0, show_extras_results: true, gfpgan_visibility: 0, codeformer_visibility: 0, codeformer_weight: 0,
      upscaling_resize: 1.5, upscaling_resize_w: 512, upscaling_resize_h: 512, upscaling_crop: true, upscaler_1: 'R-ESRGAN 4x+',
      upscaler_2: 'None', extras_upscaler_2_visibility: 0, upscale_first: false, image: `data:image/png;base64,${squirrel}`,
    }));
    expect(extras.images.map((m) => [m.width, m.height])).toEqual([[96, 96]]);
    expect(String(extras.info.html_info)).toMatch(/R-ESRGAN 4x\+.* not available; used Lanczos/);

    // extra_batch_images: imageList of {data: b64_img, name: "image00001"}; r["images"] decoded in order.
    const batch = await postJson(server.url, '/sdapi/v1/extra-batch-images', {
      resize_mode: 0, show_extras_results: true, upscaling_resize: 2, upscaler_1: 'Lanczos', upscaler_2: 'None',
      imageList: [{ data: `data:image/png;base64,${squirrel}`, name: 'image00001' }, { data: await pngDataUrl(20, 10), name: 'image00002' }],
    });
    const batchImages = await Promise.all(batch.json<{ images: string[] }>().images.map((i) => sharp(Buffer.from(i, 'base64')).metadata()));
    expect(batchImages.map((m) => [m.width, m.height])).toEqual([[128, 128], [40, 20]]);
    // The squirrel's infotext travels with it through the upscale.
    expect(batchImages[0].comments?.find((c) => c.keyword === 'parameters')?.text).toMatch(/^cute squirrel/);

    const info = (await postJson(server.url, '/sdapi/v1/png-info', { image: `data:image/png;base64,${squirrel}` })).json<{ info: string }>().info;
    expect(info).toMatch(/^cute squirrel\nSteps: 3, Sampler: \w+.*Seed: 1003, Size: 64x64, Model: alpha/);
  });

  it('webuiapi: util_get_model_names, util_set_model and util_wait_for_ready switch the checkpoint', async () => {
    const titles = (await getJson<Array<{ title: string }>>(server.url, '/sdapi/v1/sd-models')).map((m) => m.title);
    expect(titles).toEqual(['alpha', 'beta']);
    const options = await getJson<Record<string, unknown>>(server.url, '/sdapi/v1/options');
    expect(options.sd_model_checkpoint).toBe('alpha');
    expect((await postJson(server.url, '/sdapi/v1/options', { sd_model_checkpoint: 'beta' })).status).toBe(200);
    const progress = await getJson<{ state: { job_count: number } }>(server.url, '/sdapi/v1/progress');
    expect(progress.state.job_count).toBe(0);
    expect((await getJson<Record<string, unknown>>(server.url, '/sdapi/v1/options')).sd_model_checkpoint).toBe('beta');
    expect((await getJson<{ current: string }>(server.url, '/v1/models')).current).toBe('beta');

    // override_settings switches for one request and (restore_afterwards, the default) back afterwards.
    const res = await toApiResult(await postJson(server.url, '/sdapi/v1/txt2img', webuiapiTxt2Img({ steps: 2, width: 64, height: 64, override_settings: { sd_model_checkpoint: 'alpha' } })));
    expect(res.info.sd_model_name).toBe('alpha');
    expect(String((res.info.infotexts as string[])[0])).toMatch(/Model: alpha/);
    const deadline = Date.now() + 30_000;
    while ((await getJson<{ current: string }>(server.url, '/v1/models')).current !== 'beta') {
      if (Date.now() > deadline) throw new Error('the model was not switched back');
      await new Promise((r) => setTimeout(r, 50));
    }
    await postJson(server.url, '/sdapi/v1/options', { sd_model_checkpoint: 'alpha' });
    // A1111 titles ("name.safetensors [hash]") name the same model: the loaded one is not loaded again.
    const loads = server.logs.filter((l) => l.msg === 'loading model').length;
    expect((await postJson(server.url, '/sdapi/v1/options', { sd_model_checkpoint: 'alpha.safetensors [0123abcd]' })).status).toBe(200);
    expect(server.logs.filter((l) => l.msg === 'loading model').length).toBe(loads);
  });

  it('plugin-style inpaint: raw base64 mask, 0/1 booleans, only-masked padding; the infotext says how', async () => {
    // A mask that is white in the middle only.
    const maskPng = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'black' } })
      .composite([{ input: await sharp({ create: { width: 16, height: 16, channels: 3, background: 'white' } }).png().toBuffer(), left: 24, top: 24 }])
      .png().toBuffer();
    const res = await toApiResult(await postJson(server.url, '/sdapi/v1/img2img', {
      init_images: [await pngBase64(64, 64)], mask: maskPng.toString('base64'), prompt: 'an eye', seed: 5, steps: 3, width: 64, height: 64,
      denoising_strength: 0.75, mask_blur: 4, inpainting_fill: 1, inpaint_full_res: 1, inpaint_full_res_padding: 32, inpainting_mask_invert: 0,
      sampler_name: 'DPM++ 2M', scheduler: 'Karras', cfg_scale: 7, include_init_images: false,
    }));
    expect(res.images.map((m) => [m.width, m.height])).toEqual([[64, 64]]);
    const infotext = (res.info.infotexts as string[])[0];
    expect(infotext).toMatch(/Sampler: DPM\+\+ 2M, Schedule type: Karras/);
    expect(infotext).toMatch(/Mask blur: 4, Inpaint area: Only masked, Masked area padding: 32/);
  });

  it('plugin-style payloads: raw base64, 0/1 booleans, nulls, scheduler "Simple", script_name ""', async () => {
    const payload = {
      init_images: [await pngBase64(80, 48)], prompt: 'retouch', negative_prompt: '', seed: '77', batch_size: 1, n_iter: 1,
      steps: 3, cfg_scale: 1, width: 80, height: 48, resize_mode: 0, mask_blur: 4, inpainting_fill: 1, inpaint_full_res: 1,
      inpaint_full_res_padding: 32, sampler_name: 'Euler', sampler_index: 'Euler', scheduler: 'Simple', denoising_strength: 0.4,
      mask_mode: 0, inpainting_mask_invert: 0, mask: null, s_tmax: null, comments: {}, override_settings: {},
      override_settings_restore_afterwards: true, script_args: [], include_init_images: false, script_name: '',
      send_images: true, save_images: false, alwayson_scripts: {},
    };
    const res = await toApiResult(await postJson(server.url, '/sdapi/v1/img2img', payload));
    expect(res.images.map((m) => [m.width, m.height])).toEqual([[80, 48]]);
    expect(res.info).toMatchObject({ seed: 77, all_seeds: [77] });
    expect((res.info.warnings as string[]).join('\n')).toMatch(/schedule type "Simple" is not available here; used Automatic/);
  });

  it('a client sending JSON as text/plain, and an interrupt with nothing running, still work', async () => {
    const res = await postJson(server.url, '/sdapi/v1/png-info', { image: await pngDataUrl(4, 4) }, { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ info: '' });
    expect((await postJson(server.url, '/sdapi/v1/interrupt', {})).json()).toEqual({});
    expect((await postJson(server.url, '/sdapi/v1/skip', {})).status).toBe(200);
    // webuiapi's interrupt()/skip(): session.post(url) with no body at all.
    for (const route of ['interrupt', 'skip']) {
      expect((await request(server.url, { method: 'POST', path: `/sdapi/v1/${route}`, headers: { 'content-length': '0' } })).status).toBe(200);
    }
  });
});
