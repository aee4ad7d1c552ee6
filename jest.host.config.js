/** @type {import('jest').Config} */
// `npm run test:host`: suites under the genuine Functions host (../shared/functions-host) serving dist/package.
const base = require('./jest.config');
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/host/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // E2E_SERVER=host makes test/helpers/runner.ts start the genuine host instead of the local runner.
  setupFiles: [...base.setupFiles, '<rootDir>/test/host/under-host-env.ts'],
  // The host takes ~4 s to start on an idle 2-core machine, far longer when the machine is busy.
  testTimeout: 120000,
};
