import type { StorageSettings } from '../config';
import { AssignmentStore } from './assignments';
import { ConfigurationStore, type NewConfigurationRow } from './configurations';
import { CONFIGURATIONS_TABLE_SUFFIX, DEFAULT_TENANT_ID, Tenancy } from './keys';
import { Table, TableAccount } from './table';

export { AssignmentStore, type AssignmentInput, type Idempotency, IDEMPOTENCY_RETENTION_MS } from './assignments';
export { MAX_FILTERED_COUNT, type ListPage } from './reads';
export {
  ConfigurationStore,
  ConfigurationTooLarge,
  MAX_CONFIGURATION_DATA_LENGTH,
  type ConfigurationPlan,
  type ConfigurationRow,
  type NewConfigurationRow,
} from './configurations';
export * from './errors';
export { DEFAULT_TENANT_ID, isReservedKey, Tenancy, type Scope } from './keys';
export type { AssignmentData, AssignmentFilter, NewAssignment, StoredAssignment, TargetData } from './rows';
export { odata, StorageError, Table, TableAccount, type Entity, type TableAction } from './table';

export interface StoreSettings {
  storage: StorageSettings;
  /** The assignments table; the app's other tables are named after it. */
  tableName: string;
  storageTimeoutMs: number;
  defaultTenantId?: string;
  /** Each tenant's configurations; `<tableName>Configs` when not given. */
  configurationsTableName?: string;
}

export interface Stores {
  tenancy: Tenancy;
  assignments: AssignmentStore;
  configurations: ConfigurationStore;
  /** Another of the app's tables, with the same credentials and deadline (the journal, mock state). */
  table(name: string): Table;
}

/**
 * The app's storage, built once from its settings by the composition root. `configurationDefaults` are
 * the configurations every tenant has from its first request (the configurations resource knows them;
 * the store only keeps them).
 */
export function createStores(
  settings: StoreSettings,
  configurationDefaults: (tenantId: string) => NewConfigurationRow[] = () => [],
): Stores {
  const tenancy = new Tenancy(settings.defaultTenantId ?? DEFAULT_TENANT_ID);
  // One account for every table: they share its credentials and its connection pool.
  const account = TableAccount.from(settings.storage);
  const table = (name: string) => new Table(account, name, settings.storageTimeoutMs);
  return {
    tenancy,
    assignments: new AssignmentStore(table(settings.tableName), tenancy),
    configurations: new ConfigurationStore(
      table(settings.configurationsTableName ?? `${settings.tableName}${CONFIGURATIONS_TABLE_SUFFIX}`),
      configurationDefaults,
    ),
    table,
  };
}
