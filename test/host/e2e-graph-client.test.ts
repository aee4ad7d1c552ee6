// test/e2e/graph-client.test.ts, unchanged, against the genuine Functions host serving dist/package (E2E_SERVER=host).
import '../e2e/graph-client.test';
