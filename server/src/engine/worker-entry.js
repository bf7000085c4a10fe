// Worker threads start from a plain .js file; tsx compiles the TypeScript worker on load.
require('tsx/cjs');
require('./worker.ts');
