import { watchEventLoop } from '../../../../server/src/runtime/event-loop-watch';

const math = Math;

describe('watchEventLoop', () => {
  it('reports at least the time a synchronous task held the loop', async () => {
    const watch = watchEventLoop();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the timer has fired: a baseline exists
    let x = 0;
    const start = performance.now();
    while (performance.now() - start < 80) x += math.sqrt(x + 1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the late firing is recorded
    const longest = watch.stop();
    expect(x).toBeGreaterThan(0);
    // No timer can fire during the 80 ms task, so the delay seen is at least most of it, however busy
    // the machine (load only makes it longer).
    expect(longest).toBeGreaterThanOrEqual(70);
  });

  it('stops: a second stop gives the same figure, and a watch that saw nothing gives 0', () => {
    const watch = watchEventLoop();
    const first = watch.stop();
    expect(first).toBe(0);
    expect(watch.stop()).toBe(first);
  });
});
