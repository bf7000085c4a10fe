/** The upscale bench's per-phase table of one job (the inference worker's timings, in ms). */
import type { UpscaleRun } from './upscale-runs';

/** The phases that goal 6 bounds: the work on pixels around the model, not the model itself. */
const TILE_AND_RESIZE = ['resize', 'tileCut', 'colorMatch', 'tileBlend', 'tilePreview'];

export function tileAndResizeShare(run: UpscaleRun): number {
  const sum = TILE_AND_RESIZE.reduce((total, key) => total + (run.timings[key] ?? 0), 0);
  return sum / (run.seconds * 1000);
}

export function printPhases(run: UpscaleRun, what: string): void {
  const t = run.timings;
  const wall = run.seconds * 1000;
  const at = (key: string): number => t[key] ?? 0;
  const known = ['textEncoder', 'vaeEncode', 'unet', 'vaeDecode', 'scheduler', 'progress', ...TILE_AND_RESIZE];
  const rows: [string, number][] = [
    ['session.run (all models)', at('sessionRun')],
    ['  UNet', at('unet')],
    ['  VAE encode', at('vaeEncode')],
    ['  VAE decode', at('vaeDecode')],
    ['  text encoder', at('textEncoder')],
    ['resize (Lanczos, 2048² → 4096²)', at('resize')],
    ['tile cut', at('tileCut')],
    ['colour match', at('colorMatch')],
    ['blend + assembly', at('tileBlend')],
    ['tile previews', at('tilePreview')],
    ['scheduler + CFG', at('scheduler')],
    ['progress posting', at('progress')],
    ['other (noise, tokenize, worker transfer)', wall - known.reduce((sum, key) => sum + at(key), 0)],
    ['job wall', wall],
    ['PNG encode of the result (after the job)', run.pngEncodeMs],
  ];
  console.log(`\n### Where a ${run.size}² upscale's time goes (${run.tiles} tiles; ${what})`);
  for (const [name, ms] of rows) {
    const share = name === 'PNG encode of the result (after the job)' ? '' : `${((ms / wall) * 100).toFixed(1).padStart(7)} %`;
    console.log(`${name.padEnd(44)}${(ms / 1000).toFixed(2).padStart(9)} s${share}`);
  }
}
