import { TableClient } from '@azure/data-tables';
import { contextFor, handlerOf, refusal, send, testApp } from '../helpers/app';
import { BASE, expectGraphError, graphRequest, headerOf, jsonOf } from '../helpers/requests';

// The whole resource through the app's pipeline: real HttpRequest objects, real Azurite.

const app = testApp();

const INV = 'inv-r';
const invitationPath = (cfg: string) => `/beta/invitations/${INV}/invitedUser/deviceEnrollmentConfigurations/${cfg}/assignments`;
const intunePath = (cfg: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;

const group = (groupId: string) => ({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId });

async function create(cfg: string, body: Record<string, unknown>) {
  const response = await send(app, graphRequest({ path: invitationPath(cfg), body }));
  expect(response.status).toBe(201);
  return jsonOf(response);
}

function list(cfg: string, query = '', viaIntune = false) {
  const path = `${viaIntune ? intunePath(cfg) : invitationPath(cfg)}${query}`;
  return send(app, graphRequest({ method: 'GET', path }));
}

function item(method: string, cfg: string, id: string, o: { body?: unknown; headers?: Record<string, string>; query?: string } = {}) {
  const request = graphRequest({
    method,
    path: `${intunePath(encodeURIComponent(cfg))}/${encodeURIComponent(id)}${o.query ?? ''}`,
    body: o.body,
    headers: { authorization: 'Bearer t', ...o.headers },
  });
  return send(app, request);
}

describe('list', () => {
  it('returns the collection with @odata.context and value, through either path', async () => {
    const a = await create('cfg-list', { target: group('g1'), sourceId: 's1' });
    const b = await create('cfg-list', { target: { '@odata.type': 'microsoft.graph.allDevicesAssignmentTarget' } });
    for (const viaIntune of [false, true]) {
      const response = await list('cfg-list', '', viaIntune);
      expect(response.status).toBe(200);
      const body = jsonOf(response);
      expect(body['@odata.context']).toBe(
        viaIntune
          ? `${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations('cfg-list')/assignments`
          : `${BASE}/beta/$metadata#invitations('${INV}')/invitedUser/deviceEnrollmentConfigurations('cfg-list')/assignments`,
      );
      expect(body.value.map((v: { id: string }) => v.id).sort()).toEqual([a.id, b.id].sort());
      expect(body['@odata.nextLink']).toBeUndefined();
    }
  });

  it('an empty configuration is an empty value array', async () => {
    expect(jsonOf(await list('cfg-empty')).value).toEqual([]);
  });

  it('pages with $top and an absolute @odata.nextLink that keeps the other options', async () => {
    const created = new Set<string>();
    for (let i = 0; i < 7; i++) created.add((await create('cfg-page', { target: group(`g${i % 2}`), sourceId: 'p' })).id);
    const seen: string[] = [];
    let url = `${invitationPath('cfg-page')}?$top=3&$filter=sourceId eq 'p'`;
    let pages = 0;
    for (;;) {
      const response = await list('cfg-page', url.slice(url.indexOf('?')));
      const body = jsonOf(response);
      pages++;
      expect(body.value.length).toBeLessThanOrEqual(3);
      seen.push(...body.value.map((v: { id: string }) => v.id));
      if (!body['@odata.nextLink']) break;
      const next = new URL(body['@odata.nextLink']);
      expect(next.origin).toBe(BASE);
      expect(next.searchParams.get('$top')).toBe('3');
      expect(next.searchParams.get('$filter')).toBe("sourceId eq 'p'");
      url = `${next.pathname}${next.search}`;
    }
    expect(pages).toBe(3);
    expect(new Set(seen)).toEqual(created);
    expect(seen.length).toBe(7);
  });

  it('filters on source, sourceId and target/groupId, joined by and', async () => {
    const x = await create('cfg-filter', { target: group('gx'), source: 'policySets', sourceId: "it's" });
    await create('cfg-filter', { target: group('gy'), source: 'direct', sourceId: "it's" });
    await create('cfg-filter', { target: group('gx'), source: 'direct', sourceId: 'other' });
    const ids = async (filter: string) =>
      jsonOf(await list('cfg-filter', `?$filter=${encodeURIComponent(filter)}`)).value.map((v: { id: string }) => v.id);
    expect(await ids("source eq 'policySets'")).toEqual([x.id]);
    expect(await ids("target/groupId eq 'gx' and sourceId eq 'it''s'")).toEqual([x.id]);
    expect((await ids("target/groupId eq 'gx'")).length).toBe(2);
    // An injection attempt is only ever a literal value.
    expect(await ids("sourceId eq 'x'' or PartitionKey ne '''")).toEqual([]);
  });

  it('$select keeps id and the listed properties; $count=true adds @odata.count', async () => {
    await create('cfg-select', { target: group('g'), sourceId: 's' });
    await create('cfg-select', { target: group('g'), sourceId: 's' });
    const body = jsonOf(await list('cfg-select', '?$select=sourceId&$count=true&$top=1'));
    expect(body['@odata.count']).toBe(2);
    expect(body['@odata.context']).toMatch(/assignments\(sourceId\)$/);
    expect(
      Object.keys(body.value[0])
        .filter((k) => !k.startsWith('@'))
        .sort(),
    ).toEqual(['id', 'sourceId']);
  });

  it.each([
    ['?$top=0', "'$top'"],
    ['?$top=1000', "'$top'"],
    ['?$top=abc', "'$top'"],
    ['?$select=nope', "Could not find a property named 'nope'"],
    ['?$count=maybe', "'$count'"],
    ["?$filter=source ne 'direct'", 'Invalid filter clause'],
    ["?$filter=startswith(sourceId,'a')", 'Invalid filter clause'],
    ["?$filter=source eq 'a' or source eq 'b'", 'Invalid filter clause'],
    ["?$filter=createdDateTime eq 'x'", 'Invalid filter clause'],
    ['?$orderby=id', "The query parameter '$orderby' is not supported"],
    ['?$expand=target', "The query parameter '$expand' is not supported"],
    ['?$skiptoken=not-a-token', '$skiptoken'],
    [`?$skiptoken=${Buffer.from('{"rk":"a"}').toString('base64url')}`, '$skiptoken'],
    [`?$skiptoken=${Buffer.from('{"nextPartitionKey":1}').toString('base64url')}`, '$skiptoken'],
    [`?$skiptoken=${Buffer.from('{"nextPartitionKey":"1!8!Yw--","nextRowKey":"1!8!Yw--","x":1}').toString('base64url')}`, '$skiptoken'],
    ['?$skiptoken=a+b/c=', '$skiptoken'],
    // Unpaired surrogates in the keys were a 503: the SDK's encodeURIComponent threw URIError.
    [`?$skiptoken=${Buffer.from('{"nextPartitionKey":"\\ud800"}').toString('base64url')}`, '$skiptoken'],
    [`?$skiptoken=${Buffer.from('{"nextPartitionKey":"p","nextRowKey":"a\\udc00"}').toString('base64url')}`, '$skiptoken'],
  ])('400 for %s', async (query, message) => {
    const error = expectGraphError(await list('cfg-bad', query), 400, 'BadRequest');
    expect(error.message).toContain(message);
  });

  it('a well-formed but forged $skiptoken never becomes a 500', async () => {
    await create('cfg-forged', { target: group('g') });
    const forged = Buffer.from('{"nextPartitionKey":"1!12!Zm9yZ2Vk","nextRowKey":"1!4!eA--"}').toString('base64url');
    const response = await list('cfg-forged', `?$skiptoken=${forged}`);
    expect([200, 400]).toContain(response.status);
  });

  // Both were 500 UnknownError: the storage query's URL passed Azurite's 16 KiB limit and its 431 was
  // neither a known storage error nor transient.
  it('a $filter value longer than any stored value is a 400 naming the property', async () => {
    for (const query of [`?$filter=sourceId eq '${'中'.repeat(2000)}'`, `?$count=true&$filter=target/groupId eq '${'x'.repeat(1025)}'`]) {
      const error = expectGraphError(await list('cfg-long', `?${new URLSearchParams(query.slice(1)).toString()}`), 400, 'BadRequest');
      expect(error.message).toMatch(/'(sourceId|target\/groupId)' in \$filter is longer than the maximum of 1024 characters/);
    }
  });

  it('a query that is too long for storage once URL-encoded is a 400, not a 500', async () => {
    const long = '中'.repeat(1000); // 9 URL characters each: three of them pass Azurite's 16 KiB request line
    const filter = `sourceId eq '${long}' and source eq '${long}' and target/groupId eq '${long}'`;
    for (const query of [`?$filter=${encodeURIComponent(filter)}`, `?$count=true&$filter=${encodeURIComponent(filter)}`]) {
      const error = expectGraphError(await list('cfg-long', query), 400, 'BadRequest');
      expect(error.message).toContain('too long for storage');
    }
  });

  it('ignores query parameters that are not OData options, and reads option names case-insensitively', async () => {
    await create('cfg-case', { target: group('g') });
    const body = jsonOf(await list('cfg-case', '?foo=bar&$TOP=1'));
    expect(body.value).toHaveLength(1);
  });
});

describe('get, update, delete', () => {
  it('gets one assignment with its ETag; unknown id is 404', async () => {
    const a = await create('cfg-item', { target: group('g'), sourceId: 's' });
    const response = await item('GET', 'cfg-item', a.id);
    expect(response.status).toBe(200);
    const body = jsonOf(response);
    expect(body).toMatchObject({ id: a.id, target: a.target, source: 'direct', sourceId: 's', '@odata.etag': a['@odata.etag'] });
    expect(body['@odata.context']).toBe(
      `${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations('cfg-item')/assignments/$entity`,
    );
    expect(headerOf(response, 'etag')).toBe(a['@odata.etag']);
    expectGraphError(await item('GET', 'cfg-item', '00000000-0000-0000-0000-000000000000'), 404, 'ResourceNotFound');
    expect(jsonOf(await item('GET', 'cfg-item', a.id, { query: '?$select=source' }))).not.toHaveProperty('target');
  });

  it('PATCH merges: changes what is sent, keeps the rest, returns 200 with a new ETag', async () => {
    const a = await create('cfg-patch', { target: group('g1'), sourceId: 'keep' });
    const response = await item('PATCH', 'cfg-patch', a.id, { body: { source: 'policySets' } });
    expect(response.status).toBe(200);
    const body = jsonOf(response);
    expect(body).toMatchObject({ id: a.id, source: 'policySets', sourceId: 'keep', target: a.target });
    expect(body['@odata.etag']).not.toBe(a['@odata.etag']);
    const replaced = jsonOf(
      await item('PATCH', 'cfg-patch', a.id, {
        body: { target: { '@odata.type': 'microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'g2' }, sourceId: null },
      }),
    );
    expect(replaced.target).toEqual({
      '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget',
      deviceAndAppManagementAssignmentFilterId: null,
      deviceAndAppManagementAssignmentFilterType: 'none',
      groupId: 'g2',
    });
    expect(replaced.sourceId).toBeNull();
    expect(jsonOf(await item('GET', 'cfg-patch', a.id))).toMatchObject({ source: 'policySets', sourceId: null, target: replaced.target });
  });

  it('PATCH applies the create rules and keeps id and @odata.type fixed', async () => {
    const a = await create('cfg-patch-rules', { target: group('g1') });
    const bad = async (body: unknown) =>
      expectGraphError(await item('PATCH', 'cfg-patch-rules', a.id, { body }), 400, 'BadRequest').message;
    expect(await bad({ source: 'String' })).toContain("'source'");
    expect(await bad({ nope: 1 })).toContain("'nope' does not exist");
    expect(await bad({ id: 'another-id' })).toContain("'id' cannot be changed");
    expect(await bad({ '@odata.type': '#microsoft.graph.somethingElse' })).toContain("'@odata.type'");
    expect(await bad({ target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget' } })).toContain("'target/groupId' is required");
    expect(
      (
        await item('PATCH', 'cfg-patch-rules', a.id, {
          body: { id: a.id, '@odata.type': 'microsoft.graph.enrollmentConfigurationAssignment' },
        })
      ).status,
    ).toBe(200);
    expectGraphError(
      await item('PATCH', 'cfg-patch-rules', '00000000-0000-0000-0000-000000000000', { body: { source: 'direct' } }),
      404,
      'ResourceNotFound',
    );
  });

  it('If-Match: the current ETag succeeds, a stale one is 412, * always matches', async () => {
    const a = await create('cfg-etag', { target: group('g1') });
    const first = await item('PATCH', 'cfg-etag', a.id, { body: { sourceId: 'one' }, headers: { 'if-match': a['@odata.etag'] } });
    expect(first.status).toBe(200);
    const stale = await item('PATCH', 'cfg-etag', a.id, { body: { sourceId: 'two' }, headers: { 'if-match': a['@odata.etag'] } });
    expectGraphError(stale, 412, 'PreconditionFailed');
    expect(jsonOf(await item('GET', 'cfg-etag', a.id)).sourceId).toBe('one');
    expect((await item('PATCH', 'cfg-etag', a.id, { body: { sourceId: 'three' }, headers: { 'if-match': '*' } })).status).toBe(200);
    expectGraphError(await item('DELETE', 'cfg-etag', a.id, { headers: { 'if-match': a['@odata.etag'] } }), 412, 'PreconditionFailed');
  });

  // Was: after 6 lost races an unconditional PATCH answered 412 PreconditionFailed, a precondition the
  // client never set (about a third of 20 parallel PATCHes did).
  it.each([
    ['without If-Match', {}],
    ['with If-Match: *', { 'if-match': '*' }],
  ])('20 parallel PATCHes %s all succeed, each as its own version', async (_name, headers) => {
    const a = await create('cfg-race', { target: group('g') });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => item('PATCH', 'cfg-race', a.id, { body: { sourceId: `writer-${i}` }, headers })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const written = responses.map((r) => jsonOf(r));
    // Every write replaced a distinct version: none was applied on top of a version another had replaced.
    expect(new Set(written.map((w) => w['@odata.etag'])).size).toBe(20);
    const final = jsonOf(await item('GET', 'cfg-race', a.id));
    const last = written.find((w) => w['@odata.etag'] === final['@odata.etag']);
    expect(last).toBeDefined();
    expect(final.sourceId).toBe(last.sourceId);
  });

  // Was 500 UnknownError: storage answers 400 InvalidInput for an If-Match that is not an ETag, and the
  // store did not know that answer.
  it.each(['"', 'abc', 'W/"', '"unquoted'])(
    'DELETE with If-Match %j, which is no ETag, is 412 like PATCH, and deletes nothing',
    async (ifMatch) => {
      const a = await create('cfg-etag-garbage', { target: group('g1') });
      expectGraphError(await item('DELETE', 'cfg-etag-garbage', a.id, { headers: { 'if-match': ifMatch } }), 412, 'PreconditionFailed');
      expectGraphError(
        await item('PATCH', 'cfg-etag-garbage', a.id, { body: { sourceId: 'x' }, headers: { 'if-match': ifMatch } }),
        412,
        'PreconditionFailed',
      );
      expect((await item('GET', 'cfg-etag-garbage', a.id)).status).toBe(200);
    },
  );

  it('DELETE answers 204, then the assignment is gone (404), and a second DELETE is 404', async () => {
    const a = await create('cfg-delete', { target: group('g1') });
    const response = await item('DELETE', 'cfg-delete', a.id);
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expectGraphError(await item('GET', 'cfg-delete', a.id), 404, 'ResourceNotFound');
    expectGraphError(await item('DELETE', 'cfg-delete', a.id), 404, 'ResourceNotFound');
  });

  it('400 for an item id that cannot be a key', async () => {
    const error = expectGraphError(await item('GET', 'cfg-item', 'a#b'), 400, 'BadRequest');
    expect(error.message).toContain("'enrollmentConfigurationAssignmentId'");
  });

  // These were 503 + Retry-After (the SDK's encodeURIComponent threw URIError, taken for an outage), so a
  // retrying client would have retried a request that can never succeed.
  it.each(['GET', 'PATCH', 'DELETE'])('400, not 503, for %s with an unpaired surrogate in an id', async (method) => {
    // Straight to the handler: a URL cannot carry a lone surrogate to the router.
    const body = method === 'PATCH' ? { sourceId: 'x' } : undefined;
    const name = { GET: 'getAssignment', PATCH: 'updateAssignment', DELETE: 'deleteAssignment' }[method]!;
    const direct = (cfg: string, id: string) =>
      refusal(
        handlerOf(
          app,
          `${name}ViaDeviceManagement`,
        )(
          contextFor(app, graphRequest({ method, path: `${intunePath('c')}/x`, body }), {
            deviceEnrollmentConfigurationId: cfg,
            enrollmentConfigurationAssignmentId: id,
          }),
        ),
      );
    const byItem = await direct('cfg-item', 'x\ud800');
    expect([byItem.status, byItem.message]).toEqual([400, expect.stringContaining("'enrollmentConfigurationAssignmentId'")]);
    const byConfiguration = await direct('\udfff', 'x');
    expect([byConfiguration.status, byConfiguration.message]).toEqual([400, expect.stringContaining("'deviceEnrollmentConfigurationId'")]);
  });
});

describe('the assign action', () => {
  const assign = (cfg: string, body: unknown) =>
    send(app, graphRequest({ path: `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assign`, body }));
  // Every assignment row in the table, whatever its generation; not the bookkeeping rows (RowKeys from `~`).
  const rows = async (cfg: string) => {
    const client = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, {
      allowInsecureConnection: true,
    });
    const out: Array<Record<string, unknown>> = [];
    for await (const e of client.listEntities({ queryOptions: { filter: `PartitionKey eq '${cfg}' and RowKey lt '~'` } })) out.push(e);
    return out;
  };

  it('replaces the whole set and answers 204', async () => {
    const old = await create('cfg-assign', { target: group('old') });
    const response = await assign('cfg-assign', {
      enrollmentConfigurationAssignments: [{ target: group('new-1') }, { target: group('new-2'), source: 'policySets' }],
    });
    expect(response.status).toBe(204);
    const value = jsonOf(await list('cfg-assign', '', true)).value;
    expect(value.map((v: { target: { groupId: string } }) => v.target.groupId).sort()).toEqual(['new-1', 'new-2']);
    expect(value.map((v: { id: string }) => v.id)).not.toContain(old.id);
  });

  it('an empty set removes every assignment', async () => {
    await create('cfg-assign-empty', { target: group('x') });
    expect((await assign('cfg-assign-empty', { enrollmentConfigurationAssignments: [] })).status).toBe(204);
    expect(await rows('cfg-assign-empty')).toEqual([]);
  });

  it('validates every item before writing anything', async () => {
    const kept = await create('cfg-assign-invalid', { target: group('kept') });
    const response = await assign('cfg-assign-invalid', {
      enrollmentConfigurationAssignments: [
        { target: group('fine') },
        { target: group('fine') },
        { target: group('bad'), source: 'String' },
      ],
    });
    const error = expectGraphError(response, 400, 'BadRequest');
    expect(error.message).toContain("'enrollmentConfigurationAssignments/2/source'");
    expect((await rows('cfg-assign-invalid')).map((r) => r.rowKey)).toEqual([kept.id]);
    expect(expectGraphError(await assign('cfg-assign-invalid', { other: [] }), 400, 'BadRequest').message).toContain(
      "The parameter 'other' in the request payload is not a valid parameter for the operation 'assign'",
    );
  });

  it('replaces sets larger than one transaction (250 new over 120 old)', async () => {
    await assign('cfg-assign-big', {
      enrollmentConfigurationAssignments: Array.from({ length: 120 }, (_, i) => ({ target: group(`old-${i}`) })),
    });
    expect(await rows('cfg-assign-big')).toHaveLength(120);
    const response = await assign('cfg-assign-big', {
      enrollmentConfigurationAssignments: Array.from({ length: 250 }, (_, i) => ({ target: group(`new-${i}`) })),
    });
    expect(response.status).toBe(204);
    const after = await rows('cfg-assign-big');
    expect(after).toHaveLength(250);
    expect(after.every((r) => String(r.targetGroupId).startsWith('new-'))).toBe(true);
  });
});
