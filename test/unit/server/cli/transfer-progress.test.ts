/** The pull's progress output: a redrawn bar on a terminal, plain lines elsewhere. */
import { pullProgress } from '../../../../server/src/cli/transfer-progress';
import type { PullProgress } from '../../../../server/src/models/hub/pull';

function fakeStream(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = { isTTY: tty, columns: 200, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

const step = (bytesDone: number, file: string, fileIndex: number): PullProgress => ({ phase: 'downloading', file, fileIndex, fileCount: 2, bytesDone, bytesTotal: 2_000_000 });

test('on a terminal: one line redrawn with bar, bytes, rate, ETA and file i/N', () => {
  const { stream, text } = fakeStream(true);
  const progress = pullProgress(stream);
  progress.update(step(1_000_000, 'unet/model.onnx', 1));
  progress.end();
  const out = text();
  expect(out.startsWith('\r\x1b[2K[############------------] 1.0 MB / 2.0 MB')).toBe(true);
  expect(out).toMatch(/ETA -- {2}file 1\/2 unet\/model\.onnx\n$/);
  expect(out.split('\n')).toHaveLength(2);
});

test('elsewhere: a line per file and per tenth, nothing before bytes flow', () => {
  const { stream, text } = fakeStream(false);
  const progress = pullProgress(stream);
  progress.update({ phase: 'resolving', fileIndex: 0, fileCount: 0, bytesDone: 0, bytesTotal: 0 });
  progress.update(step(0, 'a.json', 1));
  progress.update(step(100, 'a.json', 1));
  progress.update(step(1_500_000, 'b.onnx', 2));
  progress.note('b.onnx: HTTP 503; retrying in 1 s');
  expect(text().split('\n').filter(Boolean)).toEqual([
    'file 1/2: a.json',
    '0%  0 B / 2.0 MB  0 B/s  ETA --',
    'file 2/2: b.onnx',
    expect.stringMatching(/^70%  1\.5 MB \/ 2\.0 MB {2}\S+ \S+\/s {2}ETA \S+$/),
    'b.onnx: HTTP 503; retrying in 1 s',
  ]);
});
