import { TableClient } from '@azure/data-tables';
import { MAX_BODY_BYTES } from '../../src/graph/body';
import { SUCCESS_CONTENT_TYPE } from '../../src/graph/response';
import { contextFor, handlerOf, refusal, send, testApp } from '../helpers/app';
import {
  BASE,
  CONFIGURATION,
  collectionPath,
  documentExample,
  expectGraphError,
  graphRequest,
  GUID,
  headerOf,
  INVITATION,
  invocationContext,
  jsonOf,
  type RequestOptions,
} from '../helpers/requests';

// Through the app's pipeline: real HttpRequest and InvocationContext objects, real Azurite behind the store.

const app = testApp();
const post = (o: RequestOptions = {}) => send(app, graphRequest({ body: documentExample(), ...o }), invocationContext());

const table = () =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });

describe('POST assignments: success', () => {
  it('answers the original example (with a valid source) with 201 and every field echoed', async () => {
    const response = await post();
    expect(response.status).toBe(201);
    expect(headerOf(response, 'content-type')).toBe(SUCCESS_CONTENT_TYPE);
    const body = jsonOf(response);
    expect(body).toEqual({
      '@odata.context': `${BASE}/beta/$metadata#invitations('${INVITATION}')/invitedUser/deviceEnrollmentConfigurations('${CONFIGURATION}')/assignments/$entity`,
      '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
      '@odata.etag': expect.stringMatching(/^W\/"/),
      id: expect.stringMatching(GUID),
      target: {
        '@odata.type': '#microsoft.graph.deviceAndAppManagementAssignmentTarget',
        deviceAndAppManagementAssignmentFilterId: null,
        deviceAndAppManagementAssignmentFilterType: 'none',
      },
      source: 'direct',
      sourceId: 'Source Id value',
    });
    expect(headerOf(response, 'location')).toBe(`${BASE}${collectionPath()}/${body.id}`);
    expect(headerOf(response, 'etag')).toBe(body['@odata.etag']);
  });

  it('sets request-id to a new GUID and echoes client-request-id, else uses request-id', async () => {
    const echoed = await post({ headers: { authorization: 'Bearer t', 'client-request-id': 'my-correlation-id' } });
    expect(headerOf(echoed, 'client-request-id')).toBe('my-correlation-id');
    expect(headerOf(echoed, 'request-id')).toMatch(GUID);
    const plain = await post();
    expect(headerOf(plain, 'client-request-id')).toBe(headerOf(plain, 'request-id'));
    expect(headerOf(plain, 'request-id')).not.toBe(headerOf(echoed, 'request-id'));
  });

  it('ignores a client-sent id and assigns a new GUID every time', async () => {
    const first = jsonOf(await post({ body: { ...documentExample(), id: 'client-chosen' } }));
    const second = jsonOf(await post({ body: { ...documentExample(), id: 'client-chosen' } }));
    expect(first.id).toMatch(GUID);
    expect(second.id).toMatch(GUID);
    expect(first.id).not.toBe(second.id);
  });

  it.each([
    [{ '@odata.type': 'microsoft.graph.deviceAndAppManagementAssignmentTarget' }, {}],
    [{ '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }, {}],
    [{ '@odata.type': 'microsoft.graph.allLicensedUsersAssignmentTarget' }, {}],
    [{ '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: 'g-1' }, { groupId: 'g-1' }],
    [{ '@odata.type': 'microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'g-2' }, { groupId: 'g-2' }],
    [
      { '@odata.type': 'microsoft.graph.configurationManagerCollectionAssignmentTarget', collectionId: 'SMS00001' },
      { collectionId: 'SMS00001' },
    ],
  ])('accepts target %j and returns it with a # type', async (target, own) => {
    const response = await post({ body: { target } });
    expect(response.status).toBe(201);
    const body = jsonOf(response);
    expect(body.target).toEqual({
      '@odata.type': `#${target['@odata.type'].replace(/^#/, '')}`,
      deviceAndAppManagementAssignmentFilterId: null,
      deviceAndAppManagementAssignmentFilterType: 'none',
      ...own,
    });
    expect(body.source).toBe('direct');
    expect(body.sourceId).toBeNull();
  });

  it('keeps assignment filter fields and policySets source', async () => {
    const target = {
      '@odata.type': 'microsoft.graph.groupAssignmentTarget',
      groupId: 'g',
      deviceAndAppManagementAssignmentFilterId: 'filter-1',
      deviceAndAppManagementAssignmentFilterType: 'include',
    };
    const body = jsonOf(await post({ body: { target, source: 'policySets', sourceId: null } }));
    expect(body.target).toEqual({ ...target, '@odata.type': '#microsoft.graph.groupAssignmentTarget' });
    expect(body.source).toBe('policySets');
  });

  it('stores the assignment in the table with PartitionKey = configuration id and RowKey = id', async () => {
    const body = jsonOf(
      await post({
        body: { target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: 'g-9' }, sourceId: 's-9' },
      }),
    );
    const entity = await table().getEntity<Record<string, unknown>>(CONFIGURATION, body.id);
    expect(entity.partitionKey).toBe(CONFIGURATION);
    expect(entity.rowKey).toBe(body.id);
    expect(entity.invitationId).toBe(INVITATION);
    expect(JSON.parse(entity.target as string)).toEqual(body.target);
    expect(entity.source).toBe('direct');
    expect(entity.sourceId).toBe('s-9');
    expect(Date.parse(entity.createdDateTime as string)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('POST assignments: validation in Graph words', () => {
  it('rejects the original example verbatim ("source": "String") naming source', async () => {
    const error = expectGraphError(await post({ body: { ...documentExample(), source: 'String' } }), 400, 'BadRequest');
    expect(error.message).toContain("'source'");
    expect(error.message).toContain("'String'");
  });

  it.each([
    [{ ...documentExample(), foo: 1 }, "The property 'foo' does not exist on type 'microsoft.graph.enrollmentConfigurationAssignment'"],
    [
      { target: { '@odata.type': 'microsoft.graph.allDevicesAssignmentTarget', groupId: 'x' } },
      "The property 'groupId' does not exist on type 'microsoft.graph.allDevicesAssignmentTarget'",
    ],
    [{ source: 'direct' }, "The property 'target' is required"],
    // Non-nullable in beta's CSDL (target is nullable: test/integration/versions.test.ts).
    [{ ...documentExample(), source: null }, "The property 'source' cannot be null"],
    [
      { target: { '@odata.type': 'microsoft.graph.allDevicesAssignmentTarget', deviceAndAppManagementAssignmentFilterType: null } },
      "The property 'target/deviceAndAppManagementAssignmentFilterType' cannot be null",
    ],
    [{ target: 'all' }, "property 'target': expected an object"],
    [{ target: {} }, "The property 'target/@odata.type' is required"],
    [{ target: { '@odata.type': 'microsoft.graph.userTarget' } }, "A type named 'microsoft.graph.userTarget' could not be resolved"],
    [{ target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget' } }, "The property 'target/groupId' is required"],
    [{ target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: 7 } }, "property 'target/groupId': expected a string"],
    [
      { target: { '@odata.type': 'microsoft.graph.allDevicesAssignmentTarget', deviceAndAppManagementAssignmentFilterType: 'sometimes' } },
      "Invalid value 'sometimes' for property 'target/deviceAndAppManagementAssignmentFilterType'",
    ],
    [{ ...documentExample(), sourceId: 12 }, "property 'sourceId': expected a string"],
    [{ ...documentExample(), '@odata.type': '#microsoft.graph.somethingElse' }, "property '@odata.type'"],
    [{ ...documentExample(), sourceId: 'x'.repeat(1025) }, "The value of property 'sourceId' is longer than the maximum of 1024"],
  ])('400 naming the problem: %#', async (body, message) => {
    const error = expectGraphError(await post({ body }), 400, 'BadRequest');
    expect(error.message).toContain(message);
  });

  it.each([
    ['malformed JSON', '{"target": '],
    ['an array', '[]'],
    ['a string', '"text"'],
    ['null', 'null'],
    ['an empty body', ''],
  ])('400 with Graph payload message for %s', async (_name, rawBody) => {
    const response = await post({ rawBody, headers: { authorization: 'Bearer t', 'content-type': 'application/json' } });
    const error = expectGraphError(response, 400, 'BadRequest');
    expect(error.message).toBe(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  });

  it('400 for invalid UTF-8', async () => {
    const rawBody = Buffer.concat([Buffer.from('{"sourceId":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const response = await post({ rawBody, headers: { authorization: 'Bearer t', 'content-type': 'application/json' } });
    expectGraphError(response, 400, 'BadRequest');
  });

  it('400 for duplicate property names', async () => {
    const rawBody = '{"target":{"@odata.type":"microsoft.graph.allDevicesAssignmentTarget"},"source":"direct","source":"policySets"}';
    const response = await post({ rawBody, headers: { authorization: 'Bearer t', 'content-type': 'application/json' } });
    expect(expectGraphError(response, 400, 'BadRequest').message).toContain("'source'");
  });

  it('400 without Content-Type, 415 with a non-JSON one; charset parameters are fine', async () => {
    const raw = JSON.stringify(documentExample());
    // A Buffer body, as the worker passes it: a string body would make fetch's Request add text/plain.
    const missing = await post({ rawBody: Buffer.from(raw), headers: { authorization: 'Bearer t' } });
    expect(expectGraphError(missing, 400, 'BadRequest').message).toBe(
      'Write requests (excluding DELETE) must contain the Content-Type header declaration.',
    );
    const text = await post({ rawBody: raw, headers: { authorization: 'Bearer t', 'content-type': 'text/plain' } });
    expectGraphError(text, 415, 'UnsupportedMediaType');
    const charset = await post({
      rawBody: raw,
      headers: { authorization: 'Bearer t', 'content-type': 'Application/JSON; charset=utf-8' },
    });
    expect(charset.status).toBe(201);
  });

  it('413 for a body over 4 MiB, declared or not', async () => {
    const big = JSON.stringify({ ...documentExample(), sourceId: 'x'.repeat(MAX_BODY_BYTES) });
    expectGraphError(
      await post({ rawBody: big, headers: { authorization: 'Bearer t', 'content-type': 'application/json' } }),
      413,
      'RequestEntityTooLarge',
    );
    const declared = await post({
      rawBody: '{}',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) },
    });
    expectGraphError(declared, 413, 'RequestEntityTooLarge');
  });
});

describe('POST assignments: auth and path ids', () => {
  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['an empty Bearer token', 'Bearer '],
    ['a non-Bearer scheme', 'Basic dXNlcjpwYXNz'],
  ])('401 InvalidAuthenticationToken for %s', async (_name, authorization) => {
    const request = graphRequest({ body: documentExample(), headers: authorization === undefined ? {} : { authorization } });
    if (authorization === undefined) request.headers.delete('authorization');
    const response = await send(app, request);
    expect(expectGraphError(response, 401, 'InvalidAuthenticationToken').message).toBe('Access token is empty.');
    expect(headerOf(response, 'www-authenticate')).toMatch(
      /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
    );
  });

  it.each([
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['a hash', 'a#b'],
    ['a question mark', 'a?b'],
    ['a control character', 'a\u0001b'],
    ['a C1 control character', 'a\u0085b'],
    ['more than 512 characters', 'c'.repeat(513)],
    // Unpaired surrogates were a 500: encodeURIComponent threw URIError building @odata.context.
    ['an unpaired high surrogate', 'a\ud800b'],
    ['an unpaired low surrogate', '\udc00'],
  ])('400 naming the segment for a configuration id with %s', async (_name, id) => {
    // Called directly with the parameter: the router could not hand over a lone surrogate.
    const ctx = contextFor(app, graphRequest({ body: documentExample() }), {
      invitationsId: INVITATION,
      deviceEnrollmentConfigurationId: id,
    });
    const error = await refusal(handlerOf(app, 'createAssignment')(ctx));
    expect([error.status, error.code]).toEqual([400, 'BadRequest']);
    expect(error.message).toContain("'deviceEnrollmentConfigurationId'");
  });

  it('the same through the pipeline, for every id a URL can carry', async () => {
    for (const id of ['a/b', 'a\\b', 'a#b', 'a?b', 'a\u0001b', 'a\u0085b', 'c'.repeat(513)]) {
      const response = await post({ path: collectionPath(encodeURIComponent(id)) });
      expect(expectGraphError(response, 400, 'BadRequest').message).toContain("'deviceEnrollmentConfigurationId'");
    }
  });

  it('400 naming the invitation segment too', async () => {
    const response = await post({ path: collectionPath(CONFIGURATION, encodeURIComponent('x#y')) });
    expect(expectGraphError(response, 400, 'BadRequest').message).toContain("'invitationsId'");
  });

  it('accepts unicode and 512-character ids', async () => {
    const id = `ø-設定-${'k'.repeat(400)}`;
    const response = await post({ path: collectionPath(encodeURIComponent(id), encodeURIComponent('ünï')) });
    expect(response.status).toBe(201);
    const entity = await table().getEntity(id, jsonOf(response).id);
    expect(entity.invitationId).toBe('ünï');
  });
});
