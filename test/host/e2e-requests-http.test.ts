// test/e2e/requests-http.test.ts, unchanged, against the genuine Functions host serving dist/package (E2E_SERVER=host).
import '../e2e/requests-http.test';
