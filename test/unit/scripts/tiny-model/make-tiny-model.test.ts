/** @jest-environment ./test/helpers/ort-environment.js */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { makeTinyModel, TINY_MODEL_MARKER, TinyModelOptions } from '../../../../scripts/tiny-model/make-tiny-model';
import { COLOUR_MAP, LATENT_SCALE, pseudoInverse } from '../../../../scripts/tiny-model/vae';
import { allFinite, gradientImage, maxAbs, mean, meanAbsDifference, readFloats } from './ort-io';

const WIDTH = 32; // text hidden size of the default model

let root: string;
let dir: string; // the default model
let generationMs: number;
const sessions = {} as Record<'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder', ort.InferenceSession>;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-tiny-'));
  dir = path.join(root, 'default');
  const started = performance.now();
  await makeTinyModel(dir);
  generationMs = performance.now() - started;
  for (const part of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const) {
    sessions[part] = await ort.InferenceSession.create(path.join(dir, part, 'model.onnx'));
  }
});
afterAll(async () => {
  await Promise.all(Object.values(sessions).map((session) => session.release()));
  fs.rmSync(root, { recursive: true, force: true });
});

/** Relative path → sha256 of every file under `folder`. */
function filesOf(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(folder, sub), { withFileTypes: true })) {
      const relative = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(relative);
      else files.set(relative, createHash('sha256').update(fs.readFileSync(path.join(folder, relative))).digest('hex'));
    }
  };
  walk('');
  return files;
}

async function encodeText(ids: number[]): Promise<Float32Array> {
  const outputs = await sessions.text_encoder.run({ input_ids: new ort.Tensor('int32', Int32Array.from(ids), [1, 77]) });
  return readFloats(outputs.last_hidden_state);
}

async function predictNoise(sample: Float32Array, timestep: number, context: Float32Array): Promise<Float32Array> {
  const [h, w] = [8, 8];
  const outputs = await sessions.unet.run({
    sample: new ort.Tensor('float32', sample, [1, 4, h, w]),
    timestep: new ort.Tensor('int64', new BigInt64Array([BigInt(timestep)]), [1]),
    encoder_hidden_states: new ort.Tensor('float32', context, [1, 77, WIDTH]),
  });
  return readFloats(outputs.out_sample);
}

function promptIds(vocabSize: number, tokens: number[]): number[] {
  return [vocabSize - 2, ...tokens, ...new Array<number>(76 - tokens.length).fill(vocabSize - 1)];
}

function vocabSize(): number {
  return Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer/vocab.json'), 'utf8'))).length;
}

describe('makeTinyModel', () => {
  it('writes a few hundred KB quickly', () => {
    const total = [...filesOf(dir).keys()].reduce((sum, file) => sum + fs.statSync(path.join(dir, file)).size, 0);
    // eslint-disable-next-line no-console
    console.log(`tiny model: ${(total / 1024).toFixed(0)} KB written in ${generationMs.toFixed(0)} ms`);
    expect(total).toBeLessThan(1024 * 1024);
    expect(total).toBeGreaterThan(100 * 1024);
  });

  it('is deterministic: the same options give byte-identical files', async () => {
    const options: TinyModelOptions = { precision: 'fp16', externalData: true, timestep: 'float16' };
    const [first, second, again] = ['a', 'b', 'again'].map((name) => path.join(root, name));
    await makeTinyModel(first, options);
    await makeTinyModel(second, options);
    await makeTinyModel(again);
    expect(filesOf(second)).toEqual(filesOf(first));
    expect(filesOf(again)).toEqual(filesOf(dir));
  });

  it('uses the seed for the weights only', async () => {
    const other = path.join(root, 'seed-7');
    await makeTinyModel(other, { seed: 7 });
    const [ours, theirs] = [filesOf(dir), filesOf(other)];
    expect(theirs.get(path.join('tokenizer', 'vocab.json'))).toEqual(ours.get(path.join('tokenizer', 'vocab.json')));
    expect(theirs.get(path.join('unet', 'model.onnx'))).not.toEqual(ours.get(path.join('unet', 'model.onnx')));
  });

  it('writes SD 1.5 configs and marks the folder as the tiny demo model', () => {
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model_index.json'), 'utf8'));
    expect(index).toMatchObject({ _class_name: 'OnnxStableDiffusionPipeline', [TINY_MODEL_MARKER]: true });
    const scheduler = JSON.parse(fs.readFileSync(path.join(dir, 'scheduler/scheduler_config.json'), 'utf8'));
    expect(scheduler).toMatchObject({
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      num_train_timesteps: 1000,
      steps_offset: 1,
      set_alpha_to_one: false,
      prediction_type: 'epsilon',
      timestep_spacing: 'leading',
    });
    const vae = JSON.parse(fs.readFileSync(path.join(dir, 'vae_decoder/config.json'), 'utf8'));
    expect(vae.scaling_factor).toBe(0.18215);
  });

  it('rewriting a folder with other options leaves exactly the new variant', async () => {
    const folder = path.join(root, 'rewrite');
    await makeTinyModel(folder, { externalData: true });
    expect(fs.existsSync(path.join(folder, 'unet/model.onnx_data'))).toBe(true);
    await makeTinyModel(folder, { noModelIndex: true });
    expect(fs.existsSync(path.join(folder, 'unet/model.onnx_data'))).toBe(false);
    expect(fs.existsSync(path.join(folder, 'model_index.json'))).toBe(false);
    expect(fs.existsSync(path.join(folder, 'vae_decoder/config.json'))).toBe(false);
  });

  it('rejects sizes the graph cannot be built with', async () => {
    await expect(makeTinyModel(path.join(root, 'bad'), { unetChannels: 12 })).rejects.toThrow(/multiple of 8/);
    await expect(makeTinyModel(path.join(root, 'bad'), { unetBlocks: 0 })).rejects.toThrow(/unetBlocks/);
  });

  it('the external-data variant computes exactly what the inline one does', async () => {
    const external = path.join(root, 'external');
    await makeTinyModel(external, { externalData: true });
    expect(fs.statSync(path.join(external, 'unet/model.onnx')).size).toBeLessThan(32 * 1024);
    const session = await ort.InferenceSession.create(path.join(external, 'unet/model.onnx'));
    const sample = new Float32Array(4 * 8 * 8).map((_, i) => Math.cos(i));
    const context = new Float32Array(77 * WIDTH).map((_, i) => Math.sin(i));
    const outputs = await session.run({
      sample: new ort.Tensor('float32', sample, [1, 4, 8, 8]),
      timestep: new ort.Tensor('int64', new BigInt64Array([500n]), [1]),
      encoder_hidden_states: new ort.Tensor('float32', context, [1, 77, WIDTH]),
    });
    expect(readFloats(outputs.out_sample)).toEqual(await predictNoise(sample, 500, context));
    await session.release();
  });
});

describe('tiny text encoder', () => {
  it('has a non-zero mean and depends on tokens causally and on position', async () => {
    const size = vocabSize();
    const base = await encodeText(promptIds(size, [600, 700, 800]));
    const changed = await encodeText(promptIds(size, [600, 650, 800]));
    const row = (data: Float32Array, position: number): Float32Array => data.slice(position * WIDTH, (position + 1) * WIDTH);

    expect(Math.abs(mean(base))).toBeGreaterThan(0.05);
    // Changing the token at position 2 leaves positions 0–1 alone (causal mask) and changes 2 onwards.
    expect(meanAbsDifference(row(base, 1), row(changed, 1))).toBe(0);
    expect(meanAbsDifference(row(base, 2), row(changed, 2))).toBeGreaterThan(0.1);
    expect(meanAbsDifference(row(base, 40), row(changed, 40))).toBeGreaterThan(0);
    // The same (padding) token at two positions encodes differently.
    expect(meanAbsDifference(row(base, 10), row(base, 11))).toBeGreaterThan(0.1);
  });
});

describe('tiny UNet', () => {
  const sample = new Float32Array(4 * 8 * 8).map((_, i) => Math.sin(i * 1.3));

  it('responds to the timestep and to the text', async () => {
    const size = vocabSize();
    const cat = await encodeText(promptIds(size, [600, 700]));
    const dog = await encodeText(promptIds(size, [600, 750]));
    const reference = await predictNoise(sample, 500, cat);
    expect(meanAbsDifference(reference, await predictNoise(sample, 100, cat))).toBeGreaterThan(0.005);
    // The text reaches the output through the random network (weight 0.1 on top of the denoiser): ~0.0047.
    expect(meanAbsDifference(reference, await predictNoise(sample, 500, dog))).toBeGreaterThan(0.002);
  });

  it('stays bounded over a full 50-step DDIM run from pure noise', async () => {
    const context = await encodeText(promptIds(vocabSize(), [600]));
    const alphasCumprod: number[] = [];
    let product = 1;
    for (let t = 0; t < 1000; t++) {
      const beta = (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * t) / 999) ** 2;
      alphasCumprod.push((product *= 1 - beta));
    }
    let latents = new Float32Array(sample.length).map((_, i) => Math.sin(i * 12.9898) * 1.7);
    for (let t = 981; t >= 1; t -= 20) {
      const noise = await predictNoise(latents, t, context);
      const [alpha, alphaPrev] = [alphasCumprod[t], alphasCumprod[Math.max(t - 20, 0)]];
      latents = latents.map((x, i) => {
        const predictedOriginal = (x - Math.sqrt(1 - alpha) * noise[i]) / Math.sqrt(alpha);
        return Math.sqrt(alphaPrev) * predictedOriginal + Math.sqrt(1 - alphaPrev) * noise[i];
      });
    }
    expect(allFinite(latents)).toBe(true);
    expect(maxAbs(latents)).toBeLessThan(10);
  });
});

describe('tiny VAE', () => {
  it('uses a colour map whose pseudo-inverse undoes it', () => {
    const inverse = pseudoInverse(COLOUR_MAP);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const product = COLOUR_MAP.reduce((sum, row, k) => sum + inverse[i][k] * row[j], 0);
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('round-trips a smooth image closely (encode, ×0.18215, ÷0.18215, decode)', async () => {
    const [height, width] = [64, 96];
    const image = gradientImage(height, width);
    const encoded = await sessions.vae_encoder.run({ sample: new ort.Tensor('float32', image, [1, 3, height, width]) });
    const latents = readFloats(encoded.latent_sample).map((v) => v * LATENT_SCALE);
    expect(Math.abs(mean(latents))).toBeLessThan(0.5);
    expect(maxAbs(latents)).toBeLessThan(4);
    const unscaled = latents.map((v) => v / LATENT_SCALE);
    const decoded = await sessions.vae_decoder.run({
      latent_sample: new ort.Tensor('float32', unscaled, [1, 4, height / 8, width / 8]),
    });
    expect(meanAbsDifference(readFloats(decoded.sample), image)).toBeLessThan(0.15);
  });
});

