// test/e2e/readme-curl.test.ts, unchanged, against the genuine Functions host serving dist/package (E2E_SERVER=host).
import '../e2e/readme-curl.test';
