import type { Progress } from '../engine/types';

/** Progress on stderr: one updating line on a terminal, one line per step otherwise (logs, CI). */
export function stderrProgress(label: string): (p: Progress) => void {
  const tty = process.stderr.isTTY;
  return (p) => {
    const tile = p.totalTiles > 1 ? ` tile ${p.tile}/${p.totalTiles}` : '';
    const line = `${label}${tile} step ${p.step}/${p.totalSteps}`;
    process.stderr.write(tty ? `\r${line}   ` : `${line}\n`);
    if (tty && p.step === p.totalSteps && p.tile === p.totalTiles) process.stderr.write('\n');
  };
}
