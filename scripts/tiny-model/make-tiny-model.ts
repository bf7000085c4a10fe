/**
 * Writes the tiny random-weight SD 1.5-shaped model in the diffusers/optimum ONNX folder layout (DESIGN §3), so
 * that tests and a fresh `npm start` exercise the real loader and pipeline. Its images are meaningless.
 */
import * as fs from 'fs';
import * as path from 'path';
import { saveModel } from '../../server/src/onnx/model-file';
import { ModelProto } from '../../server/src/onnx/proto-writer';
import { modelIndex, schedulerConfig, vaeConfig } from './config-files';
import { resolveOptions, TinyModelOptions } from './options';
import { buildTextEncoder } from './text-encoder';
import { makeTokenizerFiles } from './tokenizer-files';
import { buildUnet } from './unet';
import { taesdConfig } from './taesd';
import { buildTinyVaeDecoder, buildTinyVaeEncoder, buildVaeDecoder, buildVaeEncoder, TINY_TAESD_SHAPE } from './vae';

export type { StaticShape, TimestepVariant, TinyModelOptions } from './options';
export { TINY_MODEL_MARKER } from './config-files';

export const MODEL_FILE = 'model.onnx';
/** Where fast mode's tiny VAE decoder sits in a model folder (server/src/runtime/vae-decoder-folder.ts). */
export const TINY_DECODER_FOLDER = 'vae_decoder_tiny';
export const TINY_ENCODER_FOLDER = 'vae_encoder_tiny';
export const EXTERNAL_DATA_FILE = 'model.onnx_data';
/** onnx's save_as_external_data default threshold. */
const EXTERNAL_DATA_MIN_BYTES = 1024;

export interface WrittenFile {
  /** Relative to the model folder, with '/' separators. */
  file: string;
  bytes: number;
}

export interface TinyModelReport {
  files: WrittenFile[];
  totalBytes: number;
}

/**
 * Writes the model into `dir` (created if needed). Files of the layout that this variant does not have
 * (model_index.json when `noModelIndex`, model.onnx_data without `externalData`) are removed, so rewriting a
 * folder with other options leaves exactly that variant.
 */
export async function makeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<TinyModelReport> {
  const resolved = resolveOptions(options);
  const tokenizer = makeTokenizerFiles();
  const models: [string, ModelProto][] = [
    ['text_encoder', buildTextEncoder(resolved, tokenizer.vocabSize)],
    ['unet', buildUnet(resolved)],
    ['vae_encoder', buildVaeEncoder(resolved)],
    ['vae_decoder', buildVaeDecoder(resolved)],
  ];
  if (resolved.tinyDecoder) {
    models.push([TINY_DECODER_FOLDER, buildTinyVaeDecoder(resolved)], [TINY_ENCODER_FOLDER, buildTinyVaeEncoder(resolved)]);
  } else {
    for (const folder of [TINY_DECODER_FOLDER, TINY_ENCODER_FOLDER]) await fs.promises.rm(path.join(dir, folder), { recursive: true, force: true });
  }

  const textFiles: [string, string][] = Object.entries(tokenizer.files).map(([name, text]) => [`tokenizer/${name}`, text]);
  const configFiles: [string, string][] = [
    ['model_index.json', json(modelIndex())],
    ['scheduler/scheduler_config.json', json(schedulerConfig())],
    ['vae_encoder/config.json', json(vaeConfig())],
    ['vae_decoder/config.json', json(vaeConfig())],
  ];
  if (!resolved.noModelIndex) textFiles.push(...configFiles);
  // Its config.json is what tells the loader it is a tiny decoder, so it is written even without a model index.
  if (resolved.tinyDecoder) {
    const config = json(taesdConfig(TINY_TAESD_SHAPE));
    textFiles.push([`${TINY_DECODER_FOLDER}/config.json`, config], [`${TINY_ENCODER_FOLDER}/config.json`, config]);
  }

  const written: string[] = [];
  for (const [folder, model] of models) {
    await fs.promises.mkdir(path.join(dir, folder), { recursive: true });
    await removeIfPresent(path.join(dir, folder, EXTERNAL_DATA_FILE));
    const external = resolved.externalData ? { fileName: EXTERNAL_DATA_FILE, minBytes: EXTERNAL_DATA_MIN_BYTES } : undefined;
    written.push(...(await saveModel(path.join(dir, folder, MODEL_FILE), model, external)));
  }
  for (const [file, text] of textFiles) {
    const target = path.join(dir, ...file.split('/'));
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.writeFile(target, text, 'utf8');
    written.push(target);
  }
  if (resolved.noModelIndex) {
    for (const [file] of configFiles) await removeIfPresent(path.join(dir, ...file.split('/')));
  }

  const files = await Promise.all(
    written.map(async (full) => ({
      file: path.relative(dir, full).split(path.sep).join('/'),
      bytes: (await fs.promises.stat(full)).size,
    })),
  );
  return { files, totalBytes: files.reduce((sum, f) => sum + f.bytes, 0) };
}

async function removeIfPresent(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true });
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
