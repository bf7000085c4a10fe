/**
 * A pull's progress on stderr: on a terminal one updating bar (bytes, rate, ETA, file i/N); otherwise
 * plain lines, one when a file starts and one per tenth of the total, so logs stay readable.
 */
import { formatBytes } from '../models/hub/aliases';
import type { PullProgress } from '../models/hub/pull';
import { formatDuration, RateMeter } from '../models/hub/rate';

export function pullProgress(stream: NodeJS.WriteStream = process.stderr): { update: (p: PullProgress) => void; note: (line: string) => void; end: () => void } {
  const tty = Boolean(stream.isTTY);
  const meter = new RateMeter();
  let lastFile = '';
  let lastTenth = -1;
  let lastDraw = 0;
  let drawn = false;
  const clear = (): void => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(p) {
      // Silent until bytes flow: a bad repo name then fails with exactly one line.
      if (p.phase === 'resolving' || p.phase === 'listing') return;
      meter.add(p.bytesDone);
      const eta = formatDuration(meter.etaSeconds(p.bytesTotal - p.bytesDone));
      const rate = `${formatBytes(meter.rate())}/s`;
      const amount = `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && p.phase !== 'done') return;
        lastDraw = now;
        const width = 24;
        const filled = p.bytesTotal > 0 ? Math.min(width, Math.round((p.bytesDone / p.bytesTotal) * width)) : width;
        const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
        const line = `${bar} ${amount}  ${rate}  ETA ${eta}  file ${p.fileIndex}/${p.fileCount} ${p.file ?? ''}`;
        stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
        drawn = true;
        return;
      }
      const tenth = p.bytesTotal > 0 ? Math.floor((p.bytesDone / p.bytesTotal) * 10) : 10;
      if (p.file && p.file !== lastFile) {
        lastFile = p.file;
        stream.write(`file ${p.fileIndex}/${p.fileCount}: ${p.file}\n`);
      }
      if (tenth > lastTenth && p.phase === 'downloading') {
        lastTenth = tenth;
        stream.write(`${tenth * 10}%  ${amount}  ${rate}  ETA ${eta}\n`);
      }
    },
    note(line) {
      clear();
      stream.write(`${line}\n`);
    },
    end() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
