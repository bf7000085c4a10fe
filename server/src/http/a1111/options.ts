/**
 * `GET/POST /sdapi/v1/options`: A1111's settings, persisted as JSON under the outputs folder
 * (`a1111/options.json`, beside the history, which it never mixes with). The few that mean something here
 * are applied: `sd_model_checkpoint` switches the model, `eta_ddim`/`eta_ancestral` are the default η and
 * `emphasis` "None" turns prompt emphasis off. Others are kept and given back, so clients that save and
 * restore settings work.
 */
import { promises as fsp, readFileSync } from 'fs';
import * as path from 'path';
import { ApiError } from '../../../../shared/src';
import type { CatalogEntry, ModelCatalog } from '../../models/catalog';

/** A1111 1.10 defaults of the options clients commonly read. */
export const OPTION_DEFAULTS: Readonly<Record<string, unknown>> = {
  samples_save: true,
  samples_format: 'png',
  save_images_add_number: true,
  grid_save: true,
  enable_pnginfo: true,
  send_seed: true,
  send_size: true,
  sd_vae: 'Automatic',
  sd_checkpoint_hash: null,
  CLIP_stop_at_last_layers: 1,
  emphasis: 'Original',
  eta_ddim: 0,
  eta_ancestral: 1,
  randn_source: 'GPU',
  show_progress_every_n_steps: 1,
  live_previews_enable: true,
  live_previews_image_format: 'png',
  img2img_fix_steps: false,
  upscaler_for_img2img: 'Lanczos',
  interrogate_keep_models_in_memory: false,
  sd_vae_as_default: true,
};

export class OptionsStore {
  private values: Record<string, unknown>;

  private constructor(private readonly file: string) {
    this.values = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) this.values = parsed as Record<string, unknown>;
    } catch {
      // No file yet (or an unreadable one): A1111's defaults.
    }
  }

  static open(outputsDir: string): OptionsStore {
    return new OptionsStore(path.join(outputsDir, 'a1111', 'options.json'));
  }

  /** Every option; `sd_model_checkpoint` is always the model loaded now. */
  all(currentModel: string | null): Record<string, unknown> {
    return { ...OPTION_DEFAULTS, ...this.values, sd_model_checkpoint: currentModel };
  }

  get(key: string): unknown {
    return key in this.values ? this.values[key] : OPTION_DEFAULTS[key];
  }

  async set(changes: Record<string, unknown>): Promise<void> {
    const next = { ...this.values, ...changes };
    delete next.sd_model_checkpoint;
    await fsp.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
    await fsp.rename(tmp, this.file);
    this.values = next;
  }
}

/**
 * A checkpoint by A1111 title or name: "name", "name.safetensors", "name [hash]" (A1111's titles) all
 * name the model folder "name".
 */
export function findCheckpoint(catalog: ModelCatalog, title: string): CatalogEntry {
  const name = title.replace(/\s*\[[0-9a-f]+\]\s*$/i, '').replace(/\.(safetensors|ckpt|onnx)$/i, '').trim();
  const entry = catalog.list().find((e) => e.name === name || e.name === title);
  if (!entry) {
    const names = catalog.list().map((e) => `"${e.name}"`).join(', ');
    throw new ApiError('UNKNOWN_MODEL', `no checkpoint "${title}" (available: ${names || 'none'}; see GET /sdapi/v1/sd-models)`);
  }
  return entry;
}
