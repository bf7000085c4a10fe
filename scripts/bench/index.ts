/**
 * `npm run bench [-- --quick] [-- --full-size] [overhead|fast|engine|upscale|server|studio]`: every benchmark,
 * figures printed; exit 1 when a target is missed. The overhead and fast benchmarks run on the full-size SD
 * 1.5-architecture model (generated once into the cache folder, ~4.3 GB, minutes; fast mode's LCM variant is
 * linked to it) unless `--quick`, which uses the small synthetic model. `--full-size` adds the upscale's time
 * per MP with the real-size UNet (~15 min on a quiet 2-core machine). `upscale-http` (never part of the
 * whole run: `upscale` includes it) runs only the upscale's 4096² HTTP part.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { ensureFullSizeLcmModel, ensureFullSizeModel, LCM_TIMESTEP_COND_DIM } from '../tiny-model/full-size/make-full-size-model';
import { makeTinyModel } from '../tiny-model/make-tiny-model';
import { defaultCacheRoot } from '../../server/src/models/demo-model';
import { PROJECT_ROOT } from '../../server/src/project-root';
import { BENCH_UNET, engineBench } from './engine-bench';
import { fastBench } from './fast-bench';
import { overheadBench } from './overhead-bench';
import { serverBench } from './server-bench';
import { studioBench } from './studio-bench';
import { upscaleBench, upscaleHttpBench } from './upscale-bench';

/** The 512² test picture as PNG and as raw RGBA (what the panel uploads). */
async function benchImage(): Promise<{ png: Buffer; rgba: Uint8Array }> {
  const photo = path.join(PROJECT_ROOT, '..', 'shared', 'data', 'images', 'astronaut.png');
  let png: Buffer;
  if (fs.existsSync(photo)) png = await sharp(photo).resize(512, 512).removeAlpha().png().toBuffer();
  else {
    const data = Buffer.alloc(512 * 512 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i % 1536) / 6;
    png = await sharp(data, { raw: { width: 512, height: 512, channels: 3 } }).png().toBuffer();
  }
  const rgba = await sharp(png).ensureAlpha().raw().toBuffer();
  return { png, rgba: new Uint8Array(rgba) };
}

async function runOverhead(quick: boolean): Promise<boolean> {
  const image = await benchImage();
  if (quick) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-bench-'));
    try {
      await makeTinyModel(dir, BENCH_UNET);
      return (await overheadBench(dir, `synthetic UNet ${BENCH_UNET.unetChannels} ch × ${BENCH_UNET.unetBlocks} blocks (--quick)`, image, 2, 3)).ok;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = await ensureFullSizeModel(defaultCacheRoot(), (line) => console.log(line));
  return (await overheadBench(dir, 'full-size SD 1.5 architecture, random weights', image, 1)).ok;
}

async function runFast(quick: boolean): Promise<boolean> {
  const { png } = await benchImage();
  if (quick) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-bench-'));
    try {
      await makeTinyModel(dir, { ...BENCH_UNET, timestepCondDim: LCM_TIMESTEP_COND_DIM, tinyDecoder: true });
      return (await fastBench(dir, `synthetic LCM UNet ${BENCH_UNET.unetChannels} ch × ${BENCH_UNET.unetBlocks} blocks (--quick)`, png)).ok;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = await ensureFullSizeLcmModel(defaultCacheRoot(), (line) => console.log(line));
  return (await fastBench(dir, 'full-size SD 1.5 architecture, LCM UNet + TAESD, random weights', png)).ok;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.find((a) => !a.startsWith('--'));
  if (__filename.endsWith('.ts')) console.log('note: running from TypeScript sources (tsx); `npm run bench` runs the compiled build');
  let ok = true;
  if (!only || only === 'overhead') ok = (await runOverhead(quick)) && ok;
  if (!only || only === 'fast') ok = (await runFast(quick)) && ok;
  if (!only || only === 'engine') {
    const r = await engineBench();
    ok = ok && r.outsideRunShare <= 0.05 && r.codecRatio <= 2 && r.unetStepMs >= 100;
  }
  if (!only || only === 'upscale') {
    const r = await upscaleBench({ fullSize: args.includes('--full-size') });
    ok = ok && r.ok;
  }
  if (only === 'upscale-http') ok = (await upscaleHttpBench()).ok && ok;
  if (!only || only === 'server') {
    const r = await serverBench();
    ok = ok && r.ok;
  }
  if (!only || only === 'studio') {
    const r = await studioBench();
    ok = ok && r.ok;
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
