/**
 * @jest-environment ./test/helpers/ort-environment.js
 *
 * The full-size model's LCM variant (fast-mode benchmark): made from the plain model's files, its UNet must
 * be the plain UNet plus timestep_cond — same weights at the same offsets of the same (hard-linked) file —
 * and its TAESD decoder must give finite, normal pixels. Built at reduced width (the plain model shared with
 * full-size-model.test.ts), run on a small crop.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { LCM_TIMESTEP_COND_DIM, makeLcmVariant } from '../../../scripts/tiny-model/full-size/make-full-size-model';
import { findTinyDecoder, findTinyEncoder } from '../../../server/src/runtime/vae-decoder-folder';
import { reducedFullSizeModel, REDUCED_SHAPE } from '../../helpers/full-size-model';
import { tempDir } from '../../helpers/tiny-model';

const SMALLEST_NORMAL = 1.1754943508222875e-38;
const open = (file: string) => ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'basic' });

describe('the full-size model’s LCM variant', () => {
  const lcm = path.join(tempDir('full-size-lcm'), 'lcm');
  let base: string;
  beforeAll(async () => {
    base = await reducedFullSizeModel();
    makeLcmVariant(base, lcm, REDUCED_SHAPE);
  }, 120_000);

  it('shares the plain model’s weight files (hard links) and writes only the new graphs', () => {
    for (const part of ['unet/model.onnx_data', 'text_encoder/model.onnx_data', 'vae_decoder/model.onnx_data']) {
      expect([part, fs.statSync(path.join(lcm, part)).ino]).toEqual([part, fs.statSync(path.join(base, part)).ino]);
    }
    expect(findTinyDecoder(lcm)).toMatchObject({ kind: 'tiny', scalingFactor: 1, label: 'vae_decoder_tiny' });
    expect(findTinyEncoder(lcm)).toMatchObject({ kind: 'tiny', scalingFactor: 1, label: 'vae_encoder_tiny' });
  });

  it('UNet: timestep_cond [B,256]; with a zero embedding it gives exactly the plain UNet’s output, with another a different one', async () => {
    const plain = await open(path.join(base, 'unet', 'model.onnx'));
    const distilled = await open(path.join(lcm, 'unet', 'model.onnx'));
    expect(distilled.inputNames).toContain('timestep_cond');
    const sample = new ort.Tensor('float32', Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.sin(i)), [1, 4, 8, 8]);
    const feeds = {
      sample,
      timestep: new ort.Tensor('int64', new BigInt64Array([499n]), [1]),
      encoder_hidden_states: new ort.Tensor('float32', Float32Array.from({ length: 77 * 64 }, (_, i) => Math.cos(i / 7)), [1, 77, 64]),
    };
    const cond = (fill: number) => new ort.Tensor('float32', new Float32Array(LCM_TIMESTEP_COND_DIM).fill(fill), [1, LCM_TIMESTEP_COND_DIM]);
    const reference = (await plain.run(feeds)).out_sample.data as Float32Array;
    const zero = (await distilled.run({ ...feeds, timestep_cond: cond(0) })).out_sample.data as Float32Array;
    const guided = (await distilled.run({ ...feeds, timestep_cond: cond(0.5) })).out_sample.data as Float32Array;
    expect(Array.from(zero)).toEqual(Array.from(reference));
    expect(Array.from(guided)).not.toEqual(Array.from(reference));
    await Promise.all([plain.release(), distilled.release()]);
  });

  it('TAESD decoder: 8× the latent size, finite normal values spread around [-1, 1]', async () => {
    const decoder = await open(path.join(lcm, 'vae_decoder_tiny', 'model.onnx'));
    const latent = new ort.Tensor('float32', Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => 1.5 * Math.sin(i / 3)), [1, 4, 8, 8]);
    const image = (await decoder.run({ latent_sample: latent })).sample;
    expect(image.dims).toEqual([1, 3, 64, 64]);
    const values = image.data as Float32Array;
    let sum = 0;
    let squares = 0;
    for (const v of values) {
      if (!Number.isFinite(v) || (v !== 0 && Math.abs(v) < SMALLEST_NORMAL)) throw new Error(`bad output value ${v}`);
      sum += v;
      squares += v * v;
    }
    const mean = sum / values.length;
    const std = Math.sqrt(squares / values.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(1);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(2);
    await decoder.release();
  });

  it('TAESD encoder: 1/8 of the image size, latents finite and near unit size', async () => {
    const encoder = await open(path.join(lcm, 'vae_encoder_tiny', 'model.onnx'));
    const pixels = new ort.Tensor('float32', Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.sin(i / 50)), [1, 3, 64, 64]);
    const latent = (await encoder.run({ sample: pixels })).latent_sample;
    expect(latent.dims).toEqual([1, 4, 8, 8]);
    const values = Array.from(latent.data as Float32Array);
    expect(values.every(Number.isFinite)).toBe(true);
    const rms = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
    expect(rms).toBeGreaterThan(0.01);
    expect(rms).toBeLessThan(100);
    await encoder.release();
  });
});
