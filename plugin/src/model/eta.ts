/**
 * The time left, measured by the panel from the steps it sees finish. The first step of a job carries the
 * model's warm-up (sessions loading, the first tile's setup), so an estimate that includes it can be far off
 * (2 min 27 s for a 14 s upscale): the clock starts at the first step seen done, and there is no estimate until
 * a further step has finished.
 */
import type { JobStatus } from '../../../shared/src';
import type { Timers } from './follower';

export class EtaEstimate {
  private mark: { at: number; done: number } | null = null;

  constructor(private readonly timers: Pick<Timers, 'now'>) {}

  /** Seconds left, or null while there is nothing to measure yet. */
  update(status: Pick<JobStatus, 'state' | 'step' | 'totalSteps' | 'tile' | 'totalTiles'>): number | null {
    if (status.state !== 'running' || status.totalSteps === 0) return status.state === 'done' ? 0 : null;
    const tiles = Math.max(1, status.totalTiles);
    const done = Math.max(0, status.tile - 1) * status.totalSteps + status.step;
    const total = tiles * status.totalSteps;
    const now = this.timers.now();
    if (!this.mark) {
      if (done > 0) this.mark = { at: now, done };
      return null;
    }
    if (done <= this.mark.done) return null;
    const secondsPerStep = (now - this.mark.at) / 1000 / (done - this.mark.done);
    return secondsPerStep * (total - done);
  }
}
