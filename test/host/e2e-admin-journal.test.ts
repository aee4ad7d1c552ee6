// test/e2e/admin-journal.test.ts, unchanged, against the genuine Functions host serving dist/package (E2E_SERVER=host).
import '../e2e/admin-journal.test';
