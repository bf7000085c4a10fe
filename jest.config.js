/** Unit tests are fast; integration and e2e tests start real processes and servers. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Generous: a busy 2-core machine (CI, or eight builds at once) runs the integration tests several
  // times slower than a quiet one. Tests assert no timings; a hang still fails, just later.
  testTimeout: 300000,
  // Three workers on two cores: the integration and e2e files spend much of their time waiting on the
  // processes, servers and browser they start, and a third worker fills that time. Measured on a fresh
  // clone with one core kept busy: 250 and 255 s with two workers, 222, 239 and 281 s with three.
  maxWorkers: 3,
  // Known slow files first even when jest's timing cache is empty (CI), so neither worker idles at the end.
  testSequencer: '<rootDir>/test/helpers/slow-first-sequencer.js',
  // INSANERES_HOME → a temporary folder: no test sees or writes the developer's ~/InsaneRes.
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  // A worker that ran ONNX Runtime sessions spends ~0.3 s in native teardown after its last JS 'exit'
  // handler (ORT's static destructors; measured with strace, no JS handle left open), and 0.5-0.7 s on a
  // busy machine: over jest's default 500 ms, which then kills it and warns of a leak that is not there.
  // A real leak (an open handle) still shows, after 5 s.
  workerGracefulExitTimeout: 5000,
};
