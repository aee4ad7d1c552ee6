// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { type GraphVersion, type StructuredTypeModel } from '../graph/model';
import { schemasFor as assignmentSchemasFor } from '../assignments/schema';
import { badRequest, type GraphError } from '../graph/errors';
import { bodyError, flagMembers, INT32_MAX, INT32_MIN } from './messages';
import { CONFIGURATION_BASE_TYPE, MAX_COLLECTION_ITEMS, MAX_TEXT_LENGTH, type ConfigurationPropertyModel } from './model';
import { complexType, concreteTypes, configurationType, enumType, hashed, localTypeName, propertiesOf, qualified } from './types';

/**
 * The configurations resource as zod schemas, derived per Graph version from the model: what a create,
 * a PATCH and setPriority may carry, and what the API answers (for OpenAPI and for tests that check
 * real responses). A create's `@odata.type` picks the concrete type before any schema runs, so the
 * messages can name the type ("does not exist on type ..."), and the abstract base is refused by name.
 */

type Mode = 'create' | 'update';

/** Annotations a client may echo back from something it read; accepted and ignored, as Graph does. */
const readOnlyAnnotations = {
  '@odata.context': z.string().optional(),
  '@odata.etag': z.string().optional(),
  '@odata.id': z.string().optional(),
};

const odataType = (name: string) => z.literal([hashed(name), qualified(name)]);
const int32 = (p: ConfigurationPropertyModel) =>
  z
    .int32()
    .min(p.minimum ?? INT32_MIN)
    .max(p.maximum ?? INT32_MAX);

function flagsSchema(version: GraphVersion, enumName: string, path: string) {
  return z.string().superRefine((value, ctx) => {
    const result = flagMembers(version, enumName, value);
    if (!result.ok) {
      const allowed = enumType(version, enumName)!.members.map((m) => `'${m.name}'`);
      ctx.addIssue({
        code: 'custom',
        message: `The value '${result.bad}' in '${value}' is not a valid member of 'microsoft.graph.${enumName}' for property '${path}'. It must be one or more of: ${allowed.join(', ')}, joined by commas.`,
      });
    }
  });
}

/** A property's value as a body may send it: its type, its documented range, and null where the CSDL allows it. */
function inputValue(version: GraphVersion, p: ConfigurationPropertyModel, path: string): z.ZodType {
  let schema: z.ZodType;
  const complex = complexType(version, p.type);
  const enumModel = enumType(version, p.type);
  if (p.type === 'Edm.String') schema = z.string().max(p.maxLength ?? MAX_TEXT_LENGTH);
  else if (p.type === 'Edm.Int32') schema = int32(p);
  else if (p.type === 'Edm.Boolean') schema = z.boolean();
  else if (p.type === 'Edm.Guid') schema = z.guid();
  else if (p.type === 'Edm.DateTimeOffset') schema = z.iso.datetime({ offset: true });
  else if (p.type === 'Collection(Edm.String)') schema = z.array(z.string().max(1024)).max(MAX_COLLECTION_ITEMS);
  else if (complex) schema = complexInput(version, complex, path);
  else if (enumModel?.flags) schema = flagsSchema(version, enumModel.name, path);
  else if (enumModel) schema = z.enum(enumModel.members.map((m) => m.name) as [string, ...string[]]);
  else throw new Error(`configurations model: no input schema for ${p.type}`);
  return p.nullable ? schema.nullable() : schema;
}

/** A complex value: every property optional, the ones left out take their defaults (entity.ts). */
function complexInput(version: GraphVersion, type: StructuredTypeModel, path: string) {
  return z.strictObject({
    '@odata.type': odataType(type.name).optional(),
    ...Object.fromEntries(type.properties.map((p) => [p.name, inputValue(version, p, `${path}/${p.name}`).optional()])),
  });
}

function inputShape(version: GraphVersion, type: StructuredTypeModel, mode: Mode) {
  return Object.fromEntries(
    propertiesOf(version, type).map((p) => {
      const value = inputValue(version, p, p.name);
      return [p.name, mode === 'create' && p.requiredOnCreate ? value : value.optional()];
    }),
  );
}

function bodySchema(version: GraphVersion, type: StructuredTypeModel, mode: Mode) {
  return z.strictObject({
    ...readOnlyAnnotations,
    '@odata.type': mode === 'create' ? odataType(type.name) : odataType(type.name).optional(),
    /** Ignored: the server always assigns the id, as Graph's samples and Intune do. */
    id: z.string().max(1024).nullish(),
    ...inputShape(version, type, mode),
  });
}

// ---- what the API answers ----

function outputValue(version: GraphVersion, p: ConfigurationPropertyModel): z.ZodType {
  let schema: z.ZodType;
  const complex = complexType(version, p.type);
  const enumModel = enumType(version, p.type);
  if (p.type === 'Edm.String' || p.type === 'Edm.Guid') schema = z.string();
  else if (p.type === 'Edm.Int32') schema = z.int32();
  else if (p.type === 'Edm.Boolean') schema = z.boolean();
  else if (p.type === 'Edm.DateTimeOffset') schema = z.iso.datetime({ offset: true });
  else if (p.type === 'Collection(Edm.String)') schema = z.array(z.string());
  else if (complex) schema = z.strictObject(Object.fromEntries(complex.properties.map((c) => [c.name, outputValue(version, c)])));
  else if (enumModel?.flags) schema = flagsSchema(version, enumModel.name, p.name);
  else if (enumModel) schema = z.enum(enumModel.members.map((m) => m.name) as [string, ...string[]]);
  else throw new Error(`configurations model: no output schema for ${p.type}`);
  return p.nullable ? schema.nullable() : schema;
}

function resourceSchema(version: GraphVersion, type: StructuredTypeModel) {
  return z.strictObject({
    '@odata.context': z.string().optional(),
    '@odata.type': z.literal(hashed(type.name)),
    '@odata.etag': z.string().optional(),
    id: z.string(),
    ...Object.fromEntries(propertiesOf(version, type).map((p) => [p.name, outputValue(version, p)])),
    // $expand=assignments: the handler adds the contained collection and its context.
    'assignments@odata.context': z.string().optional(),
    assignments: z.array(z.record(z.string(), z.unknown())).optional(),
  });
}

function buildSchemas(version: GraphVersion) {
  const types = concreteTypes(version);
  const create = new Map(types.map((t) => [t.name, bodySchema(version, t, 'create')]));
  const update = new Map(types.map((t) => [t.name, bodySchema(version, t, 'update')]));
  const resources = types.map((t) => resourceSchema(version, t));
  const resource = z.discriminatedUnion(
    '@odata.type',
    resources as unknown as [(typeof resources)[number], ...(typeof resources)[number][]],
  );
  const collection = z.strictObject({
    '@odata.context': z.string(),
    '@odata.count': z.int().optional(),
    '@odata.nextLink': z.url().optional(),
    value: z.array(resource),
  });
  return {
    version,
    typeNames: types.map((t) => qualified(t.name)),
    create,
    update,
    setPriority: z.strictObject({ priority: z.int32() }),
    /** Today's assign action, shared with the assignments resource. */
    assign: assignmentSchemasFor(version).assign,
    resources: new Map(types.map((t, i) => [t.name, resources[i]!])),
    resource,
    collection,
  };
}

export type ConfigurationSchemas = ReturnType<typeof buildSchemas>;

/** Built on first use, not at import: the zod schemas of every configuration type are a fifth of the bundle's import time. */
const SCHEMAS: Partial<Record<GraphVersion, ConfigurationSchemas>> = {};

export function configurationSchemasFor(version: GraphVersion): ConfigurationSchemas {
  return (SCHEMAS[version] ??= buildSchemas(version));
}

// ---- parsing bodies ----

export interface ParsedBody {
  /** The concrete type's local name (`deviceEnrollmentLimitConfiguration`). */
  typeName: string;
  values: Record<string, unknown>;
}

const typeList = (version: GraphVersion) => configurationSchemasFor(version).typeNames.join(', ');

/** The concrete type a create names, or the 400 Graph gives for a missing, abstract or unknown one. */
function createType(version: GraphVersion, body: Record<string, unknown>): string {
  const declared = body['@odata.type'];
  if (declared === undefined || declared === null) {
    return fail(
      `The property '@odata.type' is required: '${qualified(CONFIGURATION_BASE_TYPE)}' is abstract and cannot be created. It must be one of: ${typeList(version)}.`,
    );
  }
  if (typeof declared !== 'string')
    return fail(
      `Invalid value for property '@odata.type': expected a type name such as '#${configurationSchemasFor(version).typeNames[0]}'.`,
    );
  const type = configurationType(version, declared);
  if (type?.abstract) {
    return fail(
      `Cannot create an instance of the abstract type '${qualified(type.name)}'. '@odata.type' must be one of: ${typeList(version)}.`,
    );
  }
  if (!type || !/^#?microsoft\.graph\./.test(declared)) {
    return fail(
      `A type named '${declared}' could not be resolved by the model for property '@odata.type'. It must be one of: ${typeList(version)}.`,
    );
  }
  return type.name;
}

function fail(message: string): never {
  throw badRequest(message);
}

function parse(version: GraphVersion, typeName: string, schema: z.ZodType, body: unknown, operation?: string): Record<string, unknown> {
  const result = schema.safeParse(body);
  if (!result.success) throw bodyError(version, typeName, result.error, body, operation);
  return result.data as Record<string, unknown>;
}

/** A create body: the concrete type it names and its values, validated; throws a GraphError 400. */
export function parseCreate(version: GraphVersion, body: Record<string, unknown>): ParsedBody {
  const typeName = createType(version, body);
  return { typeName, values: parse(version, typeName, configurationSchemasFor(version).create.get(typeName)!, body) };
}

/**
 * A PATCH body for a stored configuration of `storedType`: `@odata.type` may be sent but must name the
 * stored type (Intune cannot change a configuration's type), and the rest is partial.
 */
export function parseUpdate(version: GraphVersion, storedType: string, body: Record<string, unknown>): ParsedBody {
  const typeName = localTypeName(storedType);
  const declared = body['@odata.type'];
  if (typeof declared === 'string' && localTypeName(declared) !== typeName) {
    fail(
      `The type '${declared}' in '@odata.type' does not match the configuration's type '${qualified(typeName)}'; a configuration's type cannot be changed.`,
    );
  }
  const schema = configurationSchemasFor(version).update.get(typeName);
  if (!schema) fail(`The configuration's type '${qualified(typeName)}' does not exist in ${version}.`);
  return { typeName, values: parse(version, typeName, schema, body) };
}

/** setPriority's parameters: `{"priority": n}`, an Int32 that cannot be null. */
export function parseSetPriority(version: GraphVersion, body: Record<string, unknown>): number {
  return parse(version, CONFIGURATION_BASE_TYPE, configurationSchemasFor(version).setPriority, body, 'setPriority').priority as number;
}

/**
 * Rules that span properties, checked on the whole configuration (after a create's defaults or a
 * PATCH's merge), since either side of the pair may be the one that changed.
 */
export function invariantError(configuration: Record<string, unknown>): GraphError | undefined {
  const min = configuration.pinMinimumLength;
  const max = configuration.pinMaximumLength;
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    return badRequest(
      `The value ${min} of property 'pinMinimumLength' is greater than the value ${max} of property 'pinMaximumLength': the minimum PIN length must be less than or equal to the maximum.`,
    );
  }
  return undefined;
}
