// The resize thread starts from a plain .js file, like the inference worker (engine/worker-entry.js): in
// the source tree tsx compiles resize-thread.ts on load; in the compiled build (dist/) resize-thread.js runs.
const fs = require('fs');
const path = require('path');

if (fs.existsSync(path.join(__dirname, 'resize-thread.ts'))) {
  require('tsx/cjs');
  require('./resize-thread.ts');
} else {
  require('./resize-thread.js');
}
