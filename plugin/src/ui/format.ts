/** How numbers read in the panel. Pure, so tests can pin the wording. */
import type { Phase, Progress } from '../model/state';

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  // The demo model runs a step in milliseconds: "0 s left" with steps to go would read as stuck.
  if (seconds > 0 && seconds < 0.5) return '< 1 s left';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s left`;
  return `${Math.floor(s / 60)} min ${s % 60} s left`;
}

/** "step 9/15 · tile 2/4 · 4 s left", or what is happening before the first step. */
export function progressText(phase: Phase, progress: Progress | null): string {
  if (phase === 'uploading') return 'Reading the selection and uploading…';
  if (phase === 'placing') return 'Placing the result…';
  if (phase !== 'running' || !progress) return '';
  if (progress.queuePosition !== null && progress.queuePosition > 0) return `Queued (${progress.queuePosition} ahead)`;
  if (progress.totalSteps === 0) return 'Starting…';
  const parts = progress.variation ? [`variation ${progress.variation.index}/${progress.variation.count}`] : [];
  parts.push(`step ${progress.step}/${progress.totalSteps}`);
  if (progress.totalTiles > 1) parts.push(`tile ${progress.tile}/${progress.totalTiles}`);
  const eta = formatEta(progress.etaSeconds);
  if (eta) parts.push(eta);
  return parts.join(' · ');
}

/** Overall fraction done, counting finished tiles. */
export function progressFraction(progress: Progress | null): number {
  if (!progress || progress.totalSteps === 0) return 0;
  const tiles = Math.max(1, progress.totalTiles);
  const tileIndex = Math.max(0, progress.tile - 1);
  return Math.min(1, (tileIndex * progress.totalSteps + progress.step) / (tiles * progress.totalSteps));
}
