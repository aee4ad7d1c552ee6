import { freePort, startAzurite, type RunningAzurite } from '../../dev/azurite';

declare global {
  var __AZURITE__: RunningAzurite | undefined;
}

/** Starts one real Azurite for the run; test workers inherit its connection string through the environment. */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite({ tablePort: await freePort() });
  globalThis.__AZURITE__ = azurite;
  process.env.TEST_AZURITE_CONNECTION = azurite.connectionString;
  process.env.TEST_AZURITE_TABLE_PORT = String(azurite.tablePort);
}
