// jest.host.config.js: the suites it runs talk to the genuine Functions host (test/helpers/runner.ts reads this).
process.env.E2E_SERVER = 'host';
