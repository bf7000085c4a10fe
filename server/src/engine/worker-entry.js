// Worker threads start from a plain .js file. In the source tree (worker.ts beside this file) tsx
// compiles the TypeScript worker on load; in the compiled build (dist/, where tsc copied this file next
// to worker.js) the compiled worker runs. The engine spawns the entry beside its own module, so the
// worker always runs the same build as the thread that started it.

// onnxruntime-node (≤ 1.30) cannot take float16 inputs where the runtime has Float16Array (Node ≥ 23):
// onnxruntime-common then passes a Float16Array whose byte length the binding reads as 0 ("not enough
// space: expected 8, got 0"; onnxruntime issue 26791, fix pending in PR 32323). Without the global, it
// keeps the Uint16Array path that works on Node 20/22. Only this worker's isolate is affected, and only
// onnxruntime uses Float16Array here.
if (typeof globalThis.Float16Array !== 'undefined') delete globalThis.Float16Array;

const fs = require('fs');
const path = require('path');

if (fs.existsSync(path.join(__dirname, 'worker.ts'))) {
  require('tsx/cjs');
  require('./worker.ts');
} else {
  require('./worker.js');
}
