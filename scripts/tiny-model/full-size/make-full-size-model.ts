/**
 * `make-tiny-model --full-size`: the real SD 1.5 architecture (UNet 320/640/1280, the real VAE, a CLIP-L
 * shaped text encoder) with random weights, in the diffusers/optimum ONNX layout with external data files
 * (about 4.3 GB). Same graph, same op mix, same cost per step as a real export: the benchmarks' model for
 * honest timings. Its images are meaningless. `ensureFullSizeModel` makes it once into a cache folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GraphBuilder } from '../../../server/src/onnx/graph-builder';
import { encodeModel, ModelProto } from '../../../server/src/onnx/proto-writer';
import { modelIndex, schedulerConfig, vaeConfig } from '../config-files';
import { prngFor } from '../prng';
import { makeTokenizerFiles } from '../tokenizer-files';
import { buildClipText } from './clip-text';
import { ExternalWeights, FloatType, Net } from './net';
import { buildSdUnet } from './sd-unet';
import { buildSdVaeDecoder, buildSdVaeEncoder } from './sd-vae';

export interface FullSizeShape {
  /** UNet base width: 320 in SD 1.5 (then 640, 1280, 1280). */
  unetBase: number;
  /** VAE base width: 128 in SD 1.5 (then 256, 512, 512). */
  vaeBase: number;
  /** Text width 768, 12 layers, 12 heads in CLIP ViT-L/14. */
  textWidth: number;
  textLayers: number;
  textHeads: number;
}

export const SD15_SHAPE: FullSizeShape = { unetBase: 320, vaeBase: 128, textWidth: 768, textLayers: 12, textHeads: 12 };

/** Bump when the generated graph changes, so a cached older model is not benchmarked as the new one. */
export const FULL_SIZE_VERSION = 2;

const SEED = 1505;

/** `float16` writes an fp16 export (float16 weights, activations, inputs and outputs), as GPU users run. */
export async function makeFullSizeModel(dir: string, shape: FullSizeShape = SD15_SHAPE, float: FloatType = 'float32'): Promise<{ totalBytes: number }> {
  const tokenizer = makeTokenizerFiles();
  const parts: [string, (g: GraphBuilder, nn: Net) => ModelProto][] = [
    ['text_encoder', (g, nn) => buildClipText(g, nn, { width: shape.textWidth, layers: shape.textLayers, heads: shape.textHeads, vocabSize: tokenizer.vocabSize })],
    ['unet', (g, nn) => buildSdUnet(g, nn, { base: shape.unetBase, contextWidth: shape.textWidth })],
    ['vae_encoder', (g, nn) => buildSdVaeEncoder(g, nn, shape.vaeBase)],
    ['vae_decoder', (g, nn) => buildSdVaeDecoder(g, nn, shape.vaeBase)],
  ];
  let totalBytes = 0;
  for (const [folder, build] of parts) {
    const target = path.join(dir, folder);
    fs.mkdirSync(target, { recursive: true });
    const weights = new ExternalWeights(path.join(target, 'model.onnx_data'), 'model.onnx_data');
    const g = new GraphBuilder(folder);
    let model: ModelProto;
    try {
      model = build(g, new Net(g, prngFor(SEED, folder), weights, float));
    } finally {
      totalBytes += weights.close();
    }
    const bytes = encodeModel(model);
    fs.writeFileSync(path.join(target, 'model.onnx'), bytes);
    totalBytes += bytes.length;
  }
  const files: [string, string][] = [
    ...Object.entries(tokenizer.files).map(([name, text]): [string, string] => [`tokenizer/${name}`, text]),
    ['model_index.json', JSON.stringify(modelIndex(), null, 2)],
    ['scheduler/scheduler_config.json', JSON.stringify(schedulerConfig(), null, 2)],
    ['vae_encoder/config.json', JSON.stringify(vaeConfig(), null, 2)],
    ['vae_decoder/config.json', JSON.stringify(vaeConfig(), null, 2)],
  ];
  for (const [file, text] of files) {
    const target = path.join(dir, ...file.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `${text}\n`);
  }
  return { totalBytes };
}

/**
 * The full-size model in `cacheRoot`, generated on first use (minutes, ~4.3 GB): written under a
 * temporary name and renamed, so an interrupted run leaves no half model behind.
 */
export async function ensureFullSizeModel(cacheRoot: string, log: (line: string) => void = () => undefined, float: FloatType = 'float32'): Promise<string> {
  const dir = path.join(cacheRoot, `full-size-sd15-v${FULL_SIZE_VERSION}${float === 'float16' ? '-fp16' : ''}`);
  if (fs.existsSync(path.join(dir, 'unet', 'model.onnx'))) return dir;
  fs.mkdirSync(cacheRoot, { recursive: true });
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const started = performance.now();
  log(`generating the full-size random-weight SD 1.5 model in ${dir} (once; about ${float === 'float16' ? '2.2' : '4.3'} GB)…`);
  const { totalBytes } = await makeFullSizeModel(tmp, SD15_SHAPE, float);
  fs.renameSync(tmp, dir);
  log(`  ${(totalBytes / 1e9).toFixed(2)} GB in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}
