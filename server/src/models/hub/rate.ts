/** Transfer rate and time left, over a sliding window so one slow second does not swing the ETA. */
export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 8000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Records the running total of bytes done. */
  add(bytesDone: number): void {
    const at = this.now();
    this.samples.push({ at, bytes: bytesDone });
    while (this.samples.length > 2 && at - this.samples[0].at > this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window; 0 until two samples are apart in time. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last.at <= first.at) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  /** Seconds left for `remaining` bytes at the current rate; null while the rate is unknown. */
  etaSeconds(remaining: number): number | null {
    const r = this.rate();
    return r > 0 ? Math.round(remaining / r) : null;
  }
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '--';
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${seconds}s`;
}
