import SwaggerParser from '@apidevtools/swagger-parser';
import type { z } from 'zod';
import { seedItem } from '../../src/assignments/handlers';
import { seedSchema } from '../../src/admin/seed';
import type { App } from '../../src/createApp';
import {
  assignActionSchema,
  assignmentCollectionResource,
  assignmentResource,
  createAssignmentSchema,
  updateAssignmentSchema,
} from '../../src/assignments/schema';
import { configurationSchemasFor, parseCreate, parseUpdate } from '../../src/configurations/schema';
import { odataErrorSchema } from '../../src/graph/errors';
import { send, testApp } from '../helpers/app';
import { graphRequest, jsonOf } from '../helpers/requests';

const schemasByComponent: Record<string, z.ZodType> = {
  enrollmentConfigurationAssignmentCreate: createAssignmentSchema,
  enrollmentConfigurationAssignmentUpdate: updateAssignmentSchema,
  assignActionParameters: assignActionSchema,
  enrollmentConfigurationAssignment: assignmentResource,
  ODataError: odataErrorSchema,
};

/** The seed's items are creates plus configurationId and id: checked by the seed's own validation. */
const seedCheck = {
  safeParse: (value: unknown) => {
    try {
      (value as { assignments: Array<Record<string, unknown>> }).assignments.forEach(({ tenantId: _tenant, ...item }) =>
        seedItem(item, 'x'),
      );
      return seedSchema.safeParse(value);
    } catch (error) {
      return { error };
    }
  },
};
schemasByComponent.mockSeed = seedCheck as unknown as z.ZodType;

/** A configuration body is checked as the handler checks it: its @odata.type picks the type's schema. */
const checkedBy = (parse: (body: Record<string, unknown>) => unknown) =>
  ({
    safeParse: (value: unknown) => {
      try {
        parse(value as Record<string, unknown>);
        return {};
      } catch (error) {
        return { error };
      }
    },
  }) as unknown as z.ZodType;
schemasByComponent.deviceEnrollmentConfigurationCreate = checkedBy((body) => parseCreate('beta', body));
schemasByComponent.deviceEnrollmentConfigurationUpdate = checkedBy((body) => parseUpdate('beta', String(body['@odata.type']), body));
schemasByComponent.setPriorityParameters = configurationSchemasFor('beta').setPriority;
schemasByComponent.deviceEnrollmentConfiguration = configurationSchemasFor('beta').resource;

// The app describes what it serves: with MOCK_ADMIN=on, the admin endpoints too.
const app = testApp({ MOCK_ADMIN: 'on' });
const routes = app.routes;
const adminRoutes = routes.filter((r) => r.route === '__admin' || r.route.startsWith('__admin/'));
/** The admin page and its files hold no data: they need no key (the page sends it on its own calls). */
const PAGE_ROUTES = new Set(['adminPage', 'adminPageAsset']);
const documentOf = async (of: App) => jsonOf(await send(of, graphRequest({ method: 'GET', path: '/openapi.json', headers: {} })));
let served: any;
beforeAll(async () => {
  served = await documentOf(app);
});
const document = () => structuredClone(served);

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = document();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:7071' }]);
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
  });

  it('the validator does reject a broken document (so the check above means something)', async () => {
    const doc = document();
    doc.paths['/health'].get.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/Missing' };
    await expect(SwaggerParser.validate(doc)).rejects.toThrow();
    const badParameter = document();
    badParameter.paths['/health'].get.parameters = [{ name: 'x', in: 'nowhere', schema: { type: 'string' } }];
    await expect(SwaggerParser.validate(badParameter)).rejects.toThrow();
  });

  it('describes every route and method the app registers, except the catch-all', () => {
    const doc = document();
    for (const r of routes) {
      for (const method of r.methods) expect(doc.paths[`/${r.route}`]?.[method.toLowerCase()]?.operationId).toBe(r.name);
    }
    expect(Object.keys(doc.paths)).not.toContain('/{*path}');
  });

  it('its examples pass the zod schemas the handlers use', () => {
    const doc = document();
    let checked = 0;
    for (const item of Object.values<any>(doc.paths)) {
      for (const op of Object.values<any>(item)) {
        if (!op || typeof op !== 'object' || Array.isArray(op)) continue;
        const contents = [op.requestBody?.content, ...Object.values<any>(op.responses ?? {}).map((r) => r.content)];
        for (const content of contents) {
          const media = content?.['application/json'];
          if (!media?.example) continue;
          const component = String(media.schema.$ref).split('/').pop()!;
          expect(schemasByComponent[component]).toBeDefined();
          expect(schemasByComponent[component]!.safeParse(media.example).error).toBeUndefined();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('real responses match the documented schemas', async () => {
    const path = '/beta/invitations/i/invitedUser/deviceEnrollmentConfigurations/cfg-openapi/assignments';
    const created = jsonOf(
      await send(
        app,
        graphRequest({ path, body: { target: { '@odata.type': 'microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'g' } } }),
      ),
    );
    expect(assignmentResource.safeParse(created).error).toBeUndefined();
    const got = jsonOf(await send(app, graphRequest({ method: 'GET', path: `${path}/${created.id}` })));
    expect(assignmentResource.safeParse(got).error).toBeUndefined();
    const listed = jsonOf(await send(app, graphRequest({ method: 'GET', path: `${path}?$count=true` })));
    expect(assignmentCollectionResource.safeParse(listed).error).toBeUndefined();
    const error = jsonOf(await send(app, graphRequest({ path, body: { target: {} } })));
    expect(odataErrorSchema.safeParse(error).error).toBeUndefined();
  });
});

describe('the OpenAPI document and v1.0', () => {
  it('describes the v1.0 operations with v1.0 schemas (target only) and $metadata as XML without auth', () => {
    const doc = document();
    const v1 = doc.paths['/v1.0/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments'];
    expect(v1.post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/enrollmentConfigurationAssignmentCreate.v1.0',
    );
    const v1Create = doc.components.schemas['enrollmentConfigurationAssignmentCreate.v1.0'];
    expect(Object.keys(v1Create.properties)).toContain('target');
    expect(Object.keys(v1Create.properties)).not.toContain('source');
    expect(Object.keys(doc.components.schemas.enrollmentConfigurationAssignmentCreate.properties)).toContain('source');
    for (const version of ['beta', 'v1.0']) {
      const op = doc.paths[`/${version}/$metadata`].get;
      expect(op.security).toEqual([]);
      expect(Object.keys(op.responses['200'].content)).toEqual(['application/xml']);
    }
  });
});

describe('the OpenAPI document and the admin endpoints', () => {
  it('puts them under their own tag, with the admin key as their only (optional) security', () => {
    const doc = document();
    const ops = adminRoutes.map((r) => doc.paths[`/${r.route}`][r.methods[0]!.toLowerCase()]);
    expect(ops.map((op) => op.tags)).toEqual(adminRoutes.map(() => ['admin']));
    ops.forEach((op, i) => {
      const name = adminRoutes[i]!.name;
      expect([name, op.security]).toEqual([name, PAGE_ROUTES.has(name) ? [] : [{ adminKey: [] }, {}]]);
    });
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain('admin');
    expect(doc.components.schemas.mockJournalEntry.properties.retryAfterViolation.type).toBe('boolean');
    // No other operation is tagged admin.
    const tagged = Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item).filter((op) => op?.tags?.includes('admin')));
    expect(tagged).toHaveLength(adminRoutes.length);
  });

  it('leaves them, their tag and their shapes out when MOCK_ADMIN=off does not mount them', async () => {
    const doc = await documentOf(testApp());
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/__admin'))).toEqual([]);
    expect(doc.tags.map((t: { name: string }) => t.name)).not.toContain('admin');
    expect(doc.components.schemas.mockSeed).toBeUndefined();
    expect(doc.components.securitySchemes.adminKey).toBeUndefined();
  });
});
