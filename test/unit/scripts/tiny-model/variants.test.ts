/** @jest-environment ./test/helpers/ort-environment.js */
/**
 * Every tiny-model variant loads in onnxruntime-node, declares the inputs/outputs a real export of that kind
 * declares, and runs end to end (text encoder → UNet → VAE) at the sizes it allows.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { makeTinyModel, TinyModelOptions } from '../../../../scripts/tiny-model/make-tiny-model';
import { allFinite, feed, gradientImage, maxAbs, readFloats } from './ort-io';

type Signature = [name: string, type: string, shape: (number | string)[]][];
type Part = 'text_encoder' | 'unet' | 'vae_encoder' | 'vae_decoder';
const PARTS: Part[] = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

const VARIANTS: [string, TinyModelOptions][] = [
  ['default (int32 ids, int64 timestep)', {}],
  ['int64 ids, float32 timestep', { inputIds: 'int64', timestep: 'float32' }],
  ['fp16, float16 timestep, latent_parameters', { precision: 'fp16', timestep: 'float16', vaeEncoderOutput: 'latent_parameters' }],
  ['scalar timestep, external data, no model_index', { timestep: 'float32-scalar', externalData: true, noModelIndex: true }],
  ['static batch 2, 8×8 latents', { staticShape: { batch: 2, latentSize: 8 } }],
  ['static batch 1, 64×64 latents', { staticShape: { batch: 1, latentSize: 64 } }],
];

/** What each variant must declare: written out from DESIGN §3 and the variant's description. */
function expectedSignatures(options: TinyModelOptions): Record<Part, { inputs: Signature; outputs: Signature }> {
  const float = options.precision === 'fp16' ? 'float16' : 'float32';
  const fixed = options.staticShape;
  const unetBatch = fixed ? fixed.batch : 'batch';
  const batch = fixed ? 1 : 'batch';
  const [h, w] = fixed ? [fixed.latentSize, fixed.latentSize] : ['height', 'width'];
  const [hl, wl] = fixed ? [fixed.latentSize, fixed.latentSize] : ['height_latent', 'width_latent'];
  const [H, W] = fixed ? [8 * fixed.latentSize, 8 * fixed.latentSize] : ['height', 'width'];
  const timestep: Record<string, [string, (number | string)[]]> = {
    int64: ['int64', [fixed ? unetBatch : 'steps']],
    float32: ['float32', [fixed ? unetBatch : 'steps']],
    float16: ['float16', [fixed ? unetBatch : 'steps']],
    'float32-scalar': ['float32', []],
  };
  const [timestepType, timestepShape] = timestep[options.timestep ?? 'int64'];
  const latentOutput: Signature[number] =
    options.vaeEncoderOutput === 'latent_parameters'
      ? ['latent_parameters', float, [batch, 8, hl, wl]]
      : ['latent_sample', float, [batch, 4, hl, wl]];
  return {
    text_encoder: {
      inputs: [['input_ids', options.inputIds ?? 'int32', [batch, 77]]],
      outputs: [
        ['last_hidden_state', float, [batch, 77, 32]],
        ['pooler_output', float, [batch, 32]],
      ],
    },
    unet: {
      inputs: [
        ['sample', float, [unetBatch, 4, h, w]],
        ['timestep', timestepType, timestepShape],
        ['encoder_hidden_states', float, [unetBatch, fixed ? 77 : 'sequence', 32]],
      ],
      outputs: [['out_sample', float, [unetBatch, 4, h, w]]],
    },
    vae_encoder: { inputs: [['sample', float, [batch, 3, H, W]]], outputs: [latentOutput] },
    vae_decoder: {
      inputs: [['latent_sample', float, [batch, 4, hl, wl]]],
      outputs: [['sample', float, [batch, 3, H, W]]],
    },
  };
}

function signature(metadata: readonly ort.InferenceSession.ValueMetadata[]): Signature {
  return metadata.map((m) => (m.isTensor ? [m.name, m.type, [...m.shape]] : [m.name, 'non-tensor', []]));
}

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-tiny-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe.each(VARIANTS)('tiny model variant: %s', (label, options) => {
  let dir: string;
  const sessions = {} as Record<Part, ort.InferenceSession>;

  beforeAll(async () => {
    dir = path.join(root, label.replace(/[^a-z0-9]+/gi, '-'));
    await makeTinyModel(dir, options);
    for (const part of PARTS) sessions[part] = await ort.InferenceSession.create(path.join(dir, part, 'model.onnx'));
  });
  afterAll(async () => {
    await Promise.all(PARTS.map((part) => sessions[part]?.release()));
  });

  it('declares the expected input/output names, dtypes and shapes', () => {
    const expected = expectedSignatures(options);
    for (const part of PARTS) {
      expect({ part, inputs: signature(sessions[part].inputMetadata) }).toEqual({ part, inputs: expected[part].inputs });
      expect({ part, outputs: signature(sessions[part].outputMetadata) }).toEqual({ part, outputs: expected[part].outputs });
    }
  });

  it('has the files of its layout', () => {
    const exists = (file: string): boolean => fs.existsSync(path.join(dir, file));
    for (const file of ['tokenizer/vocab.json', 'tokenizer/merges.txt', 'tokenizer/special_tokens_map.json', 'tokenizer/tokenizer_config.json']) {
      expect(exists(file)).toBe(true);
    }
    expect(exists('model_index.json')).toBe(!options.noModelIndex);
    expect(exists('scheduler/scheduler_config.json')).toBe(!options.noModelIndex);
    for (const part of PARTS) expect(exists(`${part}/model.onnx_data`)).toBe(Boolean(options.externalData));
  });

  const fixed = options.staticShape;
  const imageSizes: [number, number][] = fixed ? [[8 * fixed.latentSize, 8 * fixed.latentSize]] : [[64, 64], [96, 128]];

  it.each(imageSizes)('runs text encoder → UNet → VAE on a %i×%i image', async (height, width) => {
    const [h, w] = [height / 8, width / 8];
    const vocabSize = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer/vocab.json'), 'utf8'))).length;
    const textBatch = fixed ? 1 : 2;
    const unetBatch = fixed ? fixed.batch : 2;

    // [uncond, cond]-like prompts: BOS, a few tokens, EOS padding (BOS and EOS are the last two ids).
    const [bos, eos] = [vocabSize - 2, vocabSize - 1];
    const prompts = [[600, 700], [600, 700, 800]].slice(0, textBatch);
    const ids = prompts.flatMap((tokens) => [bos, ...tokens, ...new Array<number>(76 - tokens.length).fill(eos)]);
    const text = await sessions.text_encoder.run({ input_ids: feed(sessions.text_encoder, 'input_ids', ids, [textBatch, 77]) });
    expect(text.last_hidden_state.dims).toEqual([textBatch, 77, 32]);
    const hidden = readFloats(text.last_hidden_state);
    expect(allFinite(hidden)).toBe(true);

    const context = new Float32Array(unetBatch * 77 * 32).map((_, i) => hidden[i % hidden.length]);
    const latents = new Float32Array(unetBatch * 4 * h * w).map((_, i) => Math.sin(i * 0.37));
    const timestepDims = metadataRank(sessions.unet, 'timestep') === 0 ? [] : [unetBatch];
    const unet = await sessions.unet.run({
      sample: feed(sessions.unet, 'sample', latents, [unetBatch, 4, h, w]),
      timestep: feed(sessions.unet, 'timestep', new Array<number>(timestepDims.length ? unetBatch : 1).fill(801), timestepDims),
      encoder_hidden_states: feed(sessions.unet, 'encoder_hidden_states', context, [unetBatch, 77, 32]),
    });
    expect(unet.out_sample.dims).toEqual([unetBatch, 4, h, w]);
    expect(allFinite(readFloats(unet.out_sample))).toBe(true);

    const image = gradientImage(height, width);
    const encoded = await sessions.vae_encoder.run({ sample: feed(sessions.vae_encoder, 'sample', image, [1, 3, height, width]) });
    const [encoderOutput] = sessions.vae_encoder.outputNames;
    expect(encoded[encoderOutput].dims).toEqual([1, encoderOutput === 'latent_parameters' ? 8 : 4, h, w]);
    const mean = readFloats(encoded[encoderOutput]).slice(0, 4 * h * w); // latent_parameters: mean ‖ logvar
    expect(allFinite(mean)).toBe(true);

    const decoded = await sessions.vae_decoder.run({ latent_sample: feed(sessions.vae_decoder, 'latent_sample', mean, [1, 4, h, w]) });
    expect(decoded.sample.dims).toEqual([1, 3, height, width]);
    const pixels = readFloats(decoded.sample);
    expect(allFinite(pixels)).toBe(true);
    expect(maxAbs(pixels)).toBeLessThan(1.5);
  });
});

function metadataRank(session: ort.InferenceSession, name: string): number {
  const found = session.inputMetadata.find((m) => m.name === name);
  return found?.isTensor ? found.shape.length : -1;
}
