/**
 * The measuring side of the upscale bench, run in a child process (`--child`), so that each series has
 * its own peak RSS and its own model load: 2× upscales of an RGBA 8-bit picture to each size, with the
 * job's timings per phase and the PNG encode of the result (what the server does next) timed after it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createEngine } from '../../server/src/engine/engine';
import type { RawImage, UpscaleParams } from '../../server/src/engine/types';
import { decodePng, encodePng } from '../../server/src/image/png';
import { resizeRawLanczos } from '../../server/src/image/resize-raw';
import { PROJECT_ROOT } from '../../server/src/project-root';

export interface UpscaleRun {
  size: number;
  tiles: number;
  seconds: number;
  baselineMb: number;
  peakAboveBaselineMb: number;
  /** The measured job's timings (ms), from the inference worker. */
  timings: Record<string, number>;
  /** Encoding the result as PNG (sharp, adaptive filtering), as the server does after the job. */
  pngEncodeMs: number;
}

export interface RunRequest {
  modelDir: string;
  sizes: number[];
  params: UpscaleParams;
  /** 2: the first run gives the peak memory, the second (warm) the time; 1: one run gives both. */
  runs: 1 | 2;
  /** Output side of the warm-up job; default one tile. */
  warmUpSize?: number;
}

const MB = 1024 * 1024;

/** The astronaut photo when ../shared/data is there (RGBA, alpha from its brightness), else a synthetic picture. */
export async function inputPicture(side: number): Promise<RawImage> {
  const photo = path.join(PROJECT_ROOT, '..', 'shared', 'data', 'images', 'astronaut.png');
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

/** Every size of the request in this process, one model load. */
export async function runSizes(request: RunRequest): Promise<UpscaleRun[]> {
  const { params } = request;
  const engine = await createEngine({ device: 'cpu' });
  try {
    await engine.loadModel(request.modelDir);
    // Warm-up at the measured tile shape: onnxruntime's first run at a new input shape allocates and plans
    // memory, a one-off cost a user pays once per session, not per try.
    await engine.upscale(await inputPicture((request.warmUpSize ?? params.tileSize) / 2), params);
    const results: UpscaleRun[] = [];
    for (const size of request.sizes) {
      const input = await inputPicture(size / 2);
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let tiles = 0;
      const run = async (): Promise<{ seconds: number; timings: Record<string, number>; pngEncodeMs: number }> => {
        const started = performance.now();
        const output = await engine.upscale(input, params, { onProgress: (p) => (tiles = p.totalTiles) });
        const seconds = (performance.now() - started) / 1000;
        if (output.image.width !== size) throw new Error(`expected ${size} px, got ${output.image.width}`);
        const encodeStart = performance.now();
        await encodePng(output.image);
        return { seconds, timings: output.timings, pngEncodeMs: performance.now() - encodeStart };
      };
      let measured = await run();
      // Peak memory from the first run (maxRSS is in kilobytes on every platform Node supports) …
      const peak = process.resourceUsage().maxRSS * 1024;
      // … time from a second, warm one when asked: the tile code's JIT warm-up is a per-session cost that a
      // 4-tile job cannot amortise and a 64-tile job can, which would otherwise read as non-linear scaling.
      if (request.runs === 2) measured = await run();
      results.push({ size, tiles, ...measured, baselineMb: baseline / MB, peakAboveBaselineMb: (peak - baseline) / MB });
    }
    return results;
  } finally {
    await engine.close();
  }
}

if (process.argv[2] === '--child') {
  runSizes(JSON.parse(process.argv[3]) as RunRequest).then(
    (runs) => process.stdout.write(`${JSON.stringify(runs)}\n`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
