import * as fs from 'fs';
import * as path from 'path';
import { notServable } from '../models/hub/manifest';

/** A model folder that does not fit the layout; the message names the file and what was expected. */
export class ModelFolderError extends Error {
  readonly code = 'MODEL_INVALID';
}

export interface ModelFolder {
  dir: string;
  name: string;
  files: {
    textEncoder: string;
    unet: string;
    vaeEncoder: string;
    vaeDecoder: string;
    vocab: string;
    merges: string;
  };
  /** Parsed scheduler/scheduler_config.json, or null when the export ships none (Amuse). */
  schedulerConfig: unknown;
  /** SD 1.x (clip_sample is then forced off). */
  isSd1: boolean;
  /** VAE latent scaling factor (0.18215 for SD 1.x). */
  latentScale: number;
  /** Written by `insaneres make-tiny-model`: random weights, meaningless images. */
  demo: boolean;
  /** What was assumed or defaulted, for the log. */
  notes: string[];
}

export const SD15_LATENT_SCALE = 0.18215;

const REQUIRED = {
  textEncoder: ['text_encoder/model.onnx', 'the CLIP text encoder (input_ids [B,77] -> last_hidden_state [B,77,D])'],
  unet: ['unet/model.onnx', 'the UNet (sample, timestep, encoder_hidden_states -> out_sample)'],
  vaeEncoder: ['vae_encoder/model.onnx', 'the VAE encoder (sample [B,3,H,W] -> latent_sample or latent_parameters)'],
  vaeDecoder: ['vae_decoder/model.onnx', 'the VAE decoder (latent_sample [B,4,h,w] -> sample [B,3,H,W])'],
  vocab: ['tokenizer/vocab.json', "the CLIP tokenizer's vocabulary"],
  merges: ['tokenizer/merges.txt', "the CLIP tokenizer's BPE merges"],
} as const;

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelFolderError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function readOptionalJson(file: string): Record<string, unknown> | null {
  if (!fs.existsSync(file)) return null;
  const value = readJson(file);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelFolderError(`${file} should hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Checks a folder against the diffusers/optimum ONNX layout (DESIGN §3) without loading any session. */
export function inspectModelFolder(dir: string): ModelFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new ModelFolderError(`model folder ${abs} does not exist (expected a diffusers/optimum ONNX export folder)`);
  }
  const unfinished = notServable(abs);
  if (unfinished) throw new ModelFolderError(`model folder ${abs} is not a complete model: ${unfinished}`);
  const files = {} as Record<keyof typeof REQUIRED, string>;
  for (const [key, [rel, what]] of Object.entries(REQUIRED) as [keyof typeof REQUIRED, readonly [string, string]][]) {
    const file = path.join(abs, rel);
    if (!fs.existsSync(file)) {
      throw new ModelFolderError(`model folder ${abs} lacks ${rel}: expected ${what} (diffusers/optimum ONNX layout)`);
    }
    files[key] = file;
  }
  const notes: string[] = [];
  const modelIndex = readOptionalJson(path.join(abs, 'model_index.json'));
  if (!modelIndex) notes.push('no model_index.json: assuming Stable Diffusion 1.5');
  const schedulerFile = path.join(abs, 'scheduler', 'scheduler_config.json');
  const schedulerConfig = fs.existsSync(schedulerFile) ? readJson(schedulerFile) : null;
  if (schedulerConfig === null) notes.push('no scheduler/scheduler_config.json: using the SD 1.5 DDIM defaults');

  let latentScale = SD15_LATENT_SCALE;
  for (const rel of ['vae_decoder/config.json', 'vae/config.json']) {
    const config = readOptionalJson(path.join(abs, rel));
    if (config && typeof config.scaling_factor === 'number') {
      latentScale = config.scaling_factor;
      notes.push(`latent scale ${latentScale} from ${rel}`);
      break;
    }
  }
  const className = typeof modelIndex?._class_name === 'string' ? modelIndex._class_name : '';
  // SDXL/SD3 exports carry a second text encoder; this engine is SD 1.x/2.x only.
  if (fs.existsSync(path.join(abs, 'text_encoder_2'))) {
    throw new ModelFolderError(`model folder ${abs} has text_encoder_2 (an SDXL export): only SD 1.x/2.x models are supported`);
  }
  return {
    dir: abs,
    name: path.basename(abs),
    files,
    schedulerConfig,
    isSd1: !/StableDiffusionXL|StableDiffusion3/.test(className),
    latentScale,
    demo: modelIndex?.insaneres_tiny === true,
    notes,
  };
}

/**
 * The model folders directly inside `modelsDir` (those with a unet/model.onnx). Hidden folders (where
 * `insaneres pull` stages its downloads) and folders whose pull manifest is not complete are skipped.
 */
export function listModelFolders(modelsDir: string): string[] {
  const abs = path.resolve(modelsDir);
  if (!fs.existsSync(abs)) throw new ModelFolderError(`models folder ${abs} does not exist`);
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && fs.existsSync(path.join(abs, d.name, 'unet', 'model.onnx')))
    .filter((d) => notServable(path.join(abs, d.name)) === null)
    .map((d) => path.join(abs, d.name))
    .sort();
}
