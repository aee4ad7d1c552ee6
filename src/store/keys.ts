/**
 * Where a tenant's configuration lives in the assignments table. Every stored row belongs to a tenant;
 * a configuration's rows share one partition, whose key says whose they are:
 *
 * - the default tenant (DEFAULT_TENANT_ID): the configuration id itself, exactly the layout of earlier
 *   releases, so the rows they wrote stay readable and belong to the default tenant;
 * - any other tenant: `~<tenantId>~<configurationId>`.
 *
 * A configuration id that starts with `~` could name another tenant's partition, so it is reserved:
 * requests that name one are answered as if it did not exist (src/assignments/handlers.ts).
 */

/** Which tenant's configuration an operation acts on. */
export interface Scope {
  /** A GUID, lower-case. */
  tenantId: string;
  configurationId: string;
}

export const TENANT_PREFIX = '~';

/** Azurite caps a key at 512 characters (the service at 1 KiB); every partition key stays within it. */
export const MAX_KEY_LENGTH = 512;

export const isReservedConfigurationId = (configurationId: string): boolean => configurationId.startsWith(TENANT_PREFIX);

/** The key of everything that starts another tenant's partitions, for listing them. */
export const tenantPrefix = (tenantId: string): string => `${TENANT_PREFIX}${tenantId}${TENANT_PREFIX}`;

export function partitionKeyOf(scope: Scope, defaultTenantId: string): string {
  return scope.tenantId === defaultTenantId ? scope.configurationId : `${tenantPrefix(scope.tenantId)}${scope.configurationId}`;
}

/** The longest configuration id a tenant's partition key has room for. */
export function maxConfigurationIdLength(tenantId: string, defaultTenantId: string): number {
  return tenantId === defaultTenantId ? MAX_KEY_LENGTH : MAX_KEY_LENGTH - tenantPrefix(tenantId).length;
}
