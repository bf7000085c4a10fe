/**
 * The main thread's longest event-loop delay over a stretch of time (a job): the server's own view of
 * a stall. A client's reply times mix it with the client's own delays: in the first job after a start,
 * /v1/health replies took up to 88–100 ms while this thread's longest gap was 32–38 ms (synthetic model,
 * the server in the measuring process). Its timer runs only while watched, every 5 ms.
 */
import { monitorEventLoopDelay } from 'perf_hooks';

export function watchEventLoop(): { stop(): number } {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  return {
    /** Ends the watch; the longest delay seen, in ms (0 if the timer never fired). */
    stop(): number {
      histogram.disable();
      return histogram.count > 0 ? histogram.max / 1e6 : 0;
    },
  };
}
