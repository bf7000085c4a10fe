/**
 * `npm run package:plugin`: builds the panel (webpack, production) into plugin/dist and zips that folder
 * into dist/insaneres.ccx — manifest.json at the zip's root, next to every file it names. A .ccx is a
 * plain zip; double-clicking it installs the plugin through Creative Cloud.
 *
 *   tsx scripts/package-plugin.ts [--no-build] [--out FILE]
 */
import * as fs from 'fs';
import * as path from 'path';
import JSZip from 'jszip';
import webpack from 'webpack';

export const ROOT = path.resolve(__dirname, '..');
export const PLUGIN_DIST = path.join(ROOT, 'plugin', 'dist');
export const DEFAULT_CCX = path.join(ROOT, 'dist', 'insaneres.ccx');

interface IconEntry {
  path: string;
  scale?: number[];
}

export interface UxpManifest {
  manifestVersion: number;
  main: string;
  icons?: IconEntry[];
  entrypoints?: { icons?: IconEntry[] }[];
}

/** `icons/dark.png` at scale 2 → `icons/dark@2x.png` (how UXP finds scaled icons). */
export function scaledIconPath(iconPath: string, scale: number): string {
  const ext = path.posix.extname(iconPath);
  return `${iconPath.slice(0, iconPath.length - ext.length)}@${scale}x${ext}`;
}

/** Every file the manifest names, as zip paths: `main` and each icon at each of its scales. */
export function filesNamedBy(manifest: UxpManifest): string[] {
  const icons = [...(manifest.icons ?? []), ...(manifest.entrypoints ?? []).flatMap((entry) => entry.icons ?? [])];
  const iconFiles = icons.flatMap((icon) => (icon.scale ?? [1]).map((scale) => scaledIconPath(icon.path, scale)));
  return [...new Set([manifest.main.replace(/^\.\//, ''), ...iconFiles])];
}

/** Files under `dir` as forward-slash paths relative to it (zip paths are the same on every OS). */
function listFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(path.join(dir, entry.name), relative) : [relative];
    })
    .sort();
}

async function buildPanel(): Promise<void> {
  // The webpack config is plain JS (webpack-cli loads it too); this is its typed boundary.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const makeConfig = require(path.join(ROOT, 'plugin', 'webpack.config.js')) as (
    env: Record<string, unknown>,
    argv: { mode: 'production' | 'development' },
  ) => webpack.Configuration;
  const compiler = webpack(makeConfig({}, { mode: 'production' }));
  const stats = await new Promise<webpack.Stats | undefined>((resolve, reject) =>
    compiler.run((error, result) => (error ? reject(error) : resolve(result))),
  );
  await new Promise<void>((resolve) => compiler.close(() => resolve()));
  if (!stats || stats.hasErrors()) {
    throw new Error(`webpack failed:\n${stats?.toString({ all: false, errors: true }) ?? 'no stats'}`);
  }
}

export interface PackageResult {
  ccx: string;
  files: string[];
}

export async function packagePlugin(options: { build?: boolean; out?: string } = {}): Promise<PackageResult> {
  if (options.build !== false) await buildPanel();
  const manifestPath = path.join(PLUGIN_DIST, 'manifest.json');
  if (!fs.existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: build the panel first (npm run build:plugin)`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as UxpManifest;
  if (manifest.manifestVersion !== 5) throw new Error(`manifest.json has manifestVersion ${manifest.manifestVersion}, 5 expected`);

  const files = listFiles(PLUGIN_DIST).filter((file) => !file.endsWith('.map'));
  const missing = filesNamedBy(manifest).filter((file) => !files.includes(file));
  if (missing.length > 0) throw new Error(`manifest.json names files the build did not produce: ${missing.join(', ')}`);

  const zip = new JSZip();
  for (const file of files) {
    zip.file(file, fs.readFileSync(path.join(PLUGIN_DIST, ...file.split('/'))), { date: new Date('2024-01-01T00:00:00Z') });
  }
  const ccx = options.out ?? DEFAULT_CCX;
  fs.mkdirSync(path.dirname(ccx), { recursive: true });
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
  fs.writeFileSync(ccx, bytes);
  return { ccx, files };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  packagePlugin({ build: !args.includes('--no-build'), ...(outIndex >= 0 && args[outIndex + 1] ? { out: path.resolve(args[outIndex + 1]) } : {}) })
    .then(({ ccx, files }) => {
      process.stdout.write(`${path.relative(process.cwd(), ccx)}: ${files.length} files (${files.join(', ')})\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`package:plugin: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
