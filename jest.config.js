/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/host/ holds suites for the genuine Functions host only: `npm run test:host` (jest.host.config.js)
  // runs them, and test/e2e/ again under that host.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/host/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  // One Azurite (in memory, free port) for the whole run; each test file gets its own table.
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFiles: ['<rootDir>/test/helpers/per-file-env.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
