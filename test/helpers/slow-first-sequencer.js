/**
 * Jest's own order (files that failed last time first, then the slowest by its timing cache), but where
 * that cache is empty, as in CI's fresh checkout, the known slow files still go first: otherwise jest
 * orders by file size, a long e2e or studio file can start last, and one worker then runs it alone while
 * the other idles. Seconds below are relative weights from one full run (a fresh clone on a 2-core machine
 * with one core kept busy), scaled where a file's CPU time changed (in-band jest runs before and after
 * the shared tiny models, per-picture assertions and INSANERES_ORT_SPINNING=0); a file not listed and not
 * cached runs after these, largest first. Update the table when a file's cost changes a lot.
 */
const Sequencer = require('@jest/test-sequencer').default;
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

const KNOWN_SECONDS = new Map([
  ['test/integration/studio/studio.test.ts', 37],
  ['test/integration/engine/cli-img2img.test.ts', 27],
  ['test/e2e/harness/harness.test.ts', 27],
  ['test/unit/scripts/full-size-lcm.test.ts', 27],
  ['test/integration/plugin/package-plugin.test.ts', 22],
  ['test/integration/engine/fast-mode.test.ts', 18],
  ['test/e2e/harness/inpaint.test.ts', 15],
  ['test/integration/engine/cli-inpaint.test.ts', 14],
  ['test/integration/server/hub-cli.test.ts', 14],
  ['test/e2e/harness/model-download.test.ts', 13],
  ['test/integration/server/load.test.ts', 12],
  ['test/integration/engine/upscale.test.ts', 12],
  ['test/integration/server/shutdown.test.ts', 16],
  ['test/integration/engine/upscale-seams.test.ts', 11],
  ['test/integration/engine/engine.test.ts', 10],
  ['test/integration/server/fuzz.test.ts', 10],
  ['test/integration/engine/inpaint.test.ts', 8],
  ['test/integration/server/flow.test.ts', 8],
  ['test/unit/scripts/full-size-model.test.ts', 7],
  ['test/integration/server/streams.test.ts', 6],
  ['test/integration/engine/cli-upscale.test.ts', 6],
  ['test/integration/server/startup.test.ts', 6],
  ['test/integration/server/security.test.ts', 6],
  ['test/integration/server/a1111/a1111-behaviour.test.ts', 5],
  ['test/integration/server/a1111/a1111-tests.test.ts', 5],
  ['test/integration/engine/pipeline.test.ts', 4],
  ['test/integration/server/models.test.ts', 4],
]);

class SlowFirstSequencer extends Sequencer {
  /** Milliseconds: jest's cached timing, else the known weight, else undefined. */
  time(test) {
    const cached = super.time(test);
    if (cached != null) return cached;
    const known = KNOWN_SECONDS.get(path.relative(ROOT, test.path).split(path.sep).join('/'));
    return known === undefined ? undefined : known * 1000;
  }

  /**
   * Failed last time first; then by time, slowest first; files with no time at all (small unit files, or
   * new ones) after those, largest first. (Jest's own sort runs files without a time first, which on a
   * cold cache is every file, so it falls back to size alone.)
   */
  sort(tests) {
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    for (const test of tests) test.duration = this.time(test);
    return tests.sort((a, b) => {
      const failedA = this.hasFailed(a);
      if (failedA !== this.hasFailed(b)) return failedA ? -1 : 1;
      if ((a.duration == null) !== (b.duration == null)) return a.duration == null ? 1 : -1;
      if (a.duration != null && b.duration != null && a.duration !== b.duration) return b.duration - a.duration;
      return size(b) - size(a);
    });
  }
}

module.exports = SlowFirstSequencer;
