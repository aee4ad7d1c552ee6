// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { badRequest, type GraphError } from '../graph/errors';

/**
 * The enrollmentConfigurationAssignment resource as Graph beta defines it, as zod schemas. These are
 * the only definition of what a valid body is: the handlers parse with them and the OpenAPI document
 * is generated from them.
 */

export const ASSIGNMENT_TYPE = 'microsoft.graph.enrollmentConfigurationAssignment';

/** Ids and free-text values are keys and properties in Table Storage; this bound keeps every entity far below its limits. */
export const MAX_STRING_LENGTH = 1024;

const text = z.string().max(MAX_STRING_LENGTH);

/** Graph accepts a type name with or without the leading '#', and answers with it. */
const odataType = (name: string) => z.literal([`#microsoft.graph.${name}`, `microsoft.graph.${name}`]);

export const ASSIGNMENT_SOURCES = ['direct', 'policySets'] as const;
export const FILTER_TYPES = ['none', 'include', 'exclude'] as const;

const filterFields = {
  deviceAndAppManagementAssignmentFilterId: text.nullish(),
  deviceAndAppManagementAssignmentFilterType: z.enum(FILTER_TYPES).nullish(),
};

/** Each target type with its own properties; every one also carries the assignment filter fields. */
export const TARGET_TYPES = {
  deviceAndAppManagementAssignmentTarget: {},
  allDevicesAssignmentTarget: {},
  allLicensedUsersAssignmentTarget: {},
  groupAssignmentTarget: { groupId: text },
  exclusionGroupAssignmentTarget: { groupId: text },
  configurationManagerCollectionAssignmentTarget: { collectionId: text },
} as const;

export type TargetTypeName = keyof typeof TARGET_TYPES;

const targetVariants = Object.entries(TARGET_TYPES).map(([name, own]) =>
  z.strictObject({ '@odata.type': odataType(name), ...filterFields, ...own }),
);

export const targetSchema = z.discriminatedUnion(
  '@odata.type',
  targetVariants as unknown as [(typeof targetVariants)[number], ...(typeof targetVariants)[number][]],
);

/** Annotations a client may echo back from something it read; accepted and ignored, as Graph does. */
const readOnlyAnnotations = {
  '@odata.context': z.string().optional(),
  '@odata.etag': z.string().optional(),
  '@odata.id': z.string().optional(),
};

export const createAssignmentSchema = z.strictObject({
  ...readOnlyAnnotations,
  '@odata.type': odataType('enrollmentConfigurationAssignment').optional(),
  /** Ignored: the server always assigns the id. */
  id: text.nullish(),
  target: targetSchema,
  source: z.enum(ASSIGNMENT_SOURCES).nullish(),
  sourceId: text.nullish(),
});

/** PATCH: the same rules, every property optional; id and @odata.type may be sent but not changed. */
export const updateAssignmentSchema = z.strictObject({
  ...readOnlyAnnotations,
  '@odata.type': odataType('enrollmentConfigurationAssignment').optional(),
  id: text.optional(),
  target: targetSchema.optional(),
  source: z.enum(ASSIGNMENT_SOURCES).optional(),
  sourceId: text.nullish(),
});

/** The most assignments one assign action may carry; far above what Intune configurations hold. */
export const MAX_ASSIGN_ITEMS = 1000;

/** The assign action on a configuration: its whole new assignment set. */
export const assignActionSchema = z.strictObject({
  enrollmentConfigurationAssignments: z.array(createAssignmentSchema).max(MAX_ASSIGN_ITEMS),
});

export type CreateAssignmentInput = z.infer<typeof createAssignmentSchema>;
export type UpdateAssignmentInput = z.infer<typeof updateAssignmentSchema>;
export type TargetInput = z.infer<typeof targetSchema>;

/** A target as stored and returned: type with '#', every property present (null where unset). */
export interface AssignmentTarget {
  '@odata.type': string;
  deviceAndAppManagementAssignmentFilterId: string | null;
  deviceAndAppManagementAssignmentFilterType: (typeof FILTER_TYPES)[number];
  groupId?: string;
  collectionId?: string;
}

export interface AssignmentFields {
  target: AssignmentTarget;
  source: (typeof ASSIGNMENT_SOURCES)[number];
  sourceId: string | null;
}

export function withHash(type: string): string {
  return type.startsWith('#') ? type : `#${type}`;
}

export function normaliseTarget(input: TargetInput): AssignmentTarget {
  const { '@odata.type': type, deviceAndAppManagementAssignmentFilterId, deviceAndAppManagementAssignmentFilterType, ...own } =
    input;
  return {
    '@odata.type': withHash(type),
    deviceAndAppManagementAssignmentFilterId: deviceAndAppManagementAssignmentFilterId ?? null,
    deviceAndAppManagementAssignmentFilterType: deviceAndAppManagementAssignmentFilterType ?? 'none',
    ...own,
  };
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
  return String(value);
}

function issueMessage(issue: Issue, input: unknown, operation?: string): string {
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
        const known = Object.keys(TARGET_TYPES).map((n) => `microsoft.graph.${n}`);
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
      return `Invalid value ${describe(value)} for property '${path}'. It must be one of: ${issue.values.map((v) => `'${String(v)}'`).join(', ')}.`;
    case 'too_big':
      if (issue.origin === 'array') return `The property '${path}' holds more than the maximum of ${String(issue.maximum)} items.`;
      return `The value of property '${path}' is longer than the maximum of ${String(issue.maximum)} characters.`;
    default:
      return `Invalid value ${describe(value)} for property '${path}': ${issue.message}.`;
  }
}

/** A 400 naming the first problem, as Graph reports one at a time. */
export function validationError(error: z.ZodError, input: unknown, operation?: string): GraphError {
  // An unknown property explains the rest (a misspelt required one, say), so it is named first.
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  return badRequest(issue ? issueMessage(issue, input, operation) : 'The request body is not valid.');
}

/** Parses a body with a schema; `operation` names an action whose parameters the body holds. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, operation?: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(result.error, input, operation);
  return result.data;
}

// ---- what the API answers: used for the OpenAPI document and checked against real responses in tests ----

export const assignmentTargetResource = z
  .strictObject({
    '@odata.type': z.enum(Object.keys(TARGET_TYPES).map((n) => `#microsoft.graph.${n}`) as [string, ...string[]]),
    deviceAndAppManagementAssignmentFilterId: z.string().nullable(),
    deviceAndAppManagementAssignmentFilterType: z.enum(FILTER_TYPES),
    groupId: z.string().optional(),
    collectionId: z.string().optional(),
  });

export const assignmentResource = z
  .strictObject({
    '@odata.context': z.string().optional(),
    '@odata.type': z.literal(`#${ASSIGNMENT_TYPE}`),
    '@odata.etag': z.string(),
    id: z.string(),
    target: assignmentTargetResource,
    source: z.enum(ASSIGNMENT_SOURCES),
    sourceId: z.string().nullable(),
  });

export const assignmentCollectionResource = z
  .strictObject({
    '@odata.context': z.string(),
    '@odata.count': z.number().int().optional(),
    '@odata.nextLink': z.url().optional(),
    value: z.array(assignmentResource.partial({ '@odata.type': true, '@odata.etag': true, target: true, source: true, sourceId: true })),
  });
