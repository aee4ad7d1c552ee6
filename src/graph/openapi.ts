// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { odataErrorSchema } from './errors';
import type { GraphVersion } from './model';

/**
 * The pieces of an OpenAPI 3.1 description that every route uses: each route carries its own
 * operation object (OperationDoc), and each part of the app contributes the component schemas, tags
 * and security schemes its operations refer to (OpenApiContribution). src/service/openapi.ts puts
 * them together. Schemas come from the same zod schemas the handlers validate with (zod's JSON Schema
 * output is draft 2020-12, OpenAPI 3.1's dialect), so the document cannot drift from what the API does.
 */

export type Schema = Record<string, unknown>;

/** An operation object, and the tag it is listed under. */
export interface OperationDoc extends Schema {
  tag: string;
  summary: string;
}

export interface OpenApiContribution {
  tags?: { name: string; description: string }[];
  schemas?: Record<string, Schema>;
  securitySchemes?: Record<string, Schema>;
}

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/** A component of one version's own schema: beta's keep their plain names, v1.0's carry a suffix. */
export const versionedName = (name: string, version: GraphVersion) => (version === 'beta' ? name : `${name}.v1.0`);
export const versionedRef = (name: string, version: GraphVersion): Schema => ref(versionedName(name, version));

export const json = (schema: Schema, example?: unknown) => ({
  'application/json': { schema, ...(example === undefined ? {} : { example }) },
});

export const queryParameter = (name: string, description: string, schema: Schema) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

/** Each schema under its component name; references between them point into components. */
export function componentSchemas(io: 'input' | 'output', schemas: Record<string, z.ZodType>): Record<string, Schema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Schema> };
  // zod names each schema by its URI in $id; a fragment-only $id is not allowed in 2020-12, and the
  // component's place already names it.
  for (const schema of Object.values(out)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return out;
}

export const EXAMPLE_ERROR = {
  error: {
    code: 'BadRequest',
    message: "Invalid value 'String' for property 'source'. It must be one of: 'direct', 'policySets'.",
    innerError: {
      date: '2026-11-28T10:27:23',
      'request-id': '8f2cc182-f6bb-4fe2-ae9f-d91fb8f44654',
      'client-request-id': '8f2cc182-f6bb-4fe2-ae9f-d91fb8f44654',
    },
  },
};

/** Graph's error envelope, the component every error response refers to (built with the document, not at import). */
export const errorComponents = (): Record<string, Schema> => componentSchemas('output', { ODataError: odataErrorSchema });

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: 'Graph error envelope',
        content: { 'application/json': { schema: ref('ODataError'), ...(s === 400 ? { example: EXAMPLE_ERROR } : {}) } },
      },
    ]),
  );
