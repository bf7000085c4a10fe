/**
 * VAE decoders other than the model's own `vae_decoder/`: fast mode's tiny decoder (TAESD layout) in
 * `vae_decoder_tiny/` beside it, or any decoder folder given with `--vae DIR`.
 *
 * Tiny or full is read from the folder's config.json, as diffusers writes it for every VAE (and optimum copies
 * it beside each exported part): `_class_name` "AutoencoderTiny" is TAESD, "AutoencoderKL" SD's VAE. The
 * difference matters for the input: TAESD decodes the UNet's latents as they are (`scaling_factor` 1.0), SD's
 * VAE the latents divided by 0.18215. Output is [-1, 1] for both: diffusers' DecoderTiny ends with x·2 − 1.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ModelFolderError } from './model-folder';

/** Fast mode's tiny decoder and encoder (TAESD), inside the model folder next to `vae_decoder/` and `vae_encoder/`. */
export const TINY_DECODER_FOLDER = 'vae_decoder_tiny';
export const TINY_ENCODER_FOLDER = 'vae_encoder_tiny';

export type DecoderKind = 'tiny' | 'full';

export interface VaeDecoderFolder {
  /** The model.onnx to load. */
  file: string;
  kind: DecoderKind;
  /**
   * The latent scaling factor this decoder expects (1.0 for TAESD); null = the model's own (a full VAE
   * whose config names none).
   */
  scalingFactor: number | null;
  /** For logs and messages: the folder, relative to the model folder when it is inside it. */
  label: string;
}

const CLASS_KINDS: Record<string, DecoderKind> = { AutoencoderTiny: 'tiny', AutoencoderKL: 'full' };

function readConfig(file: string): Record<string, unknown> | null {
  if (!fs.existsSync(file)) return null;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelFolderError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelFolderError(`${file} should hold a JSON object`);
  return value as Record<string, unknown>;
}

function describe(dir: string, label: string, defaultKind: DecoderKind | null): VaeDecoderFolder {
  const file = path.join(dir, 'model.onnx');
  const config = readConfig(path.join(dir, 'config.json'));
  const className = typeof config?._class_name === 'string' ? config._class_name : null;
  let kind: DecoderKind | null = defaultKind;
  if (className !== null) {
    kind = CLASS_KINDS[className] ?? null;
    if (kind === null) {
      throw new ModelFolderError(`${path.join(dir, 'config.json')} names _class_name "${className}"; a VAE decoder is AutoencoderTiny (TAESD) or AutoencoderKL`);
    }
  }
  if (kind === null) {
    throw new ModelFolderError(
      `${dir} has no config.json saying which decoder it is: add one with {"_class_name": "AutoencoderTiny"} for TAESD or "AutoencoderKL" for SD's VAE (diffusers writes it)`,
    );
  }
  const scale = config?.scaling_factor;
  const scalingFactor = typeof scale === 'number' && scale > 0 ? scale : kind === 'tiny' ? 1 : null;
  return { file, kind, scalingFactor, label };
}

/**
 * A `--vae DIR` folder: DIR/model.onnx (a decoder folder such as a model's `vae_decoder/`) or
 * DIR/vae_decoder/model.onnx (a whole VAE export, e.g. TAESD exported with optimum).
 */
export function inspectVaeFolder(dir: string): VaeDecoderFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new ModelFolderError(`VAE folder ${abs} does not exist (expected a folder with model.onnx and config.json, or with vae_decoder/)`);
  }
  for (const candidate of [abs, path.join(abs, 'vae_decoder')]) {
    if (fs.existsSync(path.join(candidate, 'model.onnx'))) return describe(candidate, candidate, null);
  }
  throw new ModelFolderError(`VAE folder ${abs} has neither model.onnx nor vae_decoder/model.onnx (a VAE decoder: latent_sample [B,4,h,w] -> sample [B,3,8h,8w])`);
}

/**
 * The model's tiny decoder (or, with `TINY_ENCODER_FOLDER`, encoder), or null when it has none. The folder's
 * name says "tiny" when config.json does not.
 */
export function findTinyDecoder(modelDir: string, folderName: string = TINY_DECODER_FOLDER): VaeDecoderFolder | null {
  const dir = path.join(modelDir, folderName);
  if (!fs.existsSync(path.join(dir, 'model.onnx'))) return null;
  const folder = describe(dir, folderName, 'tiny');
  if (folder.kind !== 'tiny') {
    throw new ModelFolderError(`${dir}/config.json describes a full VAE (AutoencoderKL); ${folderName}/ is for TAESD (AutoencoderTiny)`);
  }
  return folder;
}

/** The model's tiny encoder (TAESD's, `vae_encoder_tiny/`), or null. Same folder rules as the decoder's. */
export function findTinyEncoder(modelDir: string): VaeDecoderFolder | null {
  return findTinyDecoder(modelDir, TINY_ENCODER_FOLDER);
}
