import { median, phaseRows, phaseTable, type JobPhases } from '../../../../scripts/bench/overhead-phases';

/** One job's three clocks, made up so that every phase has a distinct size. */
function job(): JobPhases {
  return {
    wallMs: 10_000,
    client: { upload: 20, submit: 5, events: 9_900, result: 70 },
    worker: {
      imageConversion: 30, tokenize: 2, textEncoder: 50, 'run.textEncoder': 45, vaeEncode: 400, 'run.vaeEncoder': 399,
      scheduler: 40, unet: 8_000, 'run.unet': 7_990, preview: 25, progress: 12, vaeDecode: 900, 'run.vaeDecoder': 898,
      total: 9_800, sessionRun: 45 + 399 + 7_990 + 898,
    },
    main: { engine: 9_480, worker: 9_470, save: 100, saveEntry: 2, saveFiles: 90, saveRename: 8 },
  };
}

describe('overhead phase breakdown', () => {
  it('splits wall − Σ session.run into phases that add up to it exactly', () => {
    const j = job();
    const rows = phaseRows(j);
    const sum = rows.reduce((s, [, ms]) => s + ms, 0);
    expect(sum).toBeCloseTo(j.wallMs - j.worker.sessionRun, 9);
    const at = (label: string): number => rows.find(([l]) => l.startsWith(label))?.[1] ?? NaN;
    // Each stage without its session.run time; what runJob did outside any stage; the message round trip.
    expect(at('worker: UNet calls, outside run')).toBe(10);
    expect(at('worker: VAE decode, outside run')).toBe(2);
    expect(at('worker: the rest of the job')).toBe(9_470 - (30 + 2 + 50 + 400 + 40 + 8_000 + 25 + 12 + 900));
    expect(at('main ↔ worker messages')).toBe(9_480 - 9_470);
    expect(at('client: submit, queue and the `done` event')).toBe(5 + 9_900 - 9_480 - 100);
    expect(at('unaccounted')).toBeCloseTo(10_000 - (20 + 5 + 9_900 + 70), 9);
  });

  it('reports medians per phase and of the total', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const slower = job();
    slower.wallMs += 100;
    slower.client.result += 100;
    const lines = phaseTable([job(), slower, job()]);
    expect(lines.find((l) => l.startsWith('| client: raw result'))).toBe('| client: raw result (GET …/result) | 70.0 | 70.0–170.0 |');
    expect(lines.at(-1)).toContain(`| **${(10_000 - job().worker.sessionRun).toFixed(1)}** |`);
  });
});
