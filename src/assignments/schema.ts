// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { badRequest, type GraphError } from '../graph/errors';

import { allProperties, findEnum, findType, NAMESPACE, type GraphVersion, type PropertyModel, type VersionModel } from '../graph/model';
import { assignmentProperties, modelOf, targetTypesOf, TARGET_BASE_TYPE } from './model';

/**
 * The enrollmentConfigurationAssignment resource as zod schemas, derived per Graph version from the
 * model (model.ts). These are the only definition of what a valid body is: the handlers parse with
 * them and the OpenAPI document is generated from them.
 */

export const ASSIGNMENT_TYPE = 'microsoft.graph.enrollmentConfigurationAssignment';

/** Ids and free-text values are keys and properties in Table Storage; this bound keeps every entity far below its limits. */
export const MAX_STRING_LENGTH = 1024;

const text = z.string().max(MAX_STRING_LENGTH);

/** Graph accepts a type name with or without the leading '#', and answers with it. */
const odataType = (name: string) => z.literal([`#${NAMESPACE}.${name}`, `${NAMESPACE}.${name}`]);

function enumMembers(model: VersionModel, type: string): [string, ...string[]] {
  return findEnum(model, type)!.members.map((m) => m.name) as [string, ...string[]];
}

export const ASSIGNMENT_SOURCES = enumMembers(modelOf('beta'), 'deviceAndAppManagementAssignmentSource') as unknown as readonly [
  'direct',
  'policySets',
];
export const FILTER_TYPES = enumMembers(modelOf('beta'), 'deviceAndAppManagementAssignmentFilterType') as unknown as readonly [
  'none',
  'include',
  'exclude',
];

/** A property's value as a body may send it: its type, and null where the CSDL allows it. */
function inputValue(model: VersionModel, p: PropertyModel, target: z.ZodType): z.ZodType {
  let schema: z.ZodType;
  if (p.type === 'Edm.String') schema = text;
  else if (p.type === `graph.${TARGET_BASE_TYPE}`) schema = target;
  else if (findEnum(model, p.type)) schema = z.enum(enumMembers(model, p.type));
  else throw new Error(`model: no input schema for ${p.type}`);
  return p.nullable ? schema.nullable() : schema;
}

function inputShape(model: VersionModel, properties: PropertyModel[], target: z.ZodType, mode: 'create' | 'update') {
  return Object.fromEntries(
    properties.map((p) => {
      const value = inputValue(model, p, target);
      return [p.name, mode === 'create' && p.requiredOnCreate ? value : value.optional()];
    }),
  );
}

/** Annotations a client may echo back from something it read; accepted and ignored, as Graph does. */
const readOnlyAnnotations = {
  '@odata.context': z.string().optional(),
  '@odata.etag': z.string().optional(),
  '@odata.id': z.string().optional(),
};

/** The most assignments one assign action may carry; far above what Intune configurations hold. */
export const MAX_ASSIGN_ITEMS = 1000;

function buildSchemas(model: VersionModel) {
  const targets = targetTypesOf(model);
  const variants = targets.map((t) =>
    z.strictObject({ '@odata.type': odataType(t.name), ...inputShape(model, allProperties(model, t), z.never(), 'create') }),
  );
  const target = z.discriminatedUnion('@odata.type', variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]]);
  const properties = assignmentProperties(model);

  const create = z.strictObject({
    ...readOnlyAnnotations,
    '@odata.type': odataType('enrollmentConfigurationAssignment').optional(),
    /** Ignored: the server always assigns the id. */
    id: text.nullish(),
    ...inputShape(model, properties, target, 'create'),
  });
  /** PATCH: the same rules, every property optional; id and @odata.type may be sent but not changed. */
  const update = z.strictObject({
    ...readOnlyAnnotations,
    '@odata.type': odataType('enrollmentConfigurationAssignment').optional(),
    id: text.optional(),
    ...inputShape(model, properties, target, 'update'),
  });
  const assign = z.strictObject({ enrollmentConfigurationAssignments: z.array(create).max(MAX_ASSIGN_ITEMS) });

  // What the API answers: for the OpenAPI document, and checked against real responses in tests.
  const outputValue = (p: PropertyModel): z.ZodType => {
    const base = p.type === 'Edm.String' ? z.string() : z.enum(enumMembers(model, p.type));
    return p.nullable ? base.nullable() : base;
  };
  const targetProperties = new Map<string, PropertyModel>();
  for (const t of model.complexTypes) for (const p of allProperties(model, t)) targetProperties.set(p.name, p);
  const baseNames = new Set(allProperties(model, findType(model, TARGET_BASE_TYPE)!).map((p) => p.name));
  const targetResource = z.strictObject({
    // Abstract types too: beta accepts its abstract base, and v1.0 reads what beta wrote.
    '@odata.type': z.enum(model.complexTypes.map((t) => `#${NAMESPACE}.${t.name}`) as [string, ...string[]]),
    ...Object.fromEntries(
      [...targetProperties.values()].map((p) => [p.name, baseNames.has(p.name) ? outputValue(p) : outputValue(p).optional()]),
    ),
  });
  const resource = z.strictObject({
    '@odata.context': z.string().optional(),
    '@odata.type': z.literal(`#${ASSIGNMENT_TYPE}`),
    '@odata.etag': z.string(),
    id: z.string(),
    ...Object.fromEntries(properties.map((p) => [p.name, p.name === 'target' ? targetResource.nullable() : outputValue(p)])),
  });
  const optionalInList = Object.fromEntries(['@odata.type', '@odata.etag', ...properties.map((p) => p.name)].map((k) => [k, true]));
  const collection = z.strictObject({
    '@odata.context': z.string(),
    '@odata.count': z.number().int().optional(),
    '@odata.nextLink': z.url().optional(),
    value: z.array(resource.partial(optionalInList as never)),
  });
  return {
    model,
    targetTypeNames: targets.map((t) => `${NAMESPACE}.${t.name}`),
    target,
    create,
    update,
    assign,
    targetResource,
    resource,
    collection,
  };
}

export type VersionSchemas = ReturnType<typeof buildSchemas>;

const SCHEMAS: Record<GraphVersion, VersionSchemas> = { beta: buildSchemas(modelOf('beta')), 'v1.0': buildSchemas(modelOf('v1.0')) };

export function schemasFor(version: GraphVersion): VersionSchemas {
  return SCHEMAS[version];
}

// Beta's, under the names the rest of the app has always used.
export const targetSchema = SCHEMAS.beta.target;
export const createAssignmentSchema = SCHEMAS.beta.create;
export const updateAssignmentSchema = SCHEMAS.beta.update;
export const assignActionSchema = SCHEMAS.beta.assign;

export interface TargetInput {
  '@odata.type': string;
  deviceAndAppManagementAssignmentFilterId?: string | null;
  deviceAndAppManagementAssignmentFilterType?: (typeof FILTER_TYPES)[number];
  groupId?: string | null;
  collectionId?: string | null;
}
export interface CreateAssignmentInput {
  target: TargetInput | null;
  source?: (typeof ASSIGNMENT_SOURCES)[number];
  sourceId?: string | null;
}
export interface UpdateAssignmentInput {
  id?: string;
  target?: TargetInput | null;
  source?: (typeof ASSIGNMENT_SOURCES)[number];
  sourceId?: string | null;
}

/**
 * A target as stored: beta's shape (the superset), type with '#', the filter fields always present.
 * A v1.0 write stores the filter defaults; a v1.0 read leaves them out (targetView).
 */
export interface AssignmentTarget {
  '@odata.type': string;
  deviceAndAppManagementAssignmentFilterId: string | null;
  deviceAndAppManagementAssignmentFilterType: (typeof FILTER_TYPES)[number];
  groupId?: string | null;
  collectionId?: string | null;
}

export interface AssignmentFields {
  target: AssignmentTarget | null;
  source: (typeof ASSIGNMENT_SOURCES)[number];
  sourceId: string | null;
}

export function withHash(type: string): string {
  return type.startsWith('#') ? type : `#${type}`;
}

export function normaliseTarget(input: TargetInput | null): AssignmentTarget | null {
  if (input === null) return null;
  const { '@odata.type': type, deviceAndAppManagementAssignmentFilterId, deviceAndAppManagementAssignmentFilterType, ...own } = input;
  return {
    '@odata.type': withHash(type),
    deviceAndAppManagementAssignmentFilterId: deviceAndAppManagementAssignmentFilterId ?? null,
    deviceAndAppManagementAssignmentFilterType: deviceAndAppManagementAssignmentFilterType ?? 'none',
    ...own,
  };
}

/** A stored target as a version shows it: only the properties its type has in that version. */
export function targetView(model: VersionModel, target: AssignmentTarget | null): Record<string, unknown> | null {
  if (target === null) return null;
  const type = findType(model, target['@odata.type'].replace(/^#?microsoft\.graph\./, ''));
  const names = new Set((type ? allProperties(model, type) : []).map((p) => p.name));
  return Object.fromEntries(Object.entries(target).filter(([k]) => k === '@odata.type' || names.has(k)));
}

// ---- zod issues in Graph's words ----

type Issue = z.core.$ZodIssue;

function odataPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('/');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** The OData type of the object at `path`, for "does not exist on type" messages. */
function typeNameAt(input: unknown, path: readonly PropertyKey[]): string {
  const declared = valueAt(input, [...path, '@odata.type']);
  if (typeof declared === 'string') return declared.replace(/^#/, '');
  const last = path[path.length - 1];
  if (path.length === 0 || typeof last === 'number' || last === 'enrollmentConfigurationAssignments') return ASSIGNMENT_TYPE;
  return 'microsoft.graph.deviceAndAppManagementAssignmentTarget';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `'${value.length > 100 ? `${value.slice(0, 100)}...` : value}'`;
  // What JSON leaves: a number or a boolean (undefined for a property that is not there).
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : 'a value';
}

function issueMessage(issue: Issue, input: unknown, operation: string | undefined, targetTypes: readonly string[]): string {
  const path = odataPath(issue.path);
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      if (operation && issue.path.length === 0) {
        return `The parameter '${key}' in the request payload is not a valid parameter for the operation '${operation}'.`;
      }
      return `The property '${key}' does not exist on type '${typeNameAt(input, issue.path)}'. Make sure to only use property names that are defined by the type.`;
    }
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator) {
        const known = targetTypes;
        if (value === undefined) {
          return `The property '${path}' is required. It must be one of: ${known.join(', ')}.`;
        }
        return `A type named ${describe(value)} could not be resolved by the model for property '${path}'. It must be one of: ${known.join(', ')}.`;
      }
      return `Invalid value ${describe(value)} for property '${path}'.`;
    }
    case 'invalid_type':
      if (value === undefined) return `The property '${path}' is required.`;
      if (value === null) return `The property '${path}' cannot be null.`;
      return `Invalid value ${describe(value)} for property '${path}': expected ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}.`;
    case 'invalid_value':
      if (value === null) return `The property '${path}' cannot be null.`;
      return `Invalid value ${describe(value)} for property '${path}'. It must be one of: ${issue.values.map((v) => `'${String(v)}'`).join(', ')}.`;
    case 'too_big':
      if (issue.origin === 'array') return `The property '${path}' holds more than the maximum of ${String(issue.maximum)} items.`;
      return `The value of property '${path}' is longer than the maximum of ${String(issue.maximum)} characters.`;
    default:
      return `Invalid value ${describe(value)} for property '${path}': ${issue.message}.`;
  }
}

/** A 400 naming the first problem, as Graph reports one at a time. */
export function validationError(
  error: z.ZodError,
  input: unknown,
  operation?: string,
  targetTypes: readonly string[] = SCHEMAS.beta.targetTypeNames,
): GraphError {
  // An unknown property explains the rest (a misspelt required one, say), so it is named first.
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  return badRequest(issue ? issueMessage(issue, input, operation, targetTypes) : 'The request body is not valid.');
}

/** Parses a body with a schema; `operation` names an action whose parameters the body holds. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, operation?: string, targetTypes?: readonly string[]): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, input, operation, targetTypes);
  return result.data;
}

// ---- what the API answers (beta's), for the OpenAPI document and the tests ----

export const assignmentTargetResource = SCHEMAS.beta.targetResource;
export const assignmentResource = SCHEMAS.beta.resource;
export const assignmentCollectionResource = SCHEMAS.beta.collection;
