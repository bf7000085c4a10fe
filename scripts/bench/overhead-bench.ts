/**
 * Overhead benchmark (issue 14, goals 2–4): one 512² img2img as the panel runs it (50 steps × strength 0.3
 * = 15 run, CFG 7.5, live previews on), through the real CLI and the real HTTP server (compiled build),
 * cold and warm, interleaved with the bare-ORT floor (ort-floor.ts) on the same files in the same run.
 * Non-model time = job wall − Σ session.run. Also: the UNet step with 1 and N intra-op threads, preview
 * cost, and the server's own longest event-loop delay in each HTTP job (its `job finished` log line), beside
 * an idle process's over the same job (loop-bystander.ts).
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../../server/src/project-root';
import { resolveThreads } from '../../server/src/runtime/threads';
import { WATCH_RESOLUTION_MS } from '../../server/src/runtime/event-loop-watch';
import { call } from './http-call';
import { startBystander } from './loop-bystander';
import type { FloorResult } from './ort-floor';
import { cpuLines, phaseTable, type JobPhases, type ThreadTime } from './overhead-phases';

export interface OverheadReport {
  ok: boolean;
  lines: string[];
}

const STEPS = 50;
const STRENGTH = 0.3;
export const STEPS_RUN = Math.floor(STEPS * STRENGTH);
const PARAMS = { prompt: 'masterpiece, best quality, skin texture', negativePrompt: 'blurry', strength: STRENGTH, steps: STEPS, guidanceScale: 7.5, seed: 1234 };

/** Where and how the jobs run: `device` as the CLI's --device; `fp16` for an fp16 export's floor. */
export interface BenchSetup {
  device: 'cpu' | 'cuda' | 'webgpu';
  fp16: boolean;
}
const CPU: BenchSetup = { device: 'cpu', fp16: false };
const BIN = path.join(PROJECT_ROOT, 'bin', 'insaneres.js');

/** Node arguments that run a sibling script, compiled (dist) or through tsx (sources). */
function scriptArgs(name: string): string[] {
  const file = path.join(__dirname, `${name}${path.extname(__filename)}`);
  return __filename.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs'), file] : [file];
}

function timedProcess(args: string[]): Promise<{ wallMs: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - start;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      else resolve({ wallMs, stdout, stderr });
    });
  });
}

export async function floorRun(modelDir: string, threads: number, compareThreads: boolean, setup: BenchSetup = CPU): Promise<FloorResult & { processMs: number }> {
  const args = [...scriptArgs('ort-floor'), modelDir, String(STEPS_RUN), String(threads), '--device', setup.device];
  if (compareThreads) args.push('--compare-threads');
  if (setup.fp16) args.push('--fp16');
  const { wallMs, stdout } = await timedProcess(args);
  const result = JSON.parse(stdout.trim().split('\n').pop() as string) as FloorResult;
  // What a one-job process costs: start-up to the end of the cold pass, plus the exit outside the JS clock
  // (the floor process then runs a warm pass and maybe a thread comparison, which a CLI job does not).
  return { ...result, processMs: result.coldDoneAtMs + Math.max(0, wallMs - result.doneAtMs) };
}

async function cliRun(modelDir: string, input: string, output: string, threads: number): Promise<number> {
  const { wallMs } = await timedProcess([
    BIN, 'img2img', '--model', modelDir, '--input', input, '--output', output, '--prompt', PARAMS.prompt, '--negative', PARAMS.negativePrompt,
    '--strength', String(STRENGTH), '--steps', String(STEPS), '--cfg', String(PARAMS.guidanceScale), '--seed', String(PARAMS.seed), '--threads', String(threads),
  ]);
  return wallMs;
}

export interface HttpJob {
  /** The server process's CPU time during the job (Linux /proc; null elsewhere). */
  cpuMs: number | null;
  wallMs: number;
  runMs: number;
  previewMs: number;
  /** The previews' time on the engine's (main) thread, beside the next step: not in the job's path. */
  previewEngineMs: number;
  /** Where the non-model time went (overhead-phases.ts). */
  phases: JobPhases;
}

export interface BenchServer {
  url: string;
  child: ChildProcess;
  /** The main-thread phases of a job, from its `job finished` log line (waits for the line to arrive). */
  mainPhases(jobId: string): Promise<Record<string, number>>;
}

export async function startServer(modelDir: string, outputs: string, threads: number, setup: BenchSetup = CPU, extraArgs: string[] = []): Promise<BenchServer> {
  const args = [BIN, 'serve', '--model', modelDir, '--port', '0', '--outputs', outputs, '--threads', String(threads), '--device', setup.device, ...extraArgs];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const phases = new Map<string, Record<string, number>>();
  let text = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /"url":"([^"]+)"[^\n]*"msg":"listening"/.exec(text);
      if (m) resolve(m[1]);
      // Complete lines only; a job's line carries its main-thread phases.
      const end = text.lastIndexOf('\n');
      for (const line of text.slice(0, end + 1).split('\n')) {
        if (!line.includes('"msg":"job finished"')) continue;
        const entry = JSON.parse(line) as { job: string; phases?: Record<string, number> };
        if (entry.phases) phases.set(entry.job, entry.phases);
      }
      text = text.slice(end + 1);
    });
    child.on('exit', (code) => reject(new Error(`the server exited ${code}: ${text.slice(-500)}`)));
  });
  const mainPhases = async (jobId: string): Promise<Record<string, number>> => {
    for (let waited = 0; !phases.has(jobId); waited += 20) {
      if (waited > 5000) throw new Error(`no 'job finished' log line with phases for job ${jobId}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return phases.get(jobId) as Record<string, number>;
  };
  return { url, child, mainPhases };
}

/** Upload raw RGBA as the panel does, submit, follow the SSE stream to `done`, fetch the raw result. */
/** utime + stime of a process in ms (Linux), or null. */
function processCpuMs(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // Fields 14 and 15 of proc(5), counted after the command name: utime, stime in clock ticks (100 Hz).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** A thread's time on a CPU and waiting for one, in ms (Linux schedstat), or null. */
function threadSchedMs(pid: number | undefined): [onCpu: number, waiting: number] | null {
  try {
    const [onCpu, waiting] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [onCpu / 1e6, waiting / 1e6];
  } catch {
    return null;
  }
}

/**
 * How much of a request's time the server's main thread (its pid's thread) spent on a CPU and waiting for
 * one, and this client's own thread on a CPU: what is left of the wall time is neither (the kernel's
 * loopback, the other threads).
 */
async function onServerMain<T>(pid: number | undefined, request: () => Promise<T>): Promise<[T, ThreadTime | undefined]> {
  const before = threadSchedMs(pid);
  const client = threadSchedMs(process.pid);
  const answer = await request();
  const after = threadSchedMs(pid);
  const clientAfter = threadSchedMs(process.pid);
  if (before === null || after === null || client === null || clientAfter === null) return [answer, undefined];
  return [answer, { onCpu: after[0] - before[0], waiting: after[1] - before[1], clientOnCpu: clientAfter[0] - client[0] }];
}

/**
 * One job as the panel runs it, with nothing else asking the server for anything: the floor it is compared
 * with runs alone too. (Polling /v1/health every 20 ms during the first job used to cost the server 1–2 ms
 * of CPU a reply, ~5 600 replies in a full-size job: the floor's cores, taken. Stalls are now read from the
 * server's own event loop, and `npm run bench server` measures /v1/health under load.)
 */
export async function httpJob(server: BenchServer, rgba: Uint8Array): Promise<HttpJob> {
  const { url } = server;
  const serverPid = server.child.pid;
  const cpuBefore = processCpuMs(serverPid);
  // Upload and result through plain http (http-call.ts), not fetch: undici's fetch of a 1 MB Blob took
  // 6–8 ms more of the client's CPU than http (2–3 ms), on the two cores the server needs too.
  const body = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const start = performance.now();
  const [upload, uploadServerMain] = await onServerMain(serverPid, () => call(url, 'POST', '/v1/images?width=512&height=512&bitDepth=8', body, { 'content-type': 'application/octet-stream' }));
  if (upload.status !== 201) throw new Error(`the upload failed: ${upload.status} ${upload.body.toString().slice(0, 300)}`);
  const { id: image } = JSON.parse(upload.body.toString()) as { id: string };
  const uploaded = performance.now();
  const submit = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'img2img', image, params: PARAMS }) });
  const { id } = (await submit.json()) as { id: string };
  const submitted = performance.now();
  const events = await fetch(`${url}/v1/jobs/${id}/events`);
  const reader = (events.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
    if (/"state":"(done|failed|cancelled)"/.test(text)) break;
  }
  await reader.cancel();
  if (!/"state":"done"/.test(text)) throw new Error(`the job did not finish: ${text.slice(-300)}`);
  const doneSeen = performance.now();
  const [result, resultServerMain] = await onServerMain(serverPid, () => call(url, 'GET', `/v1/jobs/${id}/result`, undefined, { accept: 'application/octet-stream' }));
  const end = performance.now();
  if (result.status !== 200 || result.body.length !== rgba.byteLength) throw new Error(`the raw result failed: ${result.status}, ${result.body.length} bytes`);
  const wallMs = end - start;
  const client = { upload: uploaded - start, submit: submitted - uploaded, events: doneSeen - submitted, result: end - doneSeen, uploadServerMain, resultServerMain };
  const cpuAfter = processCpuMs(serverPid);
  const history = (await (await fetch(`${url}/v1/history?limit=1`)).json()) as { items: { timings: Record<string, number> }[] };
  const timings = history.items[0].timings;
  const phases = { wallMs, client, worker: timings, main: await server.mainPhases(id) };
  return { cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore, wallMs, runMs: timings.sessionRun, previewMs: timings.preview ?? 0, previewEngineMs: timings.previewEngineThread ?? 0, phases };
}

function ms(v: number): string {
  return `${Math.round(v).toLocaleString('en-US')} ms`;
}

/** `warmJobs`: warm HTTP jobs per round (the phase breakdown is their median; 1 where a job takes minutes). */
export async function overheadBench(modelDir: string, label: string, input: { png: Buffer; rgba: Uint8Array }, rounds: number, warmJobs = 1): Promise<OverheadReport> {
  const threads = resolveThreads(undefined);
  const bystander = await startBystander(); // before the temp folder: `finally` stops it and removes the folder
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-overhead-'));
  const inputFile = path.join(tmp, 'in.png');
  fs.writeFileSync(inputFile, input.png);
  const lines: string[] = [];
  const rows: { name: string; wall: number; run: number; floor: number }[] = [];
  // The server's own longest event-loop delay in each HTTP job ('job finished' log line), and an idle
  // bystander process's over the same job (loop-bystander.ts); the bystander's over the floor runs too.
  const loops: { first: boolean; server: number; bystander: number }[] = [];
  let floorBystander = 0;
  let previewPerStep = 0;
  let previewEngine = 0;
  let stepByThreads: [number, number] | undefined;
  const cpuRows: { job: number; floor: number; first: boolean }[] = [];
  const warmPhases: JobPhases[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      await bystander.mark();
      const floor = await floorRun(modelDir, threads, round === 0);
      floorBystander = Math.max(floorBystander, await bystander.mark());
      stepByThreads ??= floor.stepByThreads;
      const cli = await cliRun(modelDir, inputFile, path.join(tmp, 'out.png'), threads);
      // The CLI's own Σ session.run is not reported; the floor process ran the same calls cold.
      rows.push({ name: 'CLI, cold (process start → PNG written; Σ run and non-model time against the floor process)', wall: cli, run: floor.createMs + floor.cold.runMs, floor: floor.processMs });
      const server = await startServer(modelDir, path.join(tmp, 'outputs'), threads);
      try {
        await bystander.mark();
        const cold = await httpJob(server, input.rgba);
        loops.push({ first: true, server: cold.phases.main['loop.maxDelay'] ?? NaN, bystander: await bystander.mark() });
        rows.push({ name: 'HTTP, first job (upload → raw result)', wall: cold.wallMs, run: cold.runMs, floor: floor.cold.wallMs });
        if (cold.cpuMs !== null) cpuRows.push({ job: cold.cpuMs, floor: floor.cold.cpuMs, first: true });
        for (let i = 0; i < warmJobs; i++) {
          await bystander.mark();
          const warm = await httpJob(server, input.rgba);
          loops.push({ first: false, server: warm.phases.main['loop.maxDelay'] ?? NaN, bystander: await bystander.mark() });
          if (warm.cpuMs !== null) cpuRows.push({ job: warm.cpuMs, floor: floor.warm.cpuMs, first: false });
          rows.push({ name: 'HTTP, warm job (upload → raw result)', wall: warm.wallMs, run: warm.runMs, floor: floor.warm.wallMs });
          warmPhases.push(warm.phases);
          previewPerStep = warm.previewMs;
          previewEngine = warm.previewEngineMs;
        }
      } finally {
        server.child.kill('SIGTERM');
      }
      await bystander.mark();
      const floorAfter = await floorRun(modelDir, threads, false);
      floorBystander = Math.max(floorBystander, await bystander.mark());
      // The floor twice per round (before and after): its mean is what the jobs in between compete with.
      for (const row of rows.slice(-2 - warmJobs)) {
        if (row.name.startsWith('CLI')) row.floor = (row.floor + floorAfter.processMs) / 2;
        else if (row.name.includes('first')) row.floor = (row.floor + floorAfter.cold.wallMs) / 2;
        else row.floor = (row.floor + floorAfter.warm.wallMs) / 2;
      }
    }
  } finally {
    bystander.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  lines.push(`\n## Overhead: 512² img2img, ${STEPS_RUN} steps, CFG 7.5, previews on — ${label} (${os.cpus().length} CPUs, ${threads} threads, ${rounds} round${rounds > 1 ? 's' : ''} interleaved with the bare-ORT floor, ${warmJobs} warm job${warmJobs > 1 ? 's' : ''} a round)`);
  lines.push('| job | wall | Σ session.run | non-model time | floor (bare ORT, same calls) | wall ÷ floor |');
  lines.push('|---|---|---|---|---|---|');
  let ok = true;
  for (const name of [...new Set(rows.map((r) => r.name))]) {
    const mine = rows.filter((r) => r.name === name);
    const mean = (f: (r: (typeof rows)[number]) => number): number => mine.reduce((s, r) => s + f(r), 0) / mine.length;
    const wall = mean((r) => r.wall);
    const floor = mean((r) => r.floor);
    const run = mean((r) => r.run);
    const nonModel = name.startsWith('CLI') ? wall - floor : wall - run;
    lines.push(`| ${name} | ${ms(wall)} | ${ms(run)} | ${ms(nonModel)} | ${ms(floor)} | ${(wall / floor).toFixed(3)} |`);
    if (name.includes('warm') && nonModel > 100) ok = false;
    if (wall / floor > 1.05) ok = false;
  }
  for (const first of [true, false]) {
    const mine = cpuRows.filter((r) => r.first === first);
    if (mine.length === 0) continue;
    const job = mine.reduce((s, r) => s + r.job, 0) / mine.length;
    const floor = mine.reduce((s, r) => s + r.floor, 0) / mine.length;
    lines.push(`- CPU time of the ${first ? 'first' : 'warm'} HTTP job (server process, all threads) ${ms(job)} against the floor's ${first ? 'cold' : 'warm'} pass ${ms(floor)}: ${ms(job - floor)} more (${(job / floor).toFixed(3)}×; CPU time is what a busy machine distorts least)`);
  }
  lines.push('', `Where the warm job's non-model time goes (client, main-thread and worker clocks; overhead-phases.ts):`, ...phaseTable(warmPhases), '', ...cpuLines(warmPhases));
  lines.push(`- live previews of a ${STEPS_RUN}-step job (at most one a second; target ≤ 5 ms each): ${previewEngine.toFixed(1)} ms in all on the server's main thread, which makes them while the next step runs; ${previewPerStep.toFixed(1)} ms on the inference thread (copying the latents)`);
  // Judged on the server's own event loop (event-loop-watch.ts); a missing value counts as a miss. A delay
  // passes under 50 ms, or when it is no longer than the idle bystander's longest in this run (floors
  // included) plus one watch period (each watch reads a shared stall up to a period late): the machine
  // stalls an event loop that much with no server at all. The longest of a few rare stalls is a noisy
  // figure, so the run's longest is the measure, not the same job's.
  const longest = (who: 'server' | 'bystander', first?: boolean): number => Math.max(0, ...loops.filter((l) => first === undefined || l.first === first).map((l) => l[who]));
  const machineMs = Math.max(floorBystander, longest('bystander'));
  const serverWorst = longest('server');
  const loopsOk = serverWorst <= 50 || serverWorst <= machineMs + WATCH_RESOLUTION_MS;
  lines.push(`- the server's own longest event-loop delay (inference threads at the default --inference-priority low): first HTTP job ${ms(longest('server', true))}, warm HTTP job${warmJobs > 1 ? 's' : ''} ${ms(longest('server', false))}. An idle Node process's longest, the same watch: ${ms(longest('bystander', true))} and ${ms(longest('bystander', false))} during those jobs, ${ms(floorBystander)} beside the bare-ORT floor (target: ≤ 50 ms, or no longer than the idle process's longest + ${WATCH_RESOLUTION_MS} ms: ${loopsOk ? 'OK' : 'MISSED'})`);
  if (!loopsOk) ok = false;
  if (stepByThreads) {
    lines.push(`- UNet step (CFG batch 2): 1 thread ${ms(stepByThreads[0])}, ${threads} threads ${ms(stepByThreads[1])} (${(stepByThreads[0] / stepByThreads[1]).toFixed(2)}×)`);
  }
  lines.push(`- targets: warm non-model time ≤ 100 ms; every job ≤ 1.05× its floor; no event-loop delay over 50 ms beyond the machine's own: ${ok ? 'OK' : 'MISSED'}`);
  for (const line of lines) console.log(line);
  return { ok, lines };
}
