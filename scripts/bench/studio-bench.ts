/**
 * Studio-mode benchmark (issue 15): real processes — redis-server, one front (`insaneres serve --queue`) and
 * one, then two, workers (`insaneres worker`, tiny model, CPU). Measures throughput (jobs per minute) with 1
 * and 2 workers on the same queue, and the front's overhead per job: the time a client waits beyond the
 * worker's own run (POST → `done` event, minus the job's startedAt → finishedAt), i.e. input file, Redis,
 * pick-up, events and history. Without redis-server it says so and is skipped.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { makeTinyModel } from '../tiny-model/make-tiny-model';
import { eventually } from '../../test/helpers/eventually';
import { redisMissing, removeRedisDir, startRedis } from '../../test/helpers/redis-server';
import { PROJECT_ROOT } from '../../server/src/project-root';

const BIN = path.join(PROJECT_ROOT, 'bin', 'insaneres.js');
/** 256² is enlarged to 512² (SD 1.5's size): 64×64 latents, 20 steps × strength 0.5 = 10 UNet steps. */
const SIDE = 256;
const PARAMS = { steps: 20, strength: 0.5, guidanceScale: 7.5 };
const JOBS = 8;
const SEQUENTIAL = 5;

function spawnLogged(args: string[], readyMsg: string): Promise<{ child: ChildProcess; url?: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      text += chunk;
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as { msg?: string; url?: string };
          if (parsed.msg === readyMsg) resolve({ child, url: parsed.url });
        } catch {
          // a partial line
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}:\n${text}`)));
  });
}

function call(url: string, method: string, p: string, body?: Buffer | string, type?: string): Promise<{ status: number; json: <T = { id: string }>() => T }> {
  const target = new URL(p, url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method, agent: false,
        headers: body ? { 'content-type': type ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: <T>() => JSON.parse(Buffer.concat(chunks).toString()) as T }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with the time the `done` (or any final) event arrives, and the final status. */
function doneAt(url: string, id: string): Promise<{ at: number; status: { state: string; startedAt: string; finishedAt: string } }> {
  const target = new URL(`/v1/jobs/${id}/events`, url);
  return new Promise((resolve, reject) => {
    http.get({ host: target.hostname, port: target.port, path: target.pathname, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const frames = text.split('\n\n').filter((f) => f.startsWith('event: status'));
        const last = frames.length ? JSON.parse(frames[frames.length - 1].split('\n')[1].slice(6)) : null;
        if (last && ['done', 'failed', 'cancelled'].includes(last.state)) resolve({ at: performance.now(), status: last });
      });
    }).on('error', reject);
  });
}

async function upload(url: string, side = SIDE): Promise<string> {
  const data = Buffer.alloc(side * side * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  const res = await call(url, 'POST', `/v1/images?width=${side}&height=${side}&bitDepth=8`, data, 'application/octet-stream');
  return res.json().id;
}

async function submit(url: string, image: string, seed: number): Promise<string> {
  const res = await call(url, 'POST', '/v1/jobs', JSON.stringify({ kind: 'img2img', image, params: { ...PARAMS, seed } }));
  if (res.status !== 202) throw new Error(`job refused: ${res.status} ${JSON.stringify(res.json())}`);
  return res.json().id;
}

/** JOBS jobs at once; jobs per minute from the first submit to the last done. */
async function throughput(url: string, image: string): Promise<number> {
  const start = performance.now();
  const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => submit(url, image, i)));
  const ends = await Promise.all(ids.map((id) => doneAt(url, id)));
  if (ends.some((e) => e.status.state !== 'done')) throw new Error('a benchmark job did not finish');
  return (JOBS / (Math.max(...ends.map((e) => e.at)) - start)) * 60_000;
}

/** One job at a time on an idle worker: the client's wait minus the worker's run. */
async function overhead(url: string, image: string): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const posted = performance.now();
    const id = await submit(url, image, 100 + i);
    const { at, status } = await doneAt(url, id);
    const run = Date.parse(status.finishedAt) - Date.parse(status.startedAt);
    result.push(at - posted - run);
  }
  return result;
}

type Health = { workers?: { name: string; job?: string }[] };

/**
 * A worker killed mid-job (SIGKILL): ms from the kill until the front shows the job queued again or running on
 * the other worker. Issue 15's target is 10 s; the integration test checks only that it happens.
 */
async function killRecovery(url: string, workers: Map<string, ChildProcess>): Promise<number> {
  // 1024², 60 steps: long enough that the worker shows as busy in health (heartbeats are 2 s apart) before it ends.
  const image = await upload(url, 1024);
  const res = await call(url, 'POST', '/v1/jobs', JSON.stringify({ kind: 'img2img', image, params: { steps: 60, strength: 1, seed: 7 } }));
  const id = res.json().id;
  await eventually('the long job running', async () => {
    const s = (await call(url, 'GET', `/v1/jobs/${id}`)).json<{ state: string; step?: number }>();
    return s.state === 'running' && (s.step ?? 0) >= 1 ? true : undefined;
  }, 60_000);
  const runner = await eventually('the running worker in health', async () =>
    (await call(url, 'GET', '/v1/health')).json<Health>().workers?.find((w) => w.job === id)?.name, 10_000);
  const victim = workers.get(runner) as ChildProcess;
  const killedAt = performance.now();
  victim.kill('SIGKILL');
  await eventually('the job leaving the dead worker', async () => {
    const status = (await call(url, 'GET', `/v1/jobs/${id}`)).json<{ state: string }>();
    const health = (await call(url, 'GET', '/v1/health')).json<Health>();
    return status.state === 'queued' || health.workers?.some((w) => w.name !== runner && w.job === id) ? true : undefined;
  }, 60_000);
  const noticed = performance.now() - killedAt;
  const end = await doneAt(url, id);
  if (end.status.state !== 'done') throw new Error(`the job of the killed worker ended ${end.status.state}`);
  return noticed;
}

export async function studioBench(): Promise<{ ok: boolean }> {
  if (redisMissing()) return { ok: true };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-studio-bench-'));
  const redis = await startRedis();
  const children: ChildProcess[] = [];
  try {
    const model = path.join(dir, 'tiny');
    await makeTinyModel(model);
    const front = await spawnLogged(['serve', '--queue', redis.url, '--shared-outputs', path.join(dir, 'shared'), '--port', '0'], 'listening');
    children.push(front.child);
    const url = front.url as string;
    const worker = (name: string): Promise<{ child: ChildProcess }> =>
      spawnLogged(['worker', '--queue', redis.url, '--model', model, '--device', 'cpu', '--name', name], 'waiting for jobs');
    const byName = new Map<string, ChildProcess>();
    const addWorker = async (name: string): Promise<void> => {
      const { child } = await worker(name);
      children.push(child);
      byName.set(name, child);
    };
    await addWorker('bench-1');
    const image = await upload(url);
    await throughput(url, image); // warm-up: JIT and ONNX sessions of the first worker
    const perJob = (await overhead(url, image)).sort((a, b) => a - b);
    const one = await throughput(url, image);
    await addWorker('bench-2');
    await throughput(url, image); // warm-up of the second worker
    const two = await throughput(url, image);
    const recovery = await killRecovery(url, byName);
    const median = perJob[Math.floor(perJob.length / 2)];
    const cores = os.cpus().length;
    console.log(`\nStudio mode (tiny model, ${SIDE}² → 512², ${PARAMS.steps} steps × strength ${PARAMS.strength}, ${cores} CPU cores, load average ${os.loadavg()[0].toFixed(1)}):`);
    console.log(`  throughput, 1 worker:  ${one.toFixed(1)} jobs/min`);
    console.log(`  throughput, 2 workers: ${two.toFixed(1)} jobs/min (×${(two / one).toFixed(2)})`);
    console.log(`  a worker killed mid-job: noticed after ${(recovery / 1000).toFixed(1)} s, finished on the other`);
    console.log(`  front overhead per job: median ${median.toFixed(1)} ms (min ${perJob[0].toFixed(1)}, max ${perJob[perJob.length - 1].toFixed(1)}; ${SEQUENTIAL} sequential jobs)`);
    // Targets: the front adds less than a few UNet steps of a real GPU job per job; a second worker adds
    // throughput. CPU workers on one machine share its cores (each ONNX session uses all of them), so that
    // second target only applies with cores to spare; on GPU boxes each worker has its own GPU.
    const scales = cores < 4 || two > one * 1.3;
    if (!scales) console.log('  MISSED: a second worker should add at least 30 % throughput with ≥ 4 cores');
    // Best of 5, like the engine bench's best of 3: on a loaded machine the median mostly measures the
    // scheduler (two runs at load average ~20 on 2 cores gave medians of 25 and 251 ms).
    if (perJob[0] >= 250) console.log('  MISSED: the front should add under 250 ms per job (best of 5)');
    if (recovery > 10_000) console.log('  MISSED: a killed worker\'s job should be noticed within 10 s (issue 15)');
    return { ok: scales && perJob[0] < 250 && recovery <= 10_000 };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await redis.stop();
    removeRedisDir(redis);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
