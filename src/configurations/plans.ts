import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { badRequest, GraphError, notFound } from '../graph/errors';
import type { GraphVersion } from '../graph/model';
import { NotStored, type ConfigurationPlan, type ConfigurationRow, type NewConfigurationRow } from '../store';
import { defaultConfigurations, isDefaultConfiguration } from './defaults';
import { changed, createConfiguration, factsOf, representation, type StoredConfiguration } from './entity';
import { afterDelete, nextPriority, priorityKind, setPriority, type PriorityChange, type PriorityItem } from './priority';
import type { ParsedBody } from './schema';

/**
 * How the resource's operations change what the store keeps, as pure plans over a tenant's rows: the
 * store reads the rows, the plan says what to insert, update and delete and which priority order that
 * moves, and the store writes it in one transaction (planned again if another instance wrote first).
 */

/** A stored row as the configuration it holds. */
export const configurationOf = (row: Pick<ConfigurationRow, 'data'>): StoredConfiguration => row.data as StoredConfiguration;

/** A configuration as the store keeps it: its id, the priority order it competes in, and its JSON. */
export function rowOf(configuration: StoredConfiguration): NewConfigurationRow {
  return { id: configuration.id, kind: priorityKind(configuration), data: configuration };
}

/** The tenant's defaults as rows: what the store inserts, once, on the tenant's first request. */
export function defaultRows(tenantId: string): NewConfigurationRow[] {
  return defaultConfigurations(tenantId, new Date()).map(rowOf);
}

export function priorityItems(tenantId: string, rows: readonly ConfigurationRow[]): PriorityItem[] {
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    priority: configurationOf(r).priority,
    isDefault: isDefaultConfiguration(tenantId, r.id),
  }));
}

/**
 * Intune's admin center allows 25 restrictions of a type; the mock holds every priority order to it, as
 * one order's renumbering is one storage transaction (at most 100 operations and 4 MiB).
 */
export const MAX_PER_ORDER = 25;

/** A configuration that is not there, in Graph's words (also for a v1.0 read of a type only beta has). */
export const missingConfiguration = (id: string): GraphError => notFound(`No deviceEnrollmentConfiguration with id '${id}' exists.`);

/** The row of `id` as `version` can show it, or Graph's 404. */
export function visibleRow(rows: readonly ConfigurationRow[], id: string, version: GraphVersion): ConfigurationRow {
  const row = rows.find((r) => r.id === id);
  if (!row || representation(configurationOf(row), version) === undefined) throw missingConfiguration(id);
  return row;
}

/** How long a create's client-request-id makes a retry answer what the first attempt stored (as for assignments). */
export const CREATE_RETENTION_MS = 24 * 60 * 60_000;

/** What a configuration keeps of the create that made it, so a retry of that create is recognised. */
interface CreateRecord {
  fingerprint: string;
  until: number;
}
const CREATE_RECORD = '~create';

/** Names every configuration id derived from a client-request-id (an RFC 4122 name-based GUID). */
const CREATE_NAMESPACE = '0b8f3d7c-2f61-4b8e-9a57-52c3c8d5e6a1';

export interface CreateRequest {
  tenantId: string;
  version: GraphVersion;
  parsed: ParsedBody;
  /** SDKs send one per request and keep it across retries. */
  clientRequestId: string | undefined;
  now: Date;
}

export interface Created {
  configuration: StoredConfiguration;
  /** The ETag of a configuration a retry found stored (a new one's comes from the write). */
  etag?: string;
}

export const createConflict = (): GraphError =>
  new GraphError(
    409,
    'Conflict',
    "A create with this 'client-request-id' was already made with a different body. Use a new 'client-request-id' for a different request.",
  );

/**
 * A create: placed last among its kind. With a client-request-id the id follows from it, so of two
 * attempts of one request (a retry after a lost answer) the second finds the first's row and answers it,
 * or 409 when its body differs; without one, or once the record has expired, the id is random.
 */
export function planCreate(request: CreateRequest, rows: readonly ConfigurationRow[]): ConfigurationPlan<Created> {
  const { parsed, clientRequestId, now } = request;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([request.version, parsed.typeName, parsed.values]))
    .digest('base64');
  let id: string | undefined;
  if (clientRequestId !== undefined) {
    const guid = uuidv5(`${request.tenantId}\n${clientRequestId}`, CREATE_NAMESPACE);
    id = `${guid}_${factsOf(parsed.typeName).idSuffix}`;
    const existing = rows.find((r) => r.id === id);
    const record = existing?.data[CREATE_RECORD] as CreateRecord | undefined;
    if (existing && record && record.until > now.getTime()) {
      if (record.fingerprint !== fingerprint) throw createConflict();
      return { result: { configuration: configurationOf(existing), etag: existing.etag } };
    }
    if (existing) id = undefined;
  }
  const draft = createConfiguration(parsed, { id, now, priority: 0 });
  const kind = priorityKind(draft);
  const items = priorityItems(request.tenantId, rows);
  if (items.filter((i) => i.kind === kind && !i.isDefault).length >= MAX_PER_ORDER) {
    throw badRequest(
      `The tenant already has ${MAX_PER_ORDER} configurations of this kind ('${kind}'), the most Intune allows; delete one before creating another.`,
    );
  }
  const configuration: StoredConfiguration = { ...draft, priority: nextPriority(items, kind) };
  const record: CreateRecord | undefined =
    clientRequestId === undefined ? undefined : { fingerprint, until: now.getTime() + CREATE_RETENTION_MS };
  const kept = record ? { ...configuration, [CREATE_RECORD]: record } : configuration;
  return { insert: [{ id: configuration.id, kind, data: kept }], orders: [kind], result: { configuration } };
}

/** The rows a list of priority changes rewrites, each with its new priority (and `touched` moved as a change of its own). */
function updates(
  rows: readonly ConfigurationRow[],
  changes: readonly PriorityChange[],
  touched?: (c: StoredConfiguration) => StoredConfiguration,
) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return changes.map((change) => {
    const current = configurationOf(byId.get(change.id)!);
    const moved = { ...current, priority: change.priority };
    return { id: change.id, data: touched ? touched(moved) : moved };
  });
}

/**
 * setPriority(n): the configuration moves to place n of its order, the others close up, all in one
 * transaction. The configuration acted on changes (version +1, lastModifiedDateTime); the others only
 * move (decided: they were not acted on).
 */
export function planSetPriority(
  target: { tenantId: string; id: string; version: GraphVersion },
  rows: readonly ConfigurationRow[],
  priority: number,
  now: Date,
): ConfigurationPlan<void> {
  const { tenantId, id } = target;
  const row = visibleRow(rows, id, target.version);
  const changes = setPriority(priorityItems(tenantId, rows), id, priority);
  const data = updates(rows, changes, (c) => (c.id === id ? { ...c, ...changed(c, now) } : c));
  return { update: data, orders: [row.kind], result: undefined };
}

/** A delete: the row goes and the ones after it in its order move up, in one transaction. */
export function planDelete(tenantId: string, rows: readonly ConfigurationRow[], id: string): ConfigurationPlan<void> {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new NotStored(`No configuration '${id}'.`);
  return { delete: [id], update: updates(rows, afterDelete(priorityItems(tenantId, rows), id)), orders: [row.kind], result: undefined };
}
