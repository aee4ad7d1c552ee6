import { badRequest } from './errors';

/**
 * OData system query options as Graph reads them on a collection: names are case-insensitive and
 * start with '$'; an option this resource does not support is a 400, not silently ignored.
 */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

export interface CollectionQuery {
  top: number;
  skipToken?: string;
  select?: string[];
  count: boolean;
  /** property → value, from `prop eq 'value'` clauses joined by `and`. */
  filter: Record<string, string>;
}

export interface QueryRules {
  /** Properties $select may name (besides id, which is always returned). */
  selectable: readonly string[];
  /** Properties $filter may compare with eq. */
  filterable: readonly string[];
  /** Whether this is a collection (all options) or a single entity ($select only). */
  collection: boolean;
}

const COLLECTION_OPTIONS = ['$top', '$skiptoken', '$select', '$count', '$filter'];
const ENTITY_OPTIONS = ['$select'];

function parseTop(raw: string): number {
  if (!/^\d+$/.test(raw.trim()))
    throw badRequest(`Invalid value '${raw}' for query option '$top': it must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  const top = Number(raw.trim());
  if (top < 1 || top > MAX_PAGE_SIZE) {
    throw badRequest(`Invalid value '${raw}' for query option '$top': it must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return top;
}

function parseSelect(raw: string, selectable: readonly string[], typeName: string): string[] {
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (name === '') throw badRequest("Invalid query option '$select': a property name is empty.");
    if (name !== 'id' && !selectable.includes(name)) {
      throw badRequest(`Could not find a property named '${name}' on type '${typeName}'.`);
    }
  }
  return [...new Set(names)];
}

const UNSUPPORTED_FILTER = (filterable: readonly string[]) =>
  `Invalid filter clause: only 'eq' comparisons with a string literal on ${filterable.join(', ')}, joined by 'and', are supported.`;

/** `a eq 'x' and b/c eq 'it''s'`: the whole grammar this resource supports. */
export function parseFilter(raw: string, filterable: readonly string[]): Record<string, string> {
  const clause = /^\s*([A-Za-z][\w/]*)\s+eq\s+'((?:[^']|'')*)'\s*/;
  const filter: Record<string, string> = {};
  let rest = raw;
  for (;;) {
    const m = clause.exec(rest);
    if (!m) throw badRequest(UNSUPPORTED_FILTER(filterable));
    const [whole, property, literal] = m as unknown as [string, string, string];
    if (!filterable.includes(property)) throw badRequest(UNSUPPORTED_FILTER(filterable));
    if (property in filter) throw badRequest(`Invalid filter clause: '${property}' is compared more than once.`);
    filter[property] = literal.replace(/''/g, "'");
    rest = rest.slice(whole.length);
    if (rest.trim() === '') return filter;
    const and = /^and\s+/i.exec(rest);
    if (!and) throw badRequest(UNSUPPORTED_FILTER(filterable));
    rest = rest.slice(and[0].length);
  }
}

/**
 * The OData system options of a URL, by lower-case name: one the operation does not take, or one given
 * twice, is a 400. Graph ignores query parameters that are not system options.
 */
export function systemOptions(url: URL, allowed: readonly string[]): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [rawName, value] of url.searchParams) {
    const name = rawName.toLowerCase();
    if (!name.startsWith('$')) continue;
    if (!allowed.includes(name)) throw badRequest(`The query parameter '${rawName}' is not supported.`);
    if (seen.has(name)) throw badRequest(`The query parameter '${rawName}' is specified more than once.`);
    seen.set(name, value);
  }
  return seen;
}

export function parseQuery(url: URL, rules: QueryRules, typeName: string): CollectionQuery {
  const seen = systemOptions(url, rules.collection ? COLLECTION_OPTIONS : ENTITY_OPTIONS);
  const query: CollectionQuery = { top: DEFAULT_PAGE_SIZE, count: false, filter: {} };
  const top = seen.get('$top');
  if (top !== undefined) query.top = parseTop(top);
  const skipToken = seen.get('$skiptoken');
  if (skipToken !== undefined) query.skipToken = skipToken;
  const select = seen.get('$select');
  if (select !== undefined) query.select = parseSelect(select, rules.selectable, typeName);
  const count = seen.get('$count');
  if (count !== undefined) {
    if (!/^(true|false)$/i.test(count)) throw badRequest(`Invalid value '${count}' for query option '$count': it must be true or false.`);
    query.count = count.toLowerCase() === 'true';
  }
  const filter = seen.get('$filter');
  if (filter !== undefined) query.filter = parseFilter(filter, rules.filterable);
  return query;
}

/** Keeps `id` and the selected properties, and the annotations, of a representation. */
export function applySelect(entity: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return entity;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) {
    if (key.startsWith('@') || key === 'id' || select.includes(key)) out[key] = value;
  }
  return out;
}

/**
 * The same request URL with $skiptoken set. The other options are kept byte for byte as the client sent
 * them: re-encoding through URLSearchParams would turn `$top` into `%24top`, and a client that adds
 * `$top` to the link again would then send it twice.
 */
export function nextLink(url: URL, skipToken: string): string {
  const kept = url.search
    .replace(/^\?/, '')
    .split('&')
    .filter((pair) => pair !== '' && decodeURIComponent(pair.split('=')[0]!.replace(/\+/g, ' ')).toLowerCase() !== '$skiptoken');
  kept.push(`$skiptoken=${encodeURIComponent(skipToken)}`);
  return `${url.origin}${url.pathname}?${kept.join('&')}`;
}
