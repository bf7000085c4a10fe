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
    // Steps every 30 ms: step 0 and 1 kept, then one in each 100 ms, a picture always, the last step always.
    for (let n = 0; n <= 15; n++) {
      now = n * 30;
      if (throttle.shouldPost(step(n, n === 9))) posted.push(n);
    }
    expect(posted).toEqual([0, 1, 5, 9, 13, 15]);
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
