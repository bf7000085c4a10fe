/** The models the server can switch between: `--model DIR`, the folders in `--models-dir DIR`, or the demo model. */
import * as fs from 'fs';
import * as path from 'path';
import { ApiError } from '../../../shared/src';
import { ConfigError } from '../config-error';
import { inspectModelFolder, listModelFolders } from '../runtime/model-folder';

export interface CatalogEntry {
  name: string;
  dir: string;
  demo: boolean;
}

function entryFor(dir: string): CatalogEntry {
  let demo = false;
  try {
    demo = inspectModelFolder(dir).demo;
  } catch {
    // An unfit folder is still listed; selecting it reports why it does not load.
  }
  return { name: path.basename(dir), dir: path.resolve(dir), demo };
}

export class ModelCatalog {
  private entries: CatalogEntry[];
  /** Studio mode: the models the workers announce, asked for at every list. */
  private lister: (() => CatalogEntry[]) | null = null;

  private constructor(
    private readonly fixed: CatalogEntry[],
    private readonly modelsDir: string | null,
    readonly initial: CatalogEntry,
  ) {
    this.entries = fixed;
  }

  /** `model` may be a folder path or, with `modelsDir`, the name of a folder inside it. */
  static create(options: { model?: string; modelsDir?: string }): ModelCatalog {
    const { model, modelsDir } = options;
    if (modelsDir !== undefined) {
      if (!fs.existsSync(modelsDir) || !fs.statSync(modelsDir).isDirectory()) {
        throw new ConfigError(`--models-dir ${path.resolve(modelsDir)} is not a folder`);
      }
      const listed = listModelFolders(modelsDir).map(entryFor);
      const named = model !== undefined ? listed.find((e) => e.name === model) : undefined;
      const extra = model !== undefined && !named ? [checkedEntry(model)] : [];
      const initial = named ?? extra[0] ?? listed[0];
      if (!initial) {
        throw new ConfigError(`--models-dir ${path.resolve(modelsDir)} holds no model folder (each needs unet/model.onnx)`);
      }
      const catalog = new ModelCatalog(extra, path.resolve(modelsDir), initial);
      catalog.entries = [...extra, ...listed];
      return catalog;
    }
    if (model === undefined) throw new Error('ModelCatalog.create needs model or modelsDir');
    const entry = checkedEntry(model);
    return new ModelCatalog([entry], null, entry);
  }

  /** Studio mode's front: the models are the ones its GPU workers serve (their `dir` is a `worker:` name). */
  static remote(lister: () => CatalogEntry[]): ModelCatalog {
    const catalog = new ModelCatalog([], null, { name: '', dir: '', demo: false });
    catalog.lister = lister;
    return catalog;
  }

  /** Rescans the models folder, so a model copied in while the server runs shows up. */
  list(): CatalogEntry[] {
    if (this.lister) return (this.entries = this.lister());
    if (this.modelsDir) {
      try {
        const listed = listModelFolders(this.modelsDir).map(entryFor);
        this.entries = [...this.fixed, ...listed.filter((e) => !this.fixed.some((f) => f.dir === e.dir))];
      } catch {
        // The folder vanished: keep the last list rather than fail a read-only request.
      }
    }
    return this.entries;
  }

  find(name: string): CatalogEntry {
    const entry = this.list().find((e) => e.name === name);
    if (!entry) {
      const names = this.entries.map((e) => `"${e.name}"`).join(', ');
      throw new ApiError('UNKNOWN_MODEL', `no model named "${name}" (available: ${names || 'none'})`);
    }
    return entry;
  }

  sameDir(a: string, b: string | undefined): boolean {
    return b !== undefined && path.resolve(a) === path.resolve(b);
  }
}

function checkedEntry(dir: string): CatalogEntry {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError(`--model ${path.resolve(dir)} is not a folder (expected a diffusers/optimum ONNX export)`);
  }
  return entryFor(dir);
}
