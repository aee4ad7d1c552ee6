// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import type * as z from 'zod';
import type { GraphVersion } from '../graph/model';
import { badRequest, type GraphError } from '../graph/errors';
import type { ConfigurationPropertyModel } from './model';
import { complexType, configurationType, enumType, propertiesOf, qualified } from './types';

/**
 * zod's issues in Graph's words, for configuration bodies. The assignments resource has its own
 * translation (src/assignments/schema.ts); this one knows numbers with ranges, GUIDs, flags enums and
 * nested complex values, and finds the type at a path from the model rather than by guessing.
 * OData's own phrasing is kept where it has one ("Cannot convert the literal ... to the expected type").
 */

type Issue = z.core.$ZodIssue;

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `'${value.length > 100 ? `${value.slice(0, 100)}...` : value}'`;
  // What JSON leaves: a number or a boolean (undefined for a property that is not there).
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : 'a value';
}

interface Located {
  /** The structured type that declares the property at the end of the path (qualified name). */
  owner: string;
  property?: ConfigurationPropertyModel;
  /** Whether the path ends inside a collection (an item rather than the property). */
  item: boolean;
}

/** Walks the model along a body path: which type owns the last property, and what that property is. */
function locate(version: GraphVersion, rootType: string, path: readonly PropertyKey[]): Located {
  let owner = configurationType(version, rootType) ?? complexType(version, rootType);
  let located: Located = { owner: qualified(owner?.name ?? rootType), item: false };
  for (const key of path) {
    if (typeof key === 'number') {
      located = { ...located, item: true };
      continue;
    }
    const property = owner ? propertiesOf(version, owner).find((p) => p.name === key) : undefined;
    located = { owner: qualified(owner?.name ?? rootType), property, item: false };
    owner = property ? complexType(version, property.type) : undefined;
  }
  return located;
}

function edmName(p: ConfigurationPropertyModel | undefined, item: boolean): string {
  if (!p) return 'the declared type';
  const element = /^Collection\((.*)\)$/.exec(p.type)?.[1];
  const type = item && element ? element : p.type;
  return type.replace(/^graph\./, 'microsoft.graph.');
}

function rangeText(p: ConfigurationPropertyModel | undefined): string {
  const min = p?.minimum ?? INT32_MIN;
  const max = p?.maximum ?? INT32_MAX;
  return `from ${min} to ${max}`;
}

function issueMessage(version: GraphVersion, rootType: string, issue: Issue, input: unknown, operation?: string): string {
  const path = issue.path.map(String).join('/');
  const value = valueAt(input, issue.path);
  const here = locate(version, rootType, issue.path);
  // An action's body holds parameters, not properties; Graph names them so.
  const noun = operation ? 'parameter' : 'property';
  if (value === undefined && issue.code !== 'unrecognized_keys' && issue.path.length > 0) {
    return operation ? `The parameter '${path}' is required for the operation '${operation}'.` : `The property '${path}' is required.`;
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      if (operation && issue.path.length === 0) {
        return `The parameter '${key}' in the request payload is not a valid parameter for the operation '${operation}'.`;
      }
      const owner = issue.path.length === 0 ? qualified(rootType) : locate(version, rootType, issue.path).property?.type;
      const ownerName = owner ? owner.replace(/^graph\./, 'microsoft.graph.') : here.owner;
      return `The property '${key}' does not exist on type '${ownerName}'. Make sure to only use property names that are defined by the type.`;
    }
    case 'invalid_type':
      if (value === undefined)
        return operation ? `The parameter '${path}' is required for the operation '${operation}'.` : `The property '${path}' is required.`;
      if (value === null) return `The ${noun} '${path}' cannot be null.`;
      if (here.property && complexType(version, here.property.type) && !here.item) {
        return `Invalid value ${describe(value)} for property '${path}': expected an object of type '${edmName(here.property, false)}'.`;
      }
      if (here.property?.type.startsWith('Collection(') && !here.item) {
        return `Invalid value ${describe(value)} for property '${path}': expected a collection of '${edmName(here.property, true)}'.`;
      }
      return `Cannot convert the literal ${describe(value)} to the expected type '${edmName(here.property, here.item)}' of ${noun} '${path}'.`;
    case 'invalid_value': {
      if (value === null) return `The ${noun} '${path}' cannot be null.`;
      const enumName = here.property ? edmName(here.property, here.item) : 'the enum';
      const allowed = issue.values.map((v) => `'${String(v)}'`).join(', ');
      return `The value ${describe(value)} is not a valid member of '${enumName}' for property '${path}'. It must be one of: ${allowed}.`;
    }
    case 'invalid_format':
      return `Cannot convert the literal ${describe(value)} to the expected type '${edmName(here.property, here.item)}' of ${noun} '${path}'.`;
    case 'too_big':
      if (issue.origin === 'array') return `The property '${path}' holds more than the maximum of ${String(issue.maximum)} items.`;
      if (issue.origin === 'string')
        return `The value of property '${path}' is longer than the maximum of ${String(issue.maximum)} characters.`;
      return `The value ${describe(value)} of ${noun} '${path}' is out of range: it must be ${rangeText(here.property)}.`;
    case 'too_small':
      return `The value ${describe(value)} of ${noun} '${path}' is out of range: it must be ${rangeText(here.property)}.`;
    case 'custom':
      return issue.message;
    default:
      return `Invalid value ${describe(value)} for property '${path}': ${issue.message}.`;
  }
}

/** A 400 naming the first problem, as Graph reports one at a time; an unknown property explains the rest, so it comes first. */
export function bodyError(version: GraphVersion, rootType: string, error: z.ZodError, input: unknown, operation?: string): GraphError {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  return badRequest(issue ? issueMessage(version, rootType, issue, input, operation) : 'The request body is not valid.');
}

/** The members of a flags value ("a,b"), or the first member that is not one, for messages. */
export function flagMembers(version: GraphVersion, enumName: string, value: string): { ok: true } | { ok: false; bad: string } {
  const names = new Set(enumType(version, enumName)?.members.map((m) => m.name));
  for (const part of value.split(',').map((s) => s.trim())) if (!names.has(part)) return { ok: false, bad: part };
  return { ok: true };
}
