import { jobCreateRequestSchema } from '../../../../shared/src';
import { estimateEta, jobStatus, newJob } from '../../../../server/src/jobs/job';

function runningJob(progress: { step: number; totalSteps: number; tile: number; totalTiles: number }, startedSecondsAgo: number) {
  const spec = jobCreateRequestSchema.parse({ kind: 'img2img', image: 'img', params: { seed: 7 } });
  const job = newJob('job', spec, { width: 1, height: 1, channels: 4, bitDepth: 8, data: new Uint8Array(4) }, {
    width: 1, height: 1, bitDepth: 8, channels: 4,
  });
  Object.assign(job, progress, { state: 'running', startedAt: new Date(1_000_000 - startedSecondsAgo * 1000) });
  return job;
}

describe('estimateEta', () => {
  it.each([
    // step, totalSteps, tile, totalTiles, seconds so far → seconds left
    [1, 10, 1, 1, 2, 18],
    [5, 10, 1, 1, 5, 5],
    [10, 10, 1, 1, 7, 0],
    [5, 10, 2, 4, 15, 25],
  ])('step %i/%i tile %i/%i after %is → %is', (step, totalSteps, tile, totalTiles, elapsed, expected) => {
    expect(estimateEta(runningJob({ step, totalSteps, tile, totalTiles }, elapsed), 1_000_000)).toBe(expected);
  });

  it('is unknown before the first step', () => {
    expect(estimateEta(runningJob({ step: 0, totalSteps: 10, tile: 1, totalTiles: 1 }, 3), 1_000_000)).toBeNull();
  });
});

describe('jobStatus', () => {
  it('reports the seed and the queue position', () => {
    const job = runningJob({ step: 0, totalSteps: 0, tile: 0, totalTiles: 0 }, 0);
    expect(jobStatus(job, 3)).toMatchObject({ id: 'job', kind: 'img2img', seed: 7, queuePosition: 3, error: null });
  });
});
