import type { Progress } from './types';

/** At most one live preview per second: the panel polls about that often, and each costs inference-thread time. */
export const PREVIEW_INTERVAL_MS = 1000;
/** Step reports closer together than this are coalesced: the latest state replaces the ones in between. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Decides, on the inference thread, which previews to make and which progress reports to post. Progress
 * is state, not a log: dropping a report that a newer one supersedes loses nothing. Kept always: the
 * start (step 0), the first step of each tile (the first preview, and where a tile begins), a tile's last
 * step, any report carrying a picture, and the step after a dropped one, so what clients see trails the
 * worker by at most one step (a cancel's "stops within a step" stays checkable, and studio mode's
 * "at most one step of delay" holds however fast the steps are).
 */
export class ProgressThrottle {
  private lastPreview = -Infinity;
  private lastPost = -Infinity;
  private lastPosted: { tile: number; step: number } | null = null;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly previewIntervalMs = PREVIEW_INTERVAL_MS,
    private readonly progressIntervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  /** True when a preview should be made now; the caller then makes it (the time is recorded here). */
  previewDue(): boolean {
    const now = this.now();
    if (now - this.lastPreview < this.previewIntervalMs) return false;
    this.lastPreview = now;
    return true;
  }

  /**
   * True when this report should be posted; false when a later one will carry the news. `withPicture`:
   * it carries a preview (made here, or to be made from its latents on the engine's thread).
   */
  shouldPost(progress: Progress, withPicture = progress.preview !== undefined): boolean {
    const now = this.now();
    const last = this.lastPosted;
    const keep =
      withPicture ||
      progress.step <= 1 ||
      progress.step >= progress.totalSteps ||
      last === null ||
      last.tile !== progress.tile ||
      progress.step - last.step >= 2 ||
      now - this.lastPost >= this.progressIntervalMs;
    if (keep) {
      this.lastPost = now;
      this.lastPosted = { tile: progress.tile, step: progress.step };
    }
    return keep;
  }
}
