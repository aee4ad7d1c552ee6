import { NotStored, StoreError, VersionMismatch } from './errors';
import {
  etagAt,
  failedOperation,
  isLostRace,
  LOST,
  MAX_TRANSACTION_OPERATIONS,
  partitionRange,
  type Table,
  odata,
  type TableAction,
} from './table';

/**
 * A tenant's enrollment configurations: all in one partition (`~c~<tenantId>`), so the tenant's list is
 * one query (a tenant has tens of them) and a change to a priority order, which moves several
 * configurations, is one transaction. Every change to an order also writes that order's guard row
 * (`~o<kind>`) under its ETag, so two instances creating or moving configurations of one kind at once
 * cannot both commit a plan made from the same order: the second reads again and plans again.
 *
 * The store knows nothing of what a configuration means: the resource hands it rows (an id, the order
 * it competes in, its JSON) and plans (what to insert, update and delete given what is stored), and the
 * defaults every tenant has.
 */

export interface ConfigurationRow {
  id: string;
  /** The priority order it competes in. */
  kind: string;
  data: Record<string, unknown>;
  etag: string;
}

export type NewConfigurationRow = Omit<ConfigurationRow, 'etag'>;

/** What a change writes, made from the tenant's configurations as stored. */
export interface ConfigurationPlan<T> {
  insert?: NewConfigurationRow[];
  /** Written under the ETag of the row the plan was made from. */
  update?: Array<Pick<ConfigurationRow, 'id' | 'data'>>;
  delete?: string[];
  /** The orders the plan changes: their guards are written in the same transaction. */
  orders?: string[];
  result: T;
}

type ConfigurationEntity = { partitionKey: string; rowKey: string; kind: string; data: string; etag?: string };

/**
 * The longest `data` (its JSON, in UTF-16 code units) a configuration may have: Table Storage keeps a
 * string property of at most 64 KiB of UTF-16. Past it storage refuses the write with a 400 of its own.
 */
export const MAX_CONFIGURATION_DATA_LENGTH = 32 * 1024;

/** A configuration whose JSON is longer than one property holds (MAX_CONFIGURATION_DATA_LENGTH). */
export class ConfigurationTooLarge extends StoreError {
  override name = 'ConfigurationTooLarge';
  constructor(
    readonly id: string,
    readonly length: number,
  ) {
    super(`The configuration '${id}' is ${length} characters of JSON, more than ${MAX_CONFIGURATION_DATA_LENGTH}.`);
  }
}

const GUARD_PREFIX = '~o';
const PARTITION_PREFIX = '~c~';
/** The first key after every `~c~…` (`~` + 1 is U+007F, which no key holds). */
const PARTITIONS_END = '~c\u007f';

export class ConfigurationStore {
  constructor(
    readonly table: Table,
    /** The configurations every tenant has from its first request (Intune's defaults). */
    private readonly defaultsOf: (tenantId: string) => NewConfigurationRow[] = () => [],
  ) {}

  partitionOf(tenantId: string): string {
    return `${PARTITION_PREFIX}${tenantId}`;
  }

  /** The tenant's configurations: one query (a second only the first time, to store the defaults). */
  async all(tenantId: string): Promise<ConfigurationRow[]> {
    const { rows } = await this.#read(tenantId);
    if (this.#missingDefaults(tenantId, rows).length === 0) return rows;
    await this.#storeDefaults(tenantId);
    return (await this.#read(tenantId)).rows;
  }

  /** One configuration: a point read. */
  async get(tenantId: string, id: string): Promise<ConfigurationRow | undefined> {
    if (id.startsWith('~')) return undefined;
    const found = await this.table.find<ConfigurationEntity>(this.partitionOf(tenantId), id);
    if (found) return rowOf(found);
    if (!this.defaultsOf(tenantId).some((d) => d.id === id)) return undefined;
    await this.#storeDefaults(tenantId);
    const stored = await this.table.find<ConfigurationEntity>(this.partitionOf(tenantId), id);
    return stored && rowOf(stored);
  }

  /**
   * A change planned from everything the tenant has: one query, then one transaction; planned again on
   * what another instance wrote if that transaction lost a race.
   */
  async change<T>(tenantId: string, plan: (rows: ConfigurationRow[]) => ConfigurationPlan<T>): Promise<T> {
    return (await this.changeWithETags(tenantId, plan)).result;
  }

  /** change(), and the ETag of each row it inserted or updated (a create answers with its row's ETag). */
  async changeWithETags<T>(
    tenantId: string,
    plan: (rows: ConfigurationRow[]) => ConfigurationPlan<T>,
  ): Promise<{ result: T; etags: Map<string, string> }> {
    const pk = this.partitionOf(tenantId);
    return this.table.untilWon(async () => {
      const { rows, guards } = await this.#read(tenantId);
      if (this.#missingDefaults(tenantId, rows).length > 0) {
        await this.#storeDefaults(tenantId);
        return LOST;
      }
      const p = plan(rows);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const ops: TableAction[] = [];
      /** The id each operation writes, by position, for the ETags the transaction answers with. */
      const written: Array<string | undefined> = [];
      for (const kind of new Set(p.orders ?? [])) {
        const guard = { partitionKey: pk, rowKey: `${GUARD_PREFIX}${kind}`, kind, data: '{}' };
        const etag = guards.get(kind);
        ops.push(etag === undefined ? ['create', guard] : ['update', guard, 'Replace', { etag }]);
        written.push(undefined);
      }
      for (const r of p.insert ?? []) {
        ops.push(['create', entityOf(pk, r)]);
        written.push(r.id);
      }
      for (const u of p.update ?? []) {
        const current = byId.get(u.id);
        if (!current) throw new NotStored(`No configuration '${u.id}'.`);
        ops.push(['update', entityOf(pk, { ...current, data: u.data }), 'Replace', { etag: current.etag }]);
        written.push(u.id);
      }
      for (const id of p.delete ?? []) ops.push(['delete', { partitionKey: pk, rowKey: id }]);
      if (ops.length === 0) return { result: p.result, etags: new Map<string, string>() };
      if (ops.length > MAX_TRANSACTION_OPERATIONS)
        throw new Error(`A configuration change of ${ops.length} writes does not fit one transaction.`);
      let response;
      try {
        response = await this.table.transaction(ops);
      } catch (err) {
        if (isLostRace(err) && failedOperation(err) !== undefined) return LOST;
        throw err;
      }
      const etags = new Map<string, string>();
      written.forEach((id, i) => {
        const etag = id === undefined ? undefined : etagAt(response, i);
        if (id !== undefined && etag !== undefined) etags.set(id, etag);
      });
      return { result: p.result, etags };
    });
  }

  /**
   * A change of one configuration from its stored form (PATCH, an assign moving its version): a point
   * read and a replace under its ETag. With `ifMatch`, that ETag must be the stored one.
   */
  async update(
    tenantId: string,
    id: string,
    change: (row: ConfigurationRow) => Record<string, unknown>,
    ifMatch?: string,
  ): Promise<ConfigurationRow> {
    const conditional = ifMatch !== undefined && ifMatch !== '*';
    const pk = this.partitionOf(tenantId);
    return this.table.untilWon(async () => {
      const row = await this.get(tenantId, id);
      if (!row) throw new NotStored(`No configuration '${id}'.`);
      if (conditional && ifMatch !== row.etag) throw new VersionMismatch('If-Match does not name the stored version.');
      const data = change(row);
      try {
        const written = await this.table.replace(entityOf(pk, { ...row, data }), row.etag);
        return { ...row, data, etag: written.etag ?? '' };
      } catch (err) {
        if (!isLostRace(err)) throw err;
        if (conditional) throw new VersionMismatch('If-Match does not name the stored version.');
        return LOST;
      }
    });
  }

  /** The tenants that have configurations stored (for the admin page). */
  async tenants(): Promise<string[]> {
    const keys = await this.table.all<object>(`${partitionRange(PARTITION_PREFIX, PARTITIONS_END)} and ${odata`RowKey lt ${'~'}`}`, [
      'PartitionKey',
    ]);
    return [...new Set(keys.map((k) => k.partitionKey.slice(PARTITION_PREFIX.length)))];
  }

  /** Removes a tenant's configurations (or every tenant's). The defaults come back on the tenant's next request. */
  async purge(tenantId?: string): Promise<void> {
    const filter =
      tenantId === undefined ? partitionRange(PARTITION_PREFIX, PARTITIONS_END) : odata`PartitionKey eq ${this.partitionOf(tenantId)}`;
    await this.table.deleteAll(await this.table.keys(filter));
  }

  async #read(tenantId: string): Promise<{ rows: ConfigurationRow[]; guards: Map<string, string> }> {
    const entities = await this.table.all<ConfigurationEntity>(odata`PartitionKey eq ${this.partitionOf(tenantId)}`);
    const guards = new Map<string, string>();
    const rows: ConfigurationRow[] = [];
    for (const e of entities) {
      if (e.rowKey.startsWith(GUARD_PREFIX)) guards.set(e.kind, e.etag);
      else rows.push(rowOf(e));
    }
    return { rows, guards };
  }

  #missingDefaults(tenantId: string, rows: readonly ConfigurationRow[]): NewConfigurationRow[] {
    const have = new Set(rows.map((r) => r.id));
    return this.defaultsOf(tenantId).filter((d) => !have.has(d.id));
  }

  /** Inserts the tenant's defaults that are missing, in one transaction; instances racing to do it all succeed. */
  async #storeDefaults(tenantId: string): Promise<void> {
    const pk = this.partitionOf(tenantId);
    let missing = this.defaultsOf(tenantId);
    for (let attempt = 0; missing.length > 0 && attempt < 5; attempt++) {
      try {
        await this.table.transaction(missing.map((d): TableAction => ['create', entityOf(pk, d)]));
        return;
      } catch (err) {
        if (!isLostRace(err)) throw err;
        // Some are there already (another instance got there first): insert the rest.
        const { rows } = await this.#read(tenantId);
        missing = this.#missingDefaults(tenantId, rows);
      }
    }
  }
}

function entityOf(partitionKey: string, row: NewConfigurationRow): ConfigurationEntity {
  const data = JSON.stringify(row.data);
  if (data.length > MAX_CONFIGURATION_DATA_LENGTH) throw new ConfigurationTooLarge(row.id, data.length);
  return { partitionKey, rowKey: row.id, kind: row.kind, data };
}

function rowOf(e: ConfigurationEntity & { etag: string }): ConfigurationRow {
  return { id: e.rowKey, kind: e.kind, data: JSON.parse(e.data) as Record<string, unknown>, etag: e.etag };
}
