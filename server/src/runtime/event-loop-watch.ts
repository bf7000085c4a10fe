/**
 * The main thread's longest event-loop delay over a stretch of time (a job): the server's own view of
 * a stall. A client's reply times mix it with the client's own delays: in the first job after a start,
 * /v1/health replies took up to 88–100 ms while this thread's longest gap was 32–38 ms (synthetic model,
 * the server in the measuring process).
 *
 * Its timer runs only while watched, every 10 ms (Node's default), so a figure is the stall plus at most
 * 10 ms. At 5 ms the wake-ups cost the main thread ~240 ms of CPU in a 30 s job (560 against 320 ms with
 * no watch) and preempted onnxruntime's threads ~5 000 times (~900 without); at 10 ms, ~145 ms and ~3 000.
 */
import { monitorEventLoopDelay } from 'perf_hooks';

/** The timer's period, ms: a reported delay is the longest gap between two of its ticks. */
export const WATCH_RESOLUTION_MS = 10;

export function watchEventLoop(): { stop(): number } {
  const histogram = monitorEventLoopDelay({ resolution: WATCH_RESOLUTION_MS });
  histogram.enable();
  return {
    /** Ends the watch; the longest delay seen, in ms (0 if the timer never fired). */
    stop(): number {
      histogram.disable();
      return histogram.count > 0 ? histogram.max / 1e6 : 0;
    },
  };
}
