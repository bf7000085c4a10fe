/**
 * `scripts/bench/gpu.sh`'s work: the full-size SD 1.5-architecture model (generated here, no download) as
 * fp32 and fp16 exports on the GPU: UNet it/s from the bare-ORT floor, and a warm 512² HTTP job (as the
 * panel runs it) with its non-model time and overhead share, in one table. The GPU goes through CUDA when
 * onnxruntime-node's CUDA provider is installed, else through WebGPU (bundled with onnxruntime-node; on
 * Linux Dawn drives the GPU through Vulkan), else the table is this machine's CPU's (fp32 only).
 * `--quick`: the small synthetic model, fp32 only: a check, in a minute, that the whole path runs.
 * Rows are printed as they finish, so a run stopped at gpu.sh's limit keeps the ones it made.
 */
import './no-float16array';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { defaultCacheRoot } from '../../server/src/models/demo-model';
import { resolveThreads } from '../../server/src/runtime/threads';
import { ensureFullSizeModel } from '../tiny-model/full-size/make-full-size-model';
import { makeTinyModel } from '../tiny-model/make-tiny-model';
import { BENCH_UNET } from './engine-bench';
import { BenchSetup, floorRun, httpJob, startServer, STEPS_RUN } from './overhead-bench';

type GpuDevice = Exclude<BenchSetup['device'], 'cpu'>;

/** Seconds after which no further export is started: gpu.sh stops everything at 600. */
const START_NO_VARIANT_AFTER_S = 330;

/**
 * Whether a session on `device` really opens and runs (being listed is not enough: CUDA's libraries may
 * be missing, and WebGPU may find no adapter). Only that provider is offered, so nothing falls back.
 */
async function probe(device: GpuDevice): Promise<{ ok: boolean; why: string }> {
  const listed = ort.listSupportedBackends().find((b) => b.name === device);
  if (!listed) return { ok: false, why: `this onnxruntime-node build lists no ${device} provider` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-probe-'));
  try {
    await makeTinyModel(dir);
    const session = await ort.InferenceSession.create(path.join(dir, 'vae_decoder', 'model.onnx'), { executionProviders: [device] });
    const input = session.inputNames[0];
    await session.run({ [input]: new ort.Tensor('float32', new Float32Array(4 * 8 * 8), [1, 4, 8, 8]) });
    await session.release();
    return { ok: true, why: `a ${device} session opened and ran` };
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    const hint =
      device === 'cuda'
        ? '; it is installed with ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js (from NuGet: needs the network)'
        : '; on Linux it needs a Vulkan loader (libvulkan.so.1) and the GPU driver\'s Vulkan ICD';
    return { ok: false, why: `${device}: ${first}${hint}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The first GPU provider that works, in the order a user would want it; null when none does. */
async function chooseGpu(): Promise<GpuDevice | null> {
  for (const device of ['cuda', 'webgpu'] as const) {
    const result = await probe(device);
    console.log(`${result.ok ? 'OK' : 'NO'}: ${result.why}`);
    if (result.ok) return device;
  }
  return null;
}

async function health(url: string): Promise<{ device: string }> {
  return (await (await fetch(`${url}/v1/health`)).json()) as { device: string };
}

async function main(): Promise<number> {
  const started = performance.now();
  const quick = process.argv.includes('--quick');
  const gpu = await chooseGpu();
  if (!gpu) console.log(`No GPU provider works here: the table is this machine's CPU (${os.cpus().length} CPUs), fp32 only.`);
  const threads = resolveThreads(undefined);
  const variants: [string, BenchSetup][] = gpu && !quick ? [['fp32', { device: gpu, fp16: false }], ['fp16', { device: gpu, fp16: true }]] : [['fp32', { device: gpu ?? 'cpu', fp16: false }]];
  const data = Buffer.alloc(512 * 512 * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : (i % 2048) / 8;
  const rgba = new Uint8Array(await sharp(data, { raw: { width: 512, height: 512, channels: 4 } }).raw().toBuffer());
  const model = quick ? `synthetic UNet ${BENCH_UNET.unetChannels} ch × ${BENCH_UNET.unetBlocks} blocks (--quick)` : 'Full-size SD 1.5 architecture (random weights)';
  console.log(`\n## ${model}, 512² img2img, ${STEPS_RUN} steps, CFG 7.5 — ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs`);
  console.log('| export | device | UNet it/s (CFG batch 2, bare ORT) | warm HTTP job | Σ session.run | non-model time | overhead share | floor (bare ORT) | job ÷ floor |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-gpu-'));
  try {
    for (const [name, setup] of variants) {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed > START_NO_VARIANT_AFTER_S) {
        console.log(`| ${name} | ${setup.device} | not run: ${Math.round(elapsed)} s had passed, and gpu.sh stops at 600 s | | | | | | |`);
        continue;
      }
      let dir: string;
      if (quick) {
        dir = path.join(scratch, 'model');
        await makeTinyModel(dir, BENCH_UNET);
      } else {
        dir = await ensureFullSizeModel(defaultCacheRoot(), (line) => console.log(`  ${line}`), setup.fp16 ? 'float16' : 'float32');
      }
      const floor = await floorRun(dir, threads, false, setup);
      const server = await startServer(dir, path.join(scratch, `outputs-${name}`), threads, setup);
      try {
        await httpJob(server, rgba); // first job: session warm-up (shader compilation, cuDNN's algorithm search) not counted
        const warm = await httpJob(server, rgba);
        // The server falls back to the CPU when a provider fails to load: say so rather than mislabel the row.
        const ran = (await health(server.url)).device;
        const itPerS = (STEPS_RUN * 1000) / floor.warm.unetMs;
        const nonModel = warm.wallMs - warm.runMs;
        console.log(
          `| ${name} | ${ran === setup.device ? ran : `${ran} (asked for ${setup.device})`} | ${itPerS.toFixed(2)} | ${Math.round(warm.wallMs)} ms | ${Math.round(warm.runMs)} ms | ${Math.round(nonModel)} ms | ${((nonModel / warm.wallMs) * 100).toFixed(1)} % | ${Math.round(floor.warm.wallMs)} ms | ${(warm.wallMs / floor.warm.wallMs).toFixed(3)} |`,
        );
      } finally {
        server.child.kill('SIGTERM');
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (!gpu && !quick) console.log('(CPU: no GPU provider works here; fp16 exports are not run on the CPU provider)');
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
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
