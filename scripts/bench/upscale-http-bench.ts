/**
 * The main thread during a real 4096² upscale over HTTP (issue 14, goal 6): the server runs in this
 * process, the client (upscale-http-client.ts) in a child, so that every event-loop gap measured here is
 * the server's. Two meters: `monitorEventLoopDelay` (its max) and a 1 ms interval timer that also records
 * when each gap happened, so that the longest gap is reported per phase: a small warm-up job (reported,
 * not counted: lazy loading and first compilations happen once per server), then upload, submit, running
 * (progress, previews, the result arriving, PNG encode and sidecar), the raw and PNG downloads, a
 * thumbnail, and the raw download of the stored entry (decoded from disk).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import pino from 'pino';
import { startServer } from '../../server/src/serve';

export interface PhaseGap {
  phase: string;
  seconds: number;
  longestGapMs: number;
  /** Of that gap, the main thread's time on a CPU; null where schedstat is missing. */
  longestGapOnCpuMs: number | null;
}

export interface HttpGapRun {
  phases: PhaseGap[];
  /** The longest gap in the measured phases (the warm-up job is reported, not counted). */
  longestGapMs: number;
  /** monitorEventLoopDelay's max over the whole run, warm-up included: a cross-check of the interval timer. */
  histogramMaxMs: number;
}

/**
 * The main thread's time on a CPU and waiting for one (ns), from Linux's schedstat; null elsewhere. On a
 * busy machine a gap can be the thread waiting for a core rather than code holding the loop: the split
 * tells the two apart.
 */
function schedstatReader(): { read(): [number, number] | null; close(): void } {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    return { read: () => null, close: () => undefined };
  }
  const buffer = Buffer.alloc(128);
  // One open file read from its start on every tick: cheaper than opening it a thousand times a second.
  return {
    read() {
      const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
      const [onCpu, waiting] = buffer.toString('latin1', 0, length).split(' ').map(Number);
      return [onCpu, waiting];
    },
    close: () => fs.closeSync(fd),
  };
}

export interface Gap {
  at: number;
  gap: number;
  /** Of the gap, time the main thread spent on a CPU (ms); null without schedstat. */
  onCpu: number | null;
}

/** Every gap over 5 ms between two runs of a 1 ms timer, with when it ended and how much of it ran. */
export function gapRecorder(): { stop(): Gap[] } {
  const gaps: Gap[] = [];
  const schedstat = schedstatReader();
  let last = performance.now();
  let lastStat = schedstat.read();
  const timer = setInterval(() => {
    const now = performance.now();
    const stat = schedstat.read();
    if (now - last - 1 > 5) gaps.push({ at: now, gap: now - last - 1, onCpu: stat && lastStat ? (stat[0] - lastStat[0]) / 1e6 : null });
    last = now;
    lastStat = stat;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      schedstat.close();
      return gaps;
    },
  };
}

function clientCommand(): string[] {
  const client = path.join(__dirname, `upscale-http-client${path.extname(__filename)}`);
  return [...(__filename.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : []), client];
}

/** A `side`² upscale (2× from side/2) over HTTP with `params`, the server on `modelDir`. */
export async function httpGapRun(modelDir: string, side: number, params: object): Promise<HttpGapRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-upscale-http-'));
  const server = await startServer({ port: 0, device: 'cpu', model: modelDir, outputs: dir, logger: pino({ level: 'silent' }) });
  try {
    const marks: Array<{ phase: string; at: number }> = [];
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const recorder = gapRecorder();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...clientCommand(), server.url, String(side), JSON.stringify(params)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
          const line = JSON.parse(text.slice(0, end)) as { phase?: string; done?: boolean };
          text = text.slice(end + 1);
          marks.push({ phase: line.phase ?? 'end', at: performance.now() });
        }
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the HTTP client failed (exit ${code})`))));
    });
    const gaps = recorder.stop();
    histogram.disable();
    const phases = marks.slice(0, -1).map((mark, i) => {
      const end = marks[i + 1].at;
      const longest = gaps.filter((g) => g.at > mark.at && g.at <= end).reduce<Gap | null>((a, g) => (a && a.gap >= g.gap ? a : g), null);
      return { phase: mark.phase, seconds: (end - mark.at) / 1000, longestGapMs: longest?.gap ?? 0, longestGapOnCpuMs: longest ? longest.onCpu : 0 };
    });
    const measured = phases.filter((p) => p.phase !== 'warm-up');
    return { phases, longestGapMs: Math.max(0, ...measured.map((p) => p.longestGapMs)), histogramMaxMs: histogram.max / 1e6 };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function printHttpGaps(run: HttpGapRun, side: number, what: string): void {
  console.log(`\n### Server main thread during a ${side}² upscale over HTTP (${what}; client in its own process)`);
  console.log('phase           time s   longest event-loop gap ms   of which on a CPU ms');
  for (const p of run.phases) {
    const onCpu = p.longestGapOnCpuMs === null ? 'n/a' : p.longestGapOnCpuMs.toFixed(1);
    console.log(`${p.phase.padEnd(14)}${p.seconds.toFixed(1).padStart(8)}${p.longestGapMs.toFixed(1).padStart(28)}${onCpu.padStart(23)}`);
  }
  console.log('(a gap mostly off the CPU is the thread waiting for a core on a busy machine, not code holding the loop)');
  console.log(`longest gap after the warm-up: ${run.longestGapMs.toFixed(1)} ms (monitorEventLoopDelay max over the whole run ${run.histogramMaxMs.toFixed(1)} ms; target ≤ 50) ${run.longestGapMs <= 50 ? 'OK' : 'MISSED'}`);
}
