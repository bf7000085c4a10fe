/**
 * Tiled upscale benchmark (issue 4): 2× upscales of an RGBA 8-bit picture to 1024², 2048² and 4096² with the
 * tiny model (defaults: 512 px tiles, 64 px overlap, 50 steps × strength 0.3, CFG 7.5). Each size runs in
 * its own process, so that its peak RSS (the process's high-water mark, inference worker included) is its
 * own. Targets: time within ±10 % of linear; peak RSS above the baseline (the process with the model loaded
 * and warmed up) ≤ 3 × the output's RGBA 8-bit buffer + 300 MB.
 *
 * "Linear" is judged per tile: the work is one img2img per tile, and the fewest tiles that keep a 64 px
 * overlap are 3², 5² and 9² here (1024 = 512 + 2 × 256 needs three 512 px tiles a side), i.e. 8.6, 6.0 and
 * 4.8 tiles per output megapixel. Time per output megapixel is printed too; it cannot be flat at these
 * sizes, whatever the implementation.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeTinyModel } from '../tiny-model/make-tiny-model';
import { createEngine } from '../../server/src/engine/engine';
import type { RawImage, UpscaleParams } from '../../server/src/engine/types';
import { resizeRawLanczos } from '../../server/src/image/resize-raw';
import { decodePng } from '../../server/src/image/png';
import { UPSCALE_DEFAULTS } from '../../shared/src/defaults';

const SIZES = [1024, 2048, 4096];
const MB = 1024 * 1024;

export interface UpscaleRun {
  size: number;
  tiles: number;
  seconds: number;
  baselineMb: number;
  peakAboveBaselineMb: number;
}

const PARAMS: UpscaleParams = { ...UPSCALE_DEFAULTS, prompt: 'masterpiece, best quality, detailed', negativePrompt: 'blurry', seed: 1234 };

/** The astronaut photo when ../shared/data is there (RGBA, alpha from its brightness), else a synthetic picture. */
async function inputPicture(side: number): Promise<RawImage> {
  const photo = path.resolve(__dirname, '../../../shared/data/images/astronaut.png');
  let rgb: RawImage;
  if (fs.existsSync(photo)) {
    rgb = await decodePng(fs.readFileSync(photo));
  } else {
    const data = new Uint8Array(512 * 512 * 3);
    for (let i = 0; i < data.length; i++) data[i] = 128 + 100 * Math.sin(i / 3001) * Math.cos((i % 1536) / 97);
    rgb = { width: 512, height: 512, channels: 3, bitDepth: 8, data };
  }
  const sized = resizeRawLanczos(rgb, side, side);
  const data = new Uint8Array(side * side * 4);
  for (let i = 0; i < side * side; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = sized.data[i * sized.channels + c];
    data[i * 4 + 3] = 255 - (sized.data[i * sized.channels] >> 2);
  }
  return { width: side, height: side, channels: 4, bitDepth: 8, data };
}

/** One size, in this process: the child's side of the benchmark. */
async function runOne(modelDir: string, size: number): Promise<UpscaleRun> {
  const engine = await createEngine({ device: 'cpu' });
  try {
    await engine.loadModel(modelDir);
    const input = await inputPicture(size / 2);
    await engine.upscale(await inputPicture(128), { ...PARAMS, steps: 4 }); // warm-up: sessions' first-run allocations
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let tiles = 0;
    const started = performance.now();
    const output = await engine.upscale(input, PARAMS, { onProgress: (p) => (tiles = p.totalTiles) });
    const seconds = (performance.now() - started) / 1000;
    if (output.image.width !== size) throw new Error(`expected ${size} px, got ${output.image.width}`);
    // maxRSS is in kilobytes on every platform Node supports.
    const peak = process.resourceUsage().maxRSS * 1024;
    return { size, tiles, seconds, baselineMb: baseline / MB, peakAboveBaselineMb: (peak - baseline) / MB };
  } finally {
    await engine.close();
  }
}

export async function upscaleBench(): Promise<{ linear: boolean; memoryOk: boolean; runs: UpscaleRun[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-upscale-bench-'));
  try {
    const modelDir = path.join(dir, 'model');
    await makeTinyModel(modelDir);
    const runs: UpscaleRun[] = [];
    for (const size of SIZES) {
      const child = spawnSync(process.execPath, ['--expose-gc', '--require', require.resolve('tsx/cjs'), __filename, '--child', modelDir, String(size)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (child.status !== 0) throw new Error(`the ${size}² run failed (exit ${child.status})`);
      runs.push(JSON.parse(child.stdout.trim().split('\n').pop() as string) as UpscaleRun);
    }

    console.log(`\n## Tiled upscale: 2× to 1024², 2048², 4096² (RGBA 8-bit, tiny model, tiles ${PARAMS.tileSize}/${PARAMS.tileOverlap}, ` +
      `${PARAMS.steps} steps × strength ${PARAMS.strength}, CFG ${PARAMS.guidanceScale}, CPU, ${os.cpus().length} cores)`);
    console.log('output      tiles   time s   s / out MP   s / tile   baseline MB   peak above baseline MB   budget MB');
    const perMp = runs.map((r) => r.seconds / ((r.size * r.size) / 1e6));
    let memoryOk = true;
    runs.forEach((r, i) => {
      const budget = (3 * r.size * r.size * 4) / MB + 300;
      memoryOk &&= r.peakAboveBaselineMb <= budget;
      console.log(
        `${`${r.size}²`.padEnd(10)}${String(r.tiles).padStart(7)}${r.seconds.toFixed(1).padStart(9)}${perMp[i].toFixed(2).padStart(13)}` +
          `${(r.seconds / r.tiles).toFixed(3).padStart(11)}${r.baselineMb.toFixed(0).padStart(14)}${r.peakAboveBaselineMb.toFixed(0).padStart(25)}${budget.toFixed(0).padStart(12)}`,
      );
    });
    const spreadOf = (values: number[]): number => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.max(...values.map((v) => Math.abs(v / mean - 1)));
    };
    const perTileSpread = spreadOf(runs.map((r) => r.seconds / r.tiles));
    const linear = perTileSpread <= 0.1;
    console.log(`time per tile within ±${(perTileSpread * 100).toFixed(1)} % of the mean (target ±10 %) ${linear ? 'OK' : 'MISSED'}`);
    console.log(
      `time per output MP within ±${(spreadOf(perMp) * 100).toFixed(1)} % of the mean (tiles per MP: ` +
        `${runs.map((r) => (r.tiles / ((r.size * r.size) / 1e6)).toFixed(2)).join(' / ')}; see the header)`,
    );
    console.log(`peak RSS above baseline within 3 × RGBA output + 300 MB ${memoryOk ? 'OK' : 'MISSED'}`);
    return { linear, memoryOk, runs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  runOne(process.argv[3], Number(process.argv[4])).then(
    (run) => process.stdout.write(`${JSON.stringify(run)}\n`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
