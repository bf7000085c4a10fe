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
  maxWorkers: 2,
};
