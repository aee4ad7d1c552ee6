import { odata, type TableClient } from '@azure/data-tables';
import { AssignmentStore, type AssignmentFilter, type Idempotency, type ListPage, type StoredAssignment } from './assignments';
import { partitionKeyOf, tenantPrefix, TENANT_PREFIX, type Scope } from './keys';
import { StorageTable } from './tables';

/** An assignment as a handler makes it: the scope says where it goes. */
export type NewAssignment = Omit<StoredAssignment, 'etag' | 'configurationId'>;

/** Another tenant's partition: `~<tenantId>~<configurationId>`. */
const OTHER_TENANT = /^~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}~(.*)$/s;

/**
 * The assignments store with every operation scoped to a tenant's configuration, over the store that
 * knows only partitions: each scope becomes its partition key (src/store/keys.ts), and what comes back
 * names the configuration as the caller does. A tenant reaches only its own partitions, whatever ids
 * it sends.
 */
export class TenantAssignmentStore {
  readonly #store: AssignmentStore;
  readonly #table: StorageTable;

  constructor(
    private readonly client: TableClient,
    timeoutMs: number,
    private readonly defaultTenantId: string,
  ) {
    this.#store = new AssignmentStore(client, timeoutMs);
    this.#table = new StorageTable(client, timeoutMs);
  }

  #partition(scope: Scope): string {
    return partitionKeyOf(scope, this.defaultTenantId);
  }

  #inScope<T extends StoredAssignment>(scope: Scope, a: T): T {
    return { ...a, configurationId: scope.configurationId };
  }

  async create(scope: Scope, assignment: NewAssignment, idempotency?: Idempotency): Promise<StoredAssignment> {
    const stored = await this.#store.create({ ...assignment, configurationId: this.#partition(scope) }, idempotency);
    return this.#inScope(scope, stored);
  }

  async get(scope: Scope, id: string): Promise<StoredAssignment | undefined> {
    const found = await this.#store.get(this.#partition(scope), id);
    return found && this.#inScope(scope, found);
  }

  async list(scope: Scope, options: { top: number; continuation?: string; filter: AssignmentFilter }): Promise<ListPage> {
    const page = await this.#store.list(this.#partition(scope), options);
    return { ...page, items: page.items.map((a) => this.#inScope(scope, a)) };
  }

  count(scope: Scope, filter: AssignmentFilter): Promise<number> {
    return this.#store.count(this.#partition(scope), filter);
  }

  async update(
    scope: Scope,
    id: string,
    change: (current: StoredAssignment) => StoredAssignment,
    ifMatch?: string,
  ): Promise<StoredAssignment> {
    const partition = this.#partition(scope);
    const updated = await this.#store.update(
      partition,
      id,
      (current) => ({ ...change(this.#inScope(scope, current)), configurationId: partition }),
      ifMatch,
    );
    return this.#inScope(scope, updated);
  }

  delete(scope: Scope, id: string, ifMatch?: string): Promise<boolean> {
    return this.#store.delete(this.#partition(scope), id, ifMatch);
  }

  replaceAll(scope: Scope, assignments: NewAssignment[]): Promise<void> {
    const partition = this.#partition(scope);
    return this.#store.replaceAll(
      partition,
      assignments.map((a) => ({ ...a, configurationId: partition })),
    );
  }

  /**
   * Removes every row of the scope's partitions, as if never written (POST /__admin/reset): all of
   * them; one tenant's; one configuration's in every tenant; or one tenant's configuration.
   */
  async purge(scope: Partial<Scope> = {}): Promise<void> {
    const { tenantId, configurationId } = scope;
    if (tenantId === undefined && configurationId === undefined) return this.#store.purge();
    if (tenantId !== undefined && configurationId !== undefined) return this.#store.purge(this.#partition({ tenantId, configurationId }));
    for (const partition of await this.#partitions(tenantId, configurationId)) await this.#store.purge(partition);
  }

  /** The partitions of one tenant, or of one configuration in every tenant. */
  async #partitions(tenantId: string | undefined, configurationId: string | undefined): Promise<string[]> {
    if (tenantId === this.defaultTenantId) return this.#partitionKeys(odata`PartitionKey lt ${TENANT_PREFIX}`, () => true);
    if (tenantId !== undefined) {
      const prefix = tenantPrefix(tenantId);
      return this.#partitionKeys(odata`PartitionKey ge ${prefix}`, (key) => key.startsWith(prefix));
    }
    const others = await this.#partitionKeys(odata`PartitionKey ge ${TENANT_PREFIX}`, () => true);
    return [configurationId!, ...others.filter((key) => OTHER_TENANT.exec(key)?.[1] === configurationId)];
  }

  /** The distinct partition keys the filter finds, in key order, up to the first that `within` refuses. */
  #partitionKeys(filter: string, within: (key: string) => boolean): Promise<string[]> {
    return this.#table.run(async (abortSignal) => {
      const keys = new Set<string>();
      const rows = this.client.listEntities({ queryOptions: { filter, select: ['PartitionKey'] }, abortSignal });
      for await (const page of rows.byPage({ maxPageSize: 1000 })) {
        for (const row of page) {
          if (!within(row.partitionKey!)) return [...keys];
          keys.add(row.partitionKey!);
        }
      }
      return [...keys];
    });
  }

  /** Answers when the table can be reached: for /health. */
  ping(): Promise<void> {
    return this.#store.ping();
  }
}
