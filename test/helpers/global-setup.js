/**
 * Runs once, before jest starts its workers (which inherit this environment, as do the servers and CLIs the
 * tests spawn):
 * - INSANERES_HOME points at a fresh temporary folder, so a server started without --models-dir or
 *   --outputs never lists the developer's pulled models (~/InsaneRes/models) nor writes into their outputs.
 *   Removed again by global-teardown.js.
 * - INSANERES_ORT_SPINNING=0 (unless the caller set it): ONNX Runtime's threads do not spin between ops.
 * - INSANERES_INFERENCE_PRIORITY=normal (unless the caller set it): the servers and studio workers the tests
 *   start run inference at the normal priority. At the default (low, nice 10) any other process on a busy
 *   machine takes the CPU first, and the suite then waits on it: in a fresh-clone run with one core kept
 *   busy, the studio and shutdown tests took 75-96 and 29-36 s at low, 44 and 16 s at normal. The
 *   priority itself is tested explicitly (inference-priority.test.ts).
 *   The suite runs many sessions at once on a busy machine, where spinning threads burn the CPU the others
 *   wait for: the engine tests took 22 % less CPU without it (server/src/runtime/threads.ts).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = async function globalSetup() {
  process.env.INSANERES_ORT_SPINNING ??= '0';
  process.env.INSANERES_INFERENCE_PRIORITY ??= 'normal';
  if (process.env.INSANERES_HOME && process.env.INSANERES_TEST_HOME !== process.env.INSANERES_HOME) {
    // Set by the caller on purpose: keep it.
    return;
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-test-home-'));
  process.env.INSANERES_HOME = home;
  process.env.INSANERES_TEST_HOME = home;
};
