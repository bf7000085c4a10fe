/**
 * The floor for the overhead benchmark: a bare onnxruntime-node script that runs exactly the ONNX calls of
 * a 512² img2img job (text encoder on the CFG batch, VAE encode, N UNet steps on [2,4,64,64], VAE decode)
 * on the same files, with the same session options, and nothing else: no tokenizer, scheduler, previews,
 * images or worker. Run as its own process
 * (`node ort-floor.js MODEL STEPS THREADS [--compare-threads] [--device cuda] [--fp16]`),
 * it prints one JSON line: creation time, a cold pass and a warm pass (wall and Σ session.run), and
 * optionally the UNet step with 1 thread against THREADS threads.
 */
import './no-float16array';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { float32ToFloat16 } from '../../server/src/runtime/float16';
import { sessionOptions } from '../../server/src/runtime/onnx-runtime';
import { threadSpinning } from '../../server/src/runtime/threads';

export interface FloorResult {
  createMs: number;
  /** performance.now() (ms since this process started) when the cold pass ended, and when it printed. */
  coldDoneAtMs: number;
  doneAtMs: number;
  /** cpuMs: this process's CPU time (all threads) during the pass: robust on a machine others load. */
  cold: { wallMs: number; runMs: number; cpuMs: number };
  warm: { wallMs: number; runMs: number; unetMs: number; cpuMs: number };
  /** UNet ms per CFG step: [1 thread, THREADS threads], interleaved. */
  stepByThreads?: [number, number];
  threads: number;
}

type Feeds = Record<string, ort.Tensor>;

export interface FloorSetup {
  provider: string;
  threads: number;
  /** fp16 export: float inputs are given as float16, as the runtime converts them. */
  fp16: boolean;
}

function floatTensor(data: Float32Array, dims: number[], fp16: boolean): ort.Tensor {
  return fp16 ? new ort.Tensor('float16', float32ToFloat16(data), dims) : new ort.Tensor('float32', data, dims);
}

function filled(length: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length }, (_, i) => f(i));
}

async function createAll(dir: string, setup: FloorSetup): Promise<Record<string, ort.InferenceSession>> {
  // The same options as the server's runtime, spin-waiting included (INSANERES_ORT_SPINNING).
  const options = sessionOptions(setup.provider, setup.threads, threadSpinning());
  const open = (part: string) => ort.InferenceSession.create(path.join(dir, part, 'model.onnx'), options);
  return { text: await open('text_encoder'), unet: await open('unet'), vaeEnc: await open('vae_encoder'), vaeDec: await open('vae_decoder') };
}

/** The input of each session, read from its metadata like the runtime does (names differ by exporter). */
function feedsFor(sessions: Record<string, ort.InferenceSession>, hidden: ort.Tensor, fp16: boolean): { unet: Feeds; text: Feeds; vaeEnc: Feeds; vaeDec: Feeds } {
  const ids = new Int32Array(2 * 77).fill(1);
  return {
    text: { [sessions.text.inputNames[0]]: new ort.Tensor('int32', ids, [2, 77]) },
    vaeEnc: { [sessions.vaeEnc.inputNames[0]]: floatTensor(filled(3 * 512 * 512, (i) => Math.sin(i / 97)), [1, 3, 512, 512], fp16) },
    unet: {
      sample: floatTensor(filled(2 * 4 * 64 * 64, (i) => Math.cos(i / 31)), [2, 4, 64, 64], fp16),
      timestep: new ort.Tensor('int64', new BigInt64Array([500n, 500n]), [2]),
      encoder_hidden_states: hidden,
    },
    vaeDec: { [sessions.vaeDec.inputNames[0]]: floatTensor(filled(4 * 64 * 64, (i) => Math.sin(i / 13)), [1, 4, 64, 64], fp16) },
  };
}

async function pass(sessions: Record<string, ort.InferenceSession>, steps: number, fp16: boolean): Promise<{ wallMs: number; runMs: number; unetMs: number; cpuMs: number; hidden: ort.Tensor }> {
  let runMs = 0;
  const cpu = process.cpuUsage();
  const timed = async (session: ort.InferenceSession, feeds: Feeds): Promise<ort.InferenceSession.OnnxValueMapType> => {
    const t = performance.now();
    const out = await session.run(feeds);
    runMs += performance.now() - t;
    return out;
  };
  const start = performance.now();
  const ids = new Int32Array(2 * 77).fill(1);
  const hidden = (await timed(sessions.text, { [sessions.text.inputNames[0]]: new ort.Tensor('int32', ids, [2, 77]) }))[sessions.text.outputNames[0]] as ort.Tensor;
  const feeds = feedsFor(sessions, hidden, fp16);
  await timed(sessions.vaeEnc, feeds.vaeEnc);
  const beforeUnet = runMs;
  for (let i = 0; i < steps; i++) await timed(sessions.unet, feeds.unet);
  const unetMs = runMs - beforeUnet;
  await timed(sessions.vaeDec, feeds.vaeDec);
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, runMs, unetMs, cpuMs: (used.user + used.system) / 1000, hidden };
}

async function unetStep(session: ort.InferenceSession, feeds: Feeds): Promise<number> {
  const t = performance.now();
  await session.run(feeds);
  return performance.now() - t;
}

export async function runFloor(dir: string, steps: number, setup: FloorSetup, compareThreads: boolean): Promise<FloorResult> {
  const { threads, fp16 } = setup;
  const t0 = performance.now();
  const sessions = await createAll(dir, setup);
  const createMs = performance.now() - t0;
  const cold = await pass(sessions, steps, fp16);
  const coldDoneAtMs = performance.now();
  const warm = await pass(sessions, steps, fp16);
  const result: FloorResult = { createMs, coldDoneAtMs, doneAtMs: 0, cold: { wallMs: cold.wallMs, runMs: cold.runMs, cpuMs: cold.cpuMs }, warm: { wallMs: warm.wallMs, runMs: warm.runMs, unetMs: warm.unetMs, cpuMs: warm.cpuMs }, threads };
  if (compareThreads) {
    const single = await ort.InferenceSession.create(path.join(dir, 'unet', 'model.onnx'), sessionOptions('cpu', 1));
    const feeds = feedsFor(sessions, warm.hidden, fp16).unet;
    await unetStep(single, feeds); // its first run pays one-off allocations
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < 2; i++) {
      times[0].push(await unetStep(single, feeds));
      times[1].push(await unetStep(sessions.unet, feeds));
    }
    result.stepByThreads = [Math.min(...times[0]), Math.min(...times[1])];
    await single.release();
  }
  await Promise.all(Object.values(sessions).map((s) => s.release()));
  result.doneAtMs = performance.now();
  return result;
}

if (require.main === module) {
  const [dir, steps, threads] = process.argv.slice(2);
  const at = process.argv.indexOf('--device');
  const provider = at > 0 ? process.argv[at + 1] : 'cpu';
  runFloor(dir, Number(steps), { provider, threads: Number(threads), fp16: process.argv.includes('--fp16') }, process.argv.includes('--compare-threads')).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exitCode = 1;
    },
  );
}
