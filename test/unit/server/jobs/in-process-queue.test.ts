/** The in-process queue behind the shared queue interface: the 'change' stream and the model a job names. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { ApiError, jobCreateRequestSchema, type JobStatus } from '../../../../shared/src';
import type { Engine, JobOutput, ModelInfo, RawImage } from '../../../../server/src/engine/types';
import { HistoryStore } from '../../../../server/src/history/store';
import type { JobQueueApi } from '../../../../server/src/jobs/api';
import { JobQueue } from '../../../../server/src/jobs/queue';

const image: RawImage = { width: 2, height: 2, channels: 4, bitDepth: 8, data: new Uint8Array(16) };
const info = { width: 2, height: 2, bitDepth: 8 as const, channels: 4 as const };

/** Stands in for the ONNX engine: two progress steps, then the input back. */
function fakeEngine(): Engine {
  const model: ModelInfo = { name: 'tiny', dir: '/models/tiny', demo: true, device: 'cpu' };
  const run = async (input: RawImage, params: { seed: number }, options?: { onProgress?: (p: never) => void }): Promise<JobOutput> => {
    for (let step = 1; step <= 2; step++) options?.onProgress?.({ step, totalSteps: 2, tile: 1, totalTiles: 1 } as never);
    return { image: input, seed: params.seed, stepsRun: 2, timings: {} };
  };
  return { device: 'cpu', model, loadModel: async () => model, img2img: run, upscale: run, close: async () => undefined };
}

describe('JobQueue (in-process) as a JobQueueApi', () => {
  let dir: string;
  let queue: JobQueueApi;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-queue-'));
    const logger = pino({ level: 'silent' });
    const history = await HistoryStore.open(dir, logger);
    queue = new JobQueue({ engine: fakeEngine(), history, logger, maxQueue: 4, maxResultPixels: 1e6 });
  });
  afterEach(async () => {
    await queue.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports every job's changes on one 'change' stream, in order, ending done", async () => {
    const seen: JobStatus[] = [];
    const stop = queue.onChange((status) => seen.push(status));
    const spec = jobCreateRequestSchema.parse({ kind: 'img2img', image: 'img', params: { seed: 7 } });
    const job = await queue.submit(spec, image, info, { client: 'ip:127.0.0.1' });
    await new Promise<void>((resolve) => queue.subscribe(job, (s) => s.state === 'done' && resolve()));
    stop();
    const states = seen.map((s) => s.state);
    expect(states[0]).toBe('queued');
    expect(states[states.length - 1]).toBe('done');
    expect(seen.filter((s) => s.state === 'running').map((s) => s.step)).toEqual(expect.arrayContaining([1, 2]));
    expect(seen.every((s) => s.id === job.id && s.seed === 7)).toBe(true);
    expect((await queue.get(job.id)).historyId).not.toBeNull();
  });

  it('refuses a job that names a model other than the loaded one', async () => {
    const spec = jobCreateRequestSchema.parse({ kind: 'img2img', image: 'img', model: 'other' });
    expect(() => queue.submit(spec, image, info)).toThrow(ApiError);
    const same = jobCreateRequestSchema.parse({ kind: 'img2img', image: 'img', model: 'tiny' });
    // An idle queue starts the job at once, so it may already be running.
    expect(['queued', 'running']).toContain((await queue.submit(same, image, info)).state);
  });
});
