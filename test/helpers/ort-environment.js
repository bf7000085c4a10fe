/**
 * Jest environment for tests that run onnxruntime-node.
 *
 * Jest runs each test file in its own vm context, with its own typed-array constructors. onnxruntime-node's
 * native addon creates output arrays with Node's main-realm constructors, and onnxruntime-common (loaded inside
 * the sandbox) rejects them with "A float32 tensor's data must be type of function Float32Array()". Sharing the
 * main realm's constructors with the sandbox makes both sides agree. Use with the docblock
 * `@jest-environment ./test/helpers/ort-environment.js`.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (name in globalThis) this.global[name] = globalThis[name];
    }
  }
}

module.exports = OrtEnvironment;
