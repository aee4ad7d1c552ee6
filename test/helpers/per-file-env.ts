import { randomBytes } from 'node:crypto';

// Every test file talks to the shared Azurite through its own table, so files never see each other's data.
process.env.ASSIGNMENTS_STORAGE = process.env.TEST_AZURITE_CONNECTION;
delete process.env.ASSIGNMENTS_STORAGE__tableServiceUri;
process.env.ASSIGNMENTS_TABLE = `t${randomBytes(8).toString('hex')}`;
process.env.AUTH_MODE = 'dev';
process.env.STORAGE_TIMEOUT_MS = '3000';
