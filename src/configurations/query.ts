import { createHash } from 'node:crypto';
import type { GraphVersion } from '../graph/model';
import { badRequest, unknownSegment } from '../graph/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, systemOptions } from '../graph/query';
import { representation, type StoredConfiguration } from './entity';
import { matches, parseFilter, type FilterNode } from './filter';
import { CONFIGURATION_BASE_TYPE } from './model';
import { configurationType, isOfType, localTypeName, propertiesOf, qualified } from './types';

/**
 * OData on the configurations collection (and $select/$expand on one configuration), parsed from the
 * request URL and evaluated against the tenant's configurations in memory. Option names are
 * case-insensitive and start with '$'; an option, property or function this resource does not support
 * is a 400 in the words src/graph/query.ts uses, never ignored. Paging is keyset-based: a $skiptoken
 * carries the sort key of the last item it returned, so a create or delete between two pages neither
 * repeats nor skips an item that stayed.
 */

export type OrderProperty = 'priority' | 'displayName';

export interface ConfigurationQuery {
  top: number;
  skipToken?: string;
  select?: string[];
  count: boolean;
  filter?: FilterNode;
  orderBy: { property: OrderProperty; descending: boolean }[];
  /** $expand=assignments: parsed here, expanded by the handler. */
  expandAssignments: boolean;
  /** A type-cast segment's type (local name): the collection narrowed to it. */
  castType?: string;
  /** What makes two requests page through the same sequence: the version, the cast, $filter and $orderby. */
  sequence: string;
}

export interface QueryScope {
  /** A collection takes every option; one configuration takes $select and $expand. */
  collection: boolean;
  /** The local type name from a type-cast segment (parseTypeCast), if the path had one. */
  castType?: string;
}

const COLLECTION_OPTIONS = ['$top', '$skiptoken', '$select', '$count', '$filter', '$orderby', '$expand'];
const ENTITY_OPTIONS = ['$select', '$expand'];
const ORDERABLE: readonly OrderProperty[] = ['priority', 'displayName'];

/**
 * A type-cast segment after the collection (`.../deviceEnrollmentConfigurations/microsoft.graph.x`): the
 * local type name, or Graph's 400 for a segment it cannot resolve.
 */
export function parseTypeCast(segment: string, version: GraphVersion): string {
  const type = configurationType(version, segment);
  if (!type || !/^microsoft\.graph\./.test(segment)) throw unknownSegment(segment);
  return type.name;
}

function parseTop(raw: string): number {
  const top = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(top >= 1 && top <= MAX_PAGE_SIZE)) {
    throw badRequest(`Invalid value '${raw}' for query option '$top': it must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return top;
}

function parseSelect(raw: string, version: GraphVersion, typeName: string): string[] {
  const type = configurationType(version, typeName)!;
  const names = new Set(propertiesOf(version, type).map((p) => p.name));
  const selected = raw.split(',').map((s) => s.trim());
  for (const name of selected) {
    if (name === '') throw badRequest("Invalid query option '$select': a property name is empty.");
    if (name !== 'id' && name !== '*' && !names.has(name)) {
      throw badRequest(`Could not find a property named '${name}' on type '${qualified(type.name)}'.`);
    }
  }
  return selected.includes('*') ? [...names] : [...new Set(selected)];
}

function parseOrderBy(raw: string): ConfigurationQuery['orderBy'] {
  return raw.split(',').map((clause) => {
    const m = /^\s*([A-Za-z]\w*)(?:\s+(asc|desc))?\s*$/i.exec(clause);
    if (!m || !(ORDERABLE as readonly string[]).includes(m[1]!)) {
      throw badRequest(
        `Invalid query option '$orderby': only ${ORDERABLE.join(' and ')}, each optionally followed by asc or desc, are supported.`,
      );
    }
    return { property: m[1] as OrderProperty, descending: (m[2] ?? 'asc').toLowerCase() === 'desc' };
  });
}

function parseExpand(raw: string): boolean {
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) {
    if (item.includes('(')) throw badRequest("Invalid query option '$expand': options inside $expand are not supported.");
    if (item !== 'assignments') throw badRequest(`Invalid query option '$expand': only 'assignments' can be expanded, not '${item}'.`);
  }
  return true;
}

export function parseConfigurationQuery(url: URL, version: GraphVersion, scope: QueryScope): ConfigurationQuery {
  const seen = systemOptions(url, scope.collection ? COLLECTION_OPTIONS : ENTITY_OPTIONS);
  const typeName = scope.castType ?? CONFIGURATION_BASE_TYPE;
  const query: ConfigurationQuery = {
    top: DEFAULT_PAGE_SIZE,
    count: false,
    orderBy: [],
    expandAssignments: false,
    castType: scope.castType,
    sequence: '',
  };
  const get = (name: string) => seen.get(name);
  if (get('$top') !== undefined) query.top = parseTop(get('$top')!);
  if (get('$skiptoken') !== undefined) query.skipToken = get('$skiptoken');
  if (get('$select') !== undefined) query.select = parseSelect(get('$select')!, version, typeName);
  const count = get('$count');
  if (count !== undefined) {
    if (!/^(true|false)$/i.test(count)) throw badRequest(`Invalid value '${count}' for query option '$count': it must be true or false.`);
    query.count = count.toLowerCase() === 'true';
  }
  if (get('$filter') !== undefined) query.filter = parseFilter(get('$filter')!, version);
  if (get('$orderby') !== undefined) query.orderBy = parseOrderBy(get('$orderby')!);
  if (get('$expand') !== undefined) query.expandAssignments = parseExpand(get('$expand')!);
  query.sequence = digest(JSON.stringify([version, query.castType ?? null, get('$filter') ?? null, orderSignature(query)]));
  return query;
}

// ---- evaluation ----

type SortKey = (string | number | null)[];

function sortKey(c: StoredConfiguration, query: ConfigurationQuery): SortKey {
  return [...query.orderBy.map((o) => (c[o.property] ?? null) as string | number | null), c.id];
}

/** OData's order: null before any value; strings by code unit, so every instance agrees. */
function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function compareKeys(a: SortKey, b: SortKey, query: ConfigurationQuery): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return query.orderBy[i]?.descending ? -c : c;
  }
  return 0;
}

/** The order a query sorts by, as part of what a token was made for. */
const orderSignature = (query: ConfigurationQuery) => query.orderBy.map((o) => `${o.property} ${o.descending ? 'desc' : 'asc'}`).join(',');

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 22);

/**
 * The `$skiptoken` of the page after `c`: the sort key of the last item returned (the position), the
 * digest of the query it pages through, and a checksum of both, so a token edited by hand, or sent with
 * another $filter, $orderby or cast, is refused rather than misread.
 */
export function skipTokenFor(c: StoredConfiguration, query: ConfigurationQuery): string {
  const payload = Buffer.from(JSON.stringify({ q: query.sequence, k: sortKey(c, query) })).toString('base64url');
  return `${payload}.${digest(payload)}`;
}

const INVALID_TOKEN = "Invalid value for query option '$skiptoken': it is not a token this collection issued for this query.";

function readSkipToken(token: string, query: ConfigurationQuery): SortKey {
  const [payload, checksum, ...rest] = token.split('.');
  if (payload === undefined || checksum === undefined || rest.length > 0 || digest(payload) !== checksum) throw badRequest(INVALID_TOKEN);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw badRequest(INVALID_TOKEN);
  }
  const p = parsed as { q?: unknown; k?: unknown };
  const valid =
    p !== null &&
    typeof p === 'object' &&
    p.q === query.sequence &&
    Array.isArray(p.k) &&
    p.k.length === query.orderBy.length + 1 &&
    p.k.every((v) => v === null || typeof v === 'string' || typeof v === 'number');
  if (!valid) throw badRequest(INVALID_TOKEN);
  return p.k as SortKey;
}

export interface QueryResult {
  /** The page, in order, as stored: the handler shapes each with representation() and applySelect(). */
  value: StoredConfiguration[];
  /** With $count=true: how many match, over every page. */
  count?: number;
  /** Set when more items follow: the $skiptoken of the next page (graph/query.ts nextLink builds the URL). */
  nextSkipToken?: string;
}

/** Filters, orders and pages a tenant's configurations; those the version cannot show are left out. */
export function runQuery(configurations: readonly StoredConfiguration[], query: ConfigurationQuery, version: GraphVersion): QueryResult {
  const visible = configurations.filter(
    (c) =>
      representation(c, version) !== undefined &&
      (!query.castType || isOfType(version, localTypeName(c['@odata.type']), query.castType)) &&
      (!query.filter || matches(query.filter, c, version)),
  );
  const sorted = [...visible].sort((a, b) => compareKeys(sortKey(a, query), sortKey(b, query), query));
  const after = query.skipToken === undefined ? undefined : readSkipToken(query.skipToken, query);
  const remaining = after ? sorted.filter((c) => compareKeys(sortKey(c, query), after, query) > 0) : sorted;
  const value = remaining.slice(0, query.top);
  const result: QueryResult = { value };
  if (query.count) result.count = visible.length;
  if (remaining.length > value.length) result.nextSkipToken = skipTokenFor(value[value.length - 1]!, query);
  return result;
}
