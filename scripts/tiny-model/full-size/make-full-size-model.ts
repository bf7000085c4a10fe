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
import { TINY_DECODER_FOLDER, TINY_ENCODER_FOLDER } from '../make-tiny-model';
import { buildTaesdDecoder, buildTaesdEncoder, TAESD_ENCODER_SHAPE, TAESD_SHAPE, taesdConfig, TaesdWeights } from '../taesd';

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

/** Variants of the full-size model (both off = plain SD 1.5). */
export interface FullSizeVariant {
  /** An LCM-distilled UNet: `timestep_cond` of this width (256 in LCM_Dreamshaper_v7); 0 = none. */
  timestepCondDim?: number;
  /** Also write TAESD at its real size (64 channels): `vae_decoder_tiny/` (blocks 3, 3, 3, 1), `vae_encoder_tiny/` (1, 3, 3, 3). */
  tinyDecoder?: boolean;
}

/** Bump when the generated graph changes, so a cached older model is not benchmarked as the new one. */
export const FULL_SIZE_VERSION = 2;

const SEED = 1505;

/** `float16` writes an fp16 export (float16 weights, activations, inputs and outputs), as GPU users run. */
export async function makeFullSizeModel(
  dir: string,
  shape: FullSizeShape = SD15_SHAPE,
  float: FloatType = 'float32',
  variant: FullSizeVariant = {},
): Promise<{ totalBytes: number }> {
  const tokenizer = makeTokenizerFiles();
  const parts: [string, (g: GraphBuilder, nn: Net) => ModelProto][] = [
    ['text_encoder', (g, nn) => buildClipText(g, nn, { width: shape.textWidth, layers: shape.textLayers, heads: shape.textHeads, vocabSize: tokenizer.vocabSize })],
    ['unet', (g, nn) => buildSdUnet(g, nn, { base: shape.unetBase, contextWidth: shape.textWidth })],
    ['vae_encoder', (g, nn) => buildSdVaeEncoder(g, nn, shape.vaeBase)],
    ['vae_decoder', (g, nn) => buildSdVaeDecoder(g, nn, shape.vaeBase)],
  ];
  let totalBytes = 0;
  for (const [folder, build] of parts) {
    if (folder === 'unet' && variant.timestepCondDim) {
      totalBytes += writeLcmUnet(dir, shape, float, variant.timestepCondDim, false);
      continue;
    }
    totalBytes += writePart(dir, folder, float, build);
  }
  if (variant.tinyDecoder) totalBytes += writeTaesd(dir, float);
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

/** One part's model.onnx and model.onnx_data; `reuse`: model.onnx_data is there already (bytes not counted). */
function writePart(dir: string, folder: string, float: FloatType, build: (g: GraphBuilder, nn: Net) => ModelProto, reuse = false): number {
  const target = path.join(dir, folder);
  fs.mkdirSync(target, { recursive: true });
  const weights = new ExternalWeights(path.join(target, 'model.onnx_data'), 'model.onnx_data', reuse);
  const g = new GraphBuilder(folder);
  let model: ModelProto;
  let dataBytes: number;
  try {
    model = build(g, new Net(g, prngFor(SEED, folder), weights, float));
  } finally {
    dataBytes = weights.close();
  }
  if (reuse) {
    const existing = fs.statSync(weights.file).size;
    if (existing !== dataBytes) throw new Error(`${weights.file} has ${existing} bytes; this generator's ${folder} needs ${dataBytes}: regenerate the full-size model`);
  }
  const bytes = encodeModel(model);
  fs.writeFileSync(path.join(target, 'model.onnx'), bytes);
  return (reuse ? 0 : dataBytes) + bytes.length;
}

/**
 * The LCM-distilled UNet: the ordinary UNet's graph and weights (same seed, same order: with `reuse`, its
 * model.onnx_data is already in place, linked from the plain model) plus `timestep_cond` through cond_proj,
 * whose weight goes to a file of its own so that every other offset stays the same.
 */
export function writeLcmUnet(dir: string, shape: FullSizeShape, float: FloatType, timestepCondDim: number, reuse: boolean): number {
  const condFile = path.join(dir, 'unet', 'timestep_cond.onnx_data');
  fs.mkdirSync(path.dirname(condFile), { recursive: true });
  const condWeights = new ExternalWeights(condFile, 'timestep_cond.onnx_data');
  let unetBytes = 0;
  let condBytes = 0;
  try {
    unetBytes = writePart(dir, 'unet', float, (g, nn) => {
      const condNet = new Net(g, prngFor(SEED, 'unet.cond_proj'), condWeights, float);
      return buildSdUnet(g, nn, { base: shape.unetBase, contextWidth: shape.textWidth, timestepCond: { dim: timestepCondDim, condNet } });
    }, reuse);
  } finally {
    condBytes = condWeights.close();
  }
  return unetBytes + condBytes;
}

/** LCM_Dreamshaper_v7's `time_cond_proj_dim`. */
export const LCM_TIMESTEP_COND_DIM = 256;

/** Hard links (a copy where the file system has none): the LCM variant shares the plain model's bytes. */
function linkFile(source: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    fs.linkSync(source, target);
  } catch {
    fs.copyFileSync(source, target);
  }
}

/**
 * The full-size model's LCM variant for the fast-mode benchmark (LCM-distilled UNet + TAESD decoder), made
 * once beside the plain one from its files: everything but unet/model.onnx is hard-linked (the UNet graph
 * gains timestep_cond, its 3.4 GB of weights are the same file), so it costs a few MB and seconds, not 4 GB.
 */
export async function ensureFullSizeLcmModel(cacheRoot: string, log: (line: string) => void = () => undefined, float: FloatType = 'float32'): Promise<string> {
  const base = await ensureFullSizeModel(cacheRoot, log, float);
  const dir = path.join(cacheRoot, `full-size-sd15-lcm-v${FULL_SIZE_VERSION}${float === 'float16' ? '-fp16' : ''}`);
  // Its last part marks it complete (the folder appears by rename); a variant from before it is remade (links: seconds).
  if (fs.existsSync(path.join(dir, TINY_ENCODER_FOLDER, 'model.onnx'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const started = performance.now();
  log(`making the LCM variant of the full-size model in ${dir} (once; linked to ${base})…`);
  makeLcmVariant(base, tmp, SD15_SHAPE, float);
  fs.renameSync(tmp, dir);
  log(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}

/** `base` (made by makeFullSizeModel with `shape`) → its LCM variant with a tiny decoder in `dir`, sharing its files. */
export function makeLcmVariant(base: string, dir: string, shape: FullSizeShape, float: FloatType = 'float32'): void {
  for (const entry of fs.readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = path.join(entry.parentPath, entry.name);
    const relative = path.relative(base, source);
    if (relative === path.join('unet', 'model.onnx') || relative.startsWith(TINY_DECODER_FOLDER) || relative.startsWith(TINY_ENCODER_FOLDER)) continue;
    linkFile(source, path.join(dir, relative));
  }
  writeLcmUnet(dir, shape, float, LCM_TIMESTEP_COND_DIM, true);
  writeTaesd(dir, float);
}

/** TAESD at real size in `vae_decoder_tiny/` and `vae_encoder_tiny/`, with the config.json that marks each as AutoencoderTiny. */
export function writeTaesd(dir: string, float: FloatType): number {
  const weights = (nn: Net): TaesdWeights => ({
    weight: (name, dims, fanIn, gain) => nn.random(name, dims, fanIn, gain),
    bias: (name, size, center) => nn.near(name, [size], center, 0.02),
    constant: (value) => nn.c(value),
  });
  let bytes = writePart(dir, TINY_DECODER_FOLDER, float, (g, nn) => {
    const latent = g.input('latent_sample', nn.float, ['batch', 4, 'height_latent', 'width_latent']);
    g.output(buildTaesdDecoder(g, weights(nn), latent, TAESD_SHAPE), 'sample', nn.float, ['batch', 3, 'height', 'width']);
    return g.toModel('insaneres-full-size-model');
  });
  bytes += writePart(dir, TINY_ENCODER_FOLDER, float, (g, nn) => {
    const image = g.input('sample', nn.float, ['batch', 3, 'height', 'width']);
    g.output(buildTaesdEncoder(g, weights(nn), image, TAESD_ENCODER_SHAPE), 'latent_sample', nn.float, ['batch', 4, 'height_latent', 'width_latent']);
    return g.toModel('insaneres-full-size-model');
  });
  for (const folder of [TINY_DECODER_FOLDER, TINY_ENCODER_FOLDER]) {
    fs.writeFileSync(path.join(dir, folder, 'config.json'), `${JSON.stringify(taesdConfig(TAESD_SHAPE), null, 2)}\n`);
  }
  return bytes;
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
