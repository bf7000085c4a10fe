/**
 * Where a warm HTTP job's non-model time (wall − Σ session.run) goes, phase by phase, from three clocks:
 * the client's (upload, submit, events, result), the server's main thread (the engine round trip and the
 * history save, from its `job finished` log line) and the inference worker's (its stages, with each
 * stage's session.run time taken out, from the history entry's timings). The phases partition the wall
 * time, so what is left over ("unaccounted") shows a gap in the instrumentation, not a hidden cost.
 */

/** The client's own clock, per request: what the panel waits for. */
export interface ClientPhases {
  upload: number;
  submit: number;
  /** Submit answered → the `done` event read. */
  events: number;
  result: number;
  /** The server's main thread during the upload and the result, on a CPU and waiting for one (Linux schedstat; else absent). */
  uploadServerMain?: ThreadTime;
  resultServerMain?: ThreadTime;
}

export interface ThreadTime {
  onCpu: number;
  waiting: number;
  /** The client's own thread on a CPU meanwhile. */
  clientOnCpu: number;
}

export interface JobPhases {
  wallMs: number;
  client: ClientPhases;
  /** The worker's timings (history entry): stages, `run.<part>` and `sessionRun`. */
  worker: Record<string, number>;
  /** The main thread's (`job finished` log): `queued`, `engine`, `save` and its parts. */
  main: Record<string, number>;
}

/** A worker stage and the model part whose session.run time it includes (that time is taken out). */
const WORKER_STAGES: readonly [label: string, stage: string, run?: string][] = [
  ['image conversion (RGBA ↔ float)', 'imageConversion'],
  ['tokenize', 'tokenize'],
  ['text encoder, outside run', 'textEncoder', 'run.textEncoder'],
  ['VAE encode, outside run', 'vaeEncode', 'run.vaeEncoder'],
  ['scheduler + CFG maths', 'scheduler'],
  ['UNet calls, outside run', 'unet', 'run.unet'],
  ['live previews', 'preview'],
  ['progress posts', 'progress'],
  ['VAE decode, outside run', 'vaeDecode', 'run.vaeDecoder'],
];

/** [label, ms] rows whose sum is the job's non-model time (the last row is what no phase covers). */
export function phaseRows(job: JobPhases): [string, number][] {
  const { client, worker, main } = job;
  const at = (r: Record<string, number>, key: string | undefined): number => (key === undefined ? 0 : r[key] ?? 0);
  const rows: [string, number][] = [];
  rows.push(['client: raw upload (POST /v1/images)', client.upload]);
  let stages = 0;
  for (const [label, stage, run] of WORKER_STAGES) {
    const ms = at(worker, stage) - at(worker, run);
    stages += at(worker, stage);
    rows.push([`worker: ${label}`, ms]);
  }
  // runJob's own total (the entry's `total` is the job's since it started) minus its stages: sampler
  // set-up, noise, fitting, anything not in a stage.
  const workerTotal = at(main, 'worker');
  rows.push(['worker: the rest of the job', workerTotal - stages]);
  rows.push(['main ↔ worker messages', at(main, 'engine') - workerTotal]);
  rows.push(['history: entry + infotext', at(main, 'saveEntry')]);
  // The PNG is encoded after `done` (history/store.ts): what the job waits for is the durable raw pixels.
  rows.push(['history: raw pixels and sidecar written and flushed', at(main, 'saveFiles')]);
  rows.push(['history: renames (raw pixels, then sidecar)', at(main, 'saveRename')]);
  // The job starts while the submit is being answered, so the two overlap: counted together.
  rows.push(['client: submit, queue and the `done` event (beyond engine and save)', client.submit + client.events - at(main, 'engine') - at(main, 'save')]);
  rows.push(['client: raw result (GET …/result)', client.result]);
  const accounted = rows.reduce((s, [, ms]) => s + ms, 0);
  rows.push(['unaccounted (client gaps)', job.wallMs - at(worker, 'sessionRun') - accounted]);
  return rows;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Markdown lines: the median of each phase over `jobs` (medians need not add up to the median total). */
export function phaseTable(jobs: JobPhases[]): string[] {
  const perJob = jobs.map(phaseRows);
  const lines = [`| phase (median of ${jobs.length} warm job${jobs.length > 1 ? 's' : ''}) | ms | min–max |`, '|---|---|---|'];
  perJob[0].forEach(([label], i) => {
    const values = perJob.map((rows) => rows[i][1]);
    lines.push(`| ${label} | ${median(values).toFixed(1)} | ${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)} |`);
  });
  const totals = jobs.map((j) => j.wallMs - (j.worker.sessionRun ?? 0));
  lines.push(`| **non-model time (wall − Σ session.run)** | **${median(totals).toFixed(1)}** | ${Math.min(...totals).toFixed(1)}–${Math.max(...totals).toFixed(1)} |`);
  return lines;
}

/** CPU time of the parts the server can count per thread (Linux): what a loaded machine distorts least. */
export function cpuLines(jobs: JobPhases[]): string[] {
  const rows: [string, (j: JobPhases) => number | undefined][] = [
    ['inference worker thread, CPU outside session.run', (j) => j.worker['cpu.outsideRun']],
    ['inference worker thread, time waiting for a CPU (whole job)', (j) => j.worker['cpu.waited']],
    ['main thread, CPU during the raw upload (the rest of its wall time: the client, and waiting for a core)', (j) => j.client.uploadServerMain?.onCpu],
    ['main thread, time waiting for a CPU during the raw upload', (j) => j.client.uploadServerMain?.waiting],
    ['the client (bench) thread, CPU during the raw upload', (j) => j.client.uploadServerMain?.clientOnCpu],
    ['main thread, CPU during the raw result', (j) => j.client.resultServerMain?.onCpu],
    ['main thread, time waiting for a CPU during the raw result', (j) => j.client.resultServerMain?.waiting],
    ['the client (bench) thread, CPU during the raw result', (j) => j.client.resultServerMain?.clientOnCpu],
    ['main thread, CPU while the worker ran', (j) => j.main['cpu.mainDuringEngine']],
    ['server process, CPU during the history save (before `done`; the PNG encode comes after)', (j) => j.main['cpu.save']],
  ];
  const lines: string[] = [];
  for (const [label, pick] of rows) {
    const values = jobs.map(pick).filter((v): v is number => v !== undefined);
    if (values.length > 0) lines.push(`- ${label}: median ${median(values).toFixed(1)} ms (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`);
  }
  return lines;
}
