/** @type {import('jest').Config} */
// `npm run test:host`: every end-to-end suite in test/e2e/ again, now against the genuine Functions host
// (../shared/functions-host) serving dist/package, what Azure runs; plus the suites in test/host/ that
// exist only for the host (the differential test against the runner, func start, the echo app).
const base = require('./jest.config');

/**
 * The end-to-end suites that run under the local runner only, and why. Everything else in test/e2e/
 * runs under both; a new suite runs under both unless it is named here.
 */
const RUNNER_ONLY = {
  stopping: 'drives `npm start` itself (its processes, signals and data folder); no server to swap',
  'start-https': 'drives `npm start -- --https` itself; no server to swap',
  'runner-https': "the runner's own https mode (RUNNER_TLS_CERT/KEY); the host serves http behind a TLS proxy",
  'hostile-http':
    "the runner's copy of Kestrel's body handling and the serving process's memory under 512 MiB bodies; " +
    "the host's own answers to the same inputs are compared by test/host/differential.test.ts",
  concurrency: 'exactly-once under concurrent retries is the app and storage; the server in front changes nothing',
  'scale-out': 'two app instances racing on one table, Azurite stalled with SIGSTOP: the app and storage, twice the start-up',
  'storage-faults': 'Azurite stopped and restarted under writers: the app and storage, not the server in front',
  'storage-faults-empty': 'Azurite restarted empty under writers: the app and storage, not the server in front',
  'dotnet-batch': 'builds and runs a .NET Graph SDK client (a minute of dotnet build); its requests are covered by the batch suite',
};

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/host/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...Object.keys(RUNNER_ONLY).map((name) => `<rootDir>/test/e2e/${name}\\.test\\.ts$`)],
  // E2E_SERVER=host makes test/helpers/runner.ts start the genuine host instead of the local runner.
  setupFiles: [...base.setupFiles, '<rootDir>/test/host/under-host-env.ts'],
  // The host takes ~4 s to start on an idle 2-core machine, far longer when the machine is busy.
  testTimeout: 120000,
};
