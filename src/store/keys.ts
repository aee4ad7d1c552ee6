/**
 * Each tenant's enrollment configurations live in `<tableName>Configs`: a table of their own, so the
 * assignments table holds only what the assignments store keeps (its reset and scans read every
 * partition as an assignment set). Short, so that ASSIGNMENTS_TABLE keeps the 56 characters it allowed.
 */
export const CONFIGURATIONS_TABLE_SUFFIX = 'Configs';

/**
 * Where each tenant's rows live. A configuration's assignments share one partition, so one entity-group
 * transaction can write an assignment, its count and its idempotency record together.
 *
 * The default tenant's partitions are named by the configuration id alone: exactly the layout earlier
 * releases wrote, so their rows belong to the default tenant without being copied. Every other tenant's
 * partitions start with `~<tenantId>~`. No configuration id may start with `~` (such an id is answered as
 * not found before storage is asked), so the two never meet.
 */

/** The tenant of requests that name none (dev mode without a JWT-shaped token, API keys without a tenant). */
export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000000';

/** The start of every key the app keeps for itself; ids a client can address never start with it. */
export const RESERVED_PREFIX = '~';

export const isReservedKey = (key: string): boolean => key.startsWith(RESERVED_PREFIX);

/** One configuration of one tenant: what every assignment operation acts on. */
export interface Scope {
  tenantId: string;
  configurationId: string;
}

/** The first string after every string that starts with `prefix` (`~` + 1 is U+007F, which no key holds). */
const afterPrefix = (prefix: string): string => `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;

/** A PartitionKey range as [from, to): from inclusive, to exclusive; `to` undefined means to the end. */
export interface KeyRange {
  from: string;
  to?: string;
}

export class Tenancy {
  constructor(readonly defaultTenantId: string = DEFAULT_TENANT_ID) {}

  partitionOf(scope: Scope): string {
    return scope.tenantId === this.defaultTenantId
      ? scope.configurationId
      : `${RESERVED_PREFIX}${scope.tenantId}${RESERVED_PREFIX}${scope.configurationId}`;
  }

  scopeOf(partitionKey: string): Scope {
    if (!isReservedKey(partitionKey)) return { tenantId: this.defaultTenantId, configurationId: partitionKey };
    const end = partitionKey.indexOf(RESERVED_PREFIX, 1);
    return { tenantId: partitionKey.slice(1, end), configurationId: partitionKey.slice(end + 1) };
  }

  /**
   * The partition ranges that hold one tenant's rows. The default tenant's partitions are every key that
   * does not start with `~`: those before it, and those after U+007E (a configuration id may start with
   * any character a key allows, `é` included).
   */
  rangesOf(tenantId: string): KeyRange[] {
    if (tenantId === this.defaultTenantId) return [{ from: '', to: RESERVED_PREFIX }, { from: afterPrefix(RESERVED_PREFIX) }];
    const prefix = `${RESERVED_PREFIX}${tenantId}${RESERVED_PREFIX}`;
    return [{ from: prefix, to: afterPrefix(prefix) }];
  }
}
