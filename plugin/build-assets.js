/**
 * Build-time assets of the panel, emitted by webpack next to the bundle so that plugin/dist is a complete
 * UXP plugin folder: manifest.json (copied from the repository root; its paths are relative to this
 * folder) and the icons it names, drawn here as SVG and rendered to PNG with sharp at every scale the
 * manifest asks for (UXP looks for `name@1x.png`, `name@2x.png` when an icon lists `scale: [1, 2]`).
 */
const fs = require('fs');
const path = require('path');

const MANIFEST = path.resolve(__dirname, '..', 'manifest.json');
const DARK_THEMES = new Set(['darkest', 'dark', 'medium']);

function readManifest() {
  return JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
}

/** Every icon entry of the manifest (plugin icons and panel icons). */
function iconEntries(manifest) {
  const panels = (manifest.entrypoints || []).flatMap((entry) => entry.icons || []);
  return [...(manifest.icons || []), ...panels];
}

/** `icons/dark.png` at scale 2 → `icons/dark@2x.png`. */
function scaledPath(iconPath, scale) {
  const ext = path.posix.extname(iconPath);
  return `${iconPath.slice(0, iconPath.length - ext.length)}@${scale}x${ext}`;
}

/** A dashed selection marquee around a half-filled circle (difference): refine, then compare. */
function iconSvg(size, color, accent) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 24 24">
  <rect x="2.5" y="2.5" width="19" height="19" rx="2.5" fill="none" stroke="${color}" stroke-width="1.6" stroke-dasharray="3.2 2.1"/>
  <circle cx="12" cy="12" r="5.2" fill="none" stroke="${accent}" stroke-width="1.6"/>
  <path d="M12 6.8 A5.2 5.2 0 0 1 12 17.2 Z" fill="${accent}"/>
</svg>`;
}

function iconColors(entry) {
  const themes = entry.theme || ['all'];
  if (themes.includes('all')) return { color: '#9a9a9a', accent: '#2680eb' };
  const dark = themes.some((theme) => DARK_THEMES.has(theme));
  return dark ? { color: '#d0d0d0', accent: '#f0f0f0' } : { color: '#505050', accent: '#2c2c2c' };
}

/** [{ file, data }] for every icon file the manifest names. */
async function renderIcons(manifest) {
  const sharp = require('sharp');
  const files = [];
  for (const entry of iconEntries(manifest)) {
    const { color, accent } = iconColors(entry);
    for (const scale of entry.scale || [1]) {
      const size = Math.round(Math.max(entry.width, entry.height) * scale);
      const data = await sharp(Buffer.from(iconSvg(size, color, accent))).png().toBuffer();
      files.push({ file: scaledPath(entry.path, scale), data });
    }
  }
  return files;
}

/** Emits manifest.json and the icons into the webpack output. */
class PanelAssetsPlugin {
  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('PanelAssetsPlugin', (compilation) => {
      compilation.fileDependencies.add(MANIFEST);
      compilation.hooks.processAssets.tapPromise(
        { name: 'PanelAssetsPlugin', stage: Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        async () => {
          const manifest = readManifest();
          compilation.emitAsset('manifest.json', new sources.RawSource(`${JSON.stringify(manifest, null, 2)}\n`));
          for (const { file, data } of await renderIcons(manifest)) {
            compilation.emitAsset(file, new sources.RawSource(data));
          }
        },
      );
    });
  }
}

module.exports = { PanelAssetsPlugin, readManifest, iconEntries, scaledPath, renderIcons };
