import { ProgressThrottle } from '../../../../server/src/engine/progress-throttle';
import type { Progress } from '../../../../server/src/engine/types';

const step = (n: number, preview = false): Progress => ({
  step: n,
  totalSteps: 15,
  tile: 1,
  totalTiles: 1,
  preview: preview ? { width: 1, height: 1, channels: 3, bitDepth: 8, data: new Uint8Array(3) } : undefined,
});

describe('ProgressThrottle', () => {
  it('makes the first preview at once, then at most one per second', () => {
    let now = 0;
    const throttle = new ProgressThrottle(() => now);
    const made: number[] = [];
    for (now = 0; now <= 3000; now += 250) if (throttle.previewDue()) made.push(now);
    expect(made).toEqual([0, 1000, 2000, 3000]);
  });

  it('coalesces step reports closer than 100 ms, keeping the start, step 1, the last step and any preview', () => {
    let now = 0;
    const throttle = new ProgressThrottle(() => now);
    const posted: number[] = [];
    // Steps every 30 ms: step 0 and 1 kept, then every other one (never more than one dropped in a row),
    // a picture always, the last step always.
    for (let n = 0; n <= 15; n++) {
      now = n * 30;
      if (throttle.shouldPost(step(n, n === 8))) posted.push(n);
    }
    expect(posted).toEqual([0, 1, 3, 5, 7, 8, 10, 12, 14, 15]);
    for (let i = 1; i < posted.length; i++) expect(posted[i] - posted[i - 1]).toBeLessThanOrEqual(2);
  });

  it('drops nothing at a tile change, so the first step of each tile is seen', () => {
    let now = 0;
    const throttle = new ProgressThrottle(() => now);
    const posted: string[] = [];
    for (let tile = 1; tile <= 3; tile++) {
      for (let n = 1; n <= 3; n++) {
        now += 10;
        if (throttle.shouldPost({ ...step(n), step: n, totalSteps: 3, tile, totalTiles: 3 })) posted.push(`${tile}.${n}`);
      }
    }
    expect(posted).toEqual(['1.1', '1.3', '2.1', '2.3', '3.1', '3.3']);
  });

  it('posts every report when steps are slower than the interval', () => {
    let now = 0;
    const throttle = new ProgressThrottle(() => now);
    const posted: number[] = [];
    for (let n = 0; n <= 15; n++) {
      now = n * 150;
      if (throttle.shouldPost(step(n))) posted.push(n);
    }
    expect(posted).toHaveLength(16);
  });
});
