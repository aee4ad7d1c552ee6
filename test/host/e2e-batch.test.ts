// test/e2e/batch.test.ts, unchanged, against the genuine Functions host serving dist/package (E2E_SERVER=host).
import '../e2e/batch.test';
