/**
 * `scripts/bench/gpu.sh`'s work: the full-size SD 1.5-architecture model (generated here, no download) as
 * fp32 and fp16 exports on the CUDA provider: UNet it/s from the bare-ORT floor, and a warm 512² HTTP job
 * (as the panel runs it) with its non-model time and overhead share, in one table. Without a working CUDA
 * provider it says so and reports the CPU figures of this machine (fp32 only; gpu.sh stops it at ten
 * minutes, which a full-size CPU run on a small machine may not fit in).
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
import { BenchSetup, floorRun, httpJob, startServer, STEPS_RUN } from './overhead-bench';

/** Whether a CUDA session really opens (listing the backend is not enough: its libraries may be missing). */
async function probeCuda(): Promise<{ ok: boolean; why: string }> {
  const listed = ort.listSupportedBackends().find((b) => b.name === 'cuda');
  if (!listed) return { ok: false, why: 'this onnxruntime-node build lists no CUDA provider' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-probe-'));
  try {
    await makeTinyModel(dir);
    const session = await ort.InferenceSession.create(path.join(dir, 'unet', 'model.onnx'), { executionProviders: ['cuda'] });
    await session.release();
    return { ok: true, why: 'a CUDA session opened' };
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    return { ok: false, why: `the CUDA provider is not installed or cannot load (${first}); install it with ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const cuda = await probeCuda();
  console.log(cuda.ok ? `CUDA: ${cuda.why}` : `NO CUDA: ${cuda.why}.\nFalling back to the CPU figures of this machine (${os.cpus().length} CPUs).`);
  const threads = resolveThreads(undefined);
  const variants: [string, BenchSetup][] = cuda.ok
    ? [['fp32', { device: 'cuda', fp16: false }], ['fp16', { device: 'cuda', fp16: true }]]
    : [['fp32', { device: 'cpu', fp16: false }]];
  const data = Buffer.alloc(512 * 512 * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : (i % 2048) / 8;
  const rgba = new Uint8Array(await sharp(data, { raw: { width: 512, height: 512, channels: 4 } }).raw().toBuffer());
  const rows: string[] = [];
  for (const [name, setup] of variants) {
    const dir = await ensureFullSizeModel(defaultCacheRoot(), (line) => console.log(line), setup.fp16 ? 'float16' : 'float32');
    const floor = await floorRun(dir, threads, false, setup);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-gpu-'));
    const server = await startServer(dir, path.join(tmp, 'outputs'), threads, setup);
    try {
      await httpJob(server, rgba); // first job: session warm-up (cuDNN algorithm search) not counted
      const warm = await httpJob(server, rgba);
      const itPerS = (STEPS_RUN * 1000) / floor.warm.unetMs;
      const nonModel = warm.wallMs - warm.runMs;
      rows.push(
        `| ${name} | ${setup.device} | ${itPerS.toFixed(2)} | ${Math.round(warm.wallMs)} ms | ${Math.round(warm.runMs)} ms | ${Math.round(nonModel)} ms | ${((nonModel / warm.wallMs) * 100).toFixed(1)} % | ${Math.round(floor.warm.wallMs)} ms | ${(warm.wallMs / floor.warm.wallMs).toFixed(3)} |`,
      );
    } finally {
      server.child.kill('SIGTERM');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  console.log(`\n## Full-size SD 1.5 architecture (random weights), 512² img2img, ${STEPS_RUN} steps, CFG 7.5 — ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} CPUs`);
  console.log('| export | device | UNet it/s (CFG batch 2, bare ORT) | warm HTTP job | Σ session.run | non-model time | overhead share | floor (bare ORT) | job ÷ floor |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  if (!cuda.ok) console.log('(CPU fallback: no CUDA provider here; fp16 exports are not run on the CPU provider)');
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
