/** @jest-environment ./test/helpers/ort-environment.js */
/**
 * Fast mode and --vae through the real loader: the tiny model's LCM-distilled variant (a timestep_cond input)
 * with generated TAESD-layout parts in vae_decoder_tiny/ and vae_encoder_tiny/, by the engine, the CLI and HTTP.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createEngine } from '../../../server/src/engine/engine';
import type { Engine, Img2ImgParams, RawImage } from '../../../server/src/engine/types';
import { encodePng } from '../../../server/src/image/png';
import type { HealthResponse, HistoryListResponse } from '../../../shared/src';
import { runCli, runCliInProcess } from '../../helpers/cli';
import { tempDir, tinyModel } from '../../helpers/tiny-model';
import { createJob, expectApiError, getJson, gradient, postJson, startTestServer, uploadRaw, waitTerminal } from '../server/harness';

const LCM = { timestepCondDim: 16, tinyDecoder: true };
const work = tempDir('fast');
const image: RawImage = { width: 64, height: 64, channels: 4, bitDepth: 8, data: gradient(64, 64) };
// DDIM at 10 steps and strength 0.5 runs 5 steps: fast mode's 4 LCM steps are told apart by the count.
const params: Img2ImgParams = {
  prompt: 'a cat', negativePrompt: '', strength: 0.5, steps: 10, guidanceScale: 7, seed: 3, sampler: 'ddim', emphasis: true,
};

async function inputPng(): Promise<string> {
  const file = path.join(work, 'in.png');
  if (!fs.existsSync(file)) fs.writeFileSync(file, await encodePng(image));
  return file;
}

/** A folder holding `part`'s model.onnx and the given config.json (a wrong thing to pass as --vae). */
async function fakeVaeFolder(name: string, part: string, config: object | null): Promise<string> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(await tinyModel(), part, 'model.onnx'), path.join(dir, 'model.onnx'));
  if (config) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('fast mode in the engine', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ device: 'cpu' });
  });
  afterAll(() => engine.close());

  it('reports fast mode for an LCM-distilled model with a tiny decoder', async () => {
    const info = await engine.loadModel(await tinyModel(LCM));
    expect(info.fast).toEqual({ available: true, tinyDecoder: true, reason: null });
  });

  it('runs 4 LCM steps from vae_encoder_tiny to vae_decoder_tiny; without it, the requested sampler and SD’s VAE', async () => {
    await engine.loadModel(await tinyModel(LCM));
    const steps: number[] = [];
    const fast = await engine.img2img(image, { ...params, fast: true }, { onProgress: (p) => steps.push(p.totalSteps) });
    expect(fast.stepsRun).toBe(4);
    expect(new Set(steps)).toEqual(new Set([4]));
    expect([fast.encoder, fast.decoder]).toEqual(['vae_encoder_tiny', 'vae_decoder_tiny']);
    expect([fast.image.width, fast.image.height]).toEqual([64, 64]);
    const plain = await engine.img2img(image, params);
    expect(plain.stepsRun).toBe(5);
    expect([plain.encoder, plain.decoder]).toEqual(['vae_encoder', 'vae_decoder']);
    // Other parts, another picture.
    expect(Buffer.from(fast.image.data).equals(Buffer.from(plain.image.data))).toBe(false);
  });

  it('refuses fast mode on a model that is not LCM-distilled, naming why', async () => {
    const info = await engine.loadModel(await tinyModel({ tinyDecoder: true }));
    expect(info.fast).toMatchObject({ available: false, tinyDecoder: true });
    await expect(engine.img2img(image, { ...params, fast: true })).rejects.toMatchObject({
      code: 'FAST_UNAVAILABLE',
      message: expect.stringMatching(/not an LCM-distilled model \(its UNet has no timestep_cond input\)/),
    });
  });
});

describe('--fast and --vae on the command line', () => {
  const run = async (model: string, extra: string[], runner = runCliInProcess) =>
    runner(['img2img', '--model', model, '--input', await inputPng(), '--output', path.join(work, 'out.png'), '--prompt', 'a cat', '--strength', '0.5', '--seed', '3', ...extra]);

  it('img2img --fast: 4 LCM steps, TAESD, and the flags it overrides named (a real process)', async () => {
    const result = await run(await tinyModel(LCM), ['--fast', '--steps', '30'], runCli);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/seed 3, 4 steps, fast: LCM, encoder vae_encoder_tiny, decoder vae_decoder_tiny,/);
    expect(result.stderr).toMatch(/--fast runs LCM at 4 steps: --steps ignored/);
  });

  it('upscale --fast: every tile runs 4 LCM steps with TAESD', async () => {
    const output = path.join(work, 'up.png');
    const result = await runCliInProcess(['upscale', '--model', await tinyModel(LCM), '--input', await inputPng(), '--output', output, '--scale', '2', '--seed', '3', '--fast']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/128×128, seed 3, \d+ tiles of 4 steps, fast: LCM, encoder vae_encoder_tiny, decoder vae_decoder_tiny,/);
  });

  it('--fast on an ordinary model is refused with exit 2 and the reason', async () => {
    const result = await run(await tinyModel(), ['--fast']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--fast: fast mode is not available: tiny-model is not an LCM-distilled model/);
  });

  it('--vae DIR replaces the decoder for every job (here a TAESD folder on an ordinary model)', async () => {
    const vae = path.join(await tinyModel(LCM), 'vae_decoder_tiny');
    const result = await run(await tinyModel(), ['--vae', vae]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`decoder ${vae},`);
  });

  it.each([
    ['a missing folder', () => Promise.resolve(path.join(work, 'nowhere')), /--vae: VAE folder .*nowhere does not exist/],
    ['a folder without model.onnx', async () => fs.mkdtempSync(path.join(work, 'empty-')), /--vae: VAE folder .* has neither model\.onnx nor vae_decoder\/model\.onnx/],
    ['no config.json', () => fakeVaeFolder('no-config', 'vae_decoder', null), /--vae: .*no-config has no config\.json saying which decoder it is/],
    ['an unknown _class_name', () => fakeVaeFolder('unet-class', 'vae_decoder', { _class_name: 'UNet2DConditionModel' }), /names _class_name "UNet2DConditionModel"/],
    ['a UNet (three inputs)', () => fakeVaeFolder('unet', 'unet', { _class_name: 'AutoencoderTiny' }), /--vae: .*takes 3 inputs \(sample, timestep, encoder_hidden_states\); a VAE decoder takes one/],
    ['an encoder (3-channel input)', () => fakeVaeFolder('encoder', 'vae_encoder', { _class_name: 'AutoencoderTiny' }), /--vae: .*'sample' has 3 channels; a VAE decoder takes latents \[B,4,h,w\]/],
  ])('--vae with %s: exit 2 naming what was wrong', async (_name, folder, message) => {
    const result = await run(await tinyModel(), ['--vae', await folder()]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });
});

describe('fast mode over HTTP', () => {
  it('serve --fast: health reports it, jobs default to it and history records LCM at 4 steps; fast: false opts out', async () => {
    const server = await startTestServer({ model: await tinyModel(LCM), fast: true });
    try {
      const health = await getJson<HealthResponse>(server.url, '/v1/health');
      expect(health.fast).toEqual({ available: true, default: true, tinyDecoder: true, reason: null });
      const id = await uploadRaw(server.url, 64, 64, gradient(64, 64));
      const byDefault = await createJob(server.url, { kind: 'img2img', image: id, params: { steps: 10, strength: 0.5, seed: 1 } });
      const optOut = await createJob(server.url, { kind: 'img2img', image: id, params: { steps: 10, strength: 0.5, seed: 1, fast: false } });
      expect((await waitTerminal(server.url, byDefault.id)).state).toBe('done');
      expect((await waitTerminal(server.url, optOut.id)).state).toBe('done');
      const { items } = await getJson<HistoryListResponse>(server.url, '/v1/history');
      const entry = (jobId: string) => items.find((item) => item.jobId === jobId);
      expect(entry(byDefault.id)).toMatchObject({ stepsRun: 4, params: { fast: true, sampler: 'lcm', steps: 4 } });
      expect(entry(optOut.id)).toMatchObject({ stepsRun: 5, params: { fast: false, sampler: 'ddim', steps: 10 } });
      expect(entry(byDefault.id)?.infotext).toMatch(/Steps: 4, Sampler: LCM/);
    } finally {
      await server.close();
    }
  });

  it('a job with fast: true on a model without fast mode is refused with FAST_UNAVAILABLE and the reason', async () => {
    const server = await startTestServer({ model: await tinyModel(), fast: true });
    try {
      const health = await getJson<HealthResponse>(server.url, '/v1/health');
      expect(health.fast).toMatchObject({ available: false, default: false, tinyDecoder: false });
      expect(health.fast?.reason).toMatch(/not an LCM-distilled model/);
      const id = await uploadRaw(server.url, 64, 64, gradient(64, 64));
      const res = await postJson(server.url, '/v1/jobs', { kind: 'img2img', image: id, params: { fast: true } });
      expectApiError(res, 'FAST_UNAVAILABLE');
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(/timestep_cond/);
    } finally {
      await server.close();
    }
  });
});
