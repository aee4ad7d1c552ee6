// The @microsoft/microsoft-graph-client v3 flow against the mock.
//
// Run by test/e2e/graph-client.test.ts in its own Node process (see test/helpers/client-flow.ts for why):
//   node graph-client-flow.mjs <runner base URL> [flow | auth-probe] [custom-hosts | graph-hosts-only]
// It prints one JSON report on stdout: what each call returned or threw. The jest test makes the assertions.
// `auth-probe` makes one create call, to show when the client sends its token and when it does not.
//
// The client is configured as for Graph itself, but for the base URL and customHosts. customHosts is the
// client's own switch for any host other than Graph's: without it, its AuthenticationHandler strips the
// Authorization header (lib/src/middleware/AuthenticationHandler.js), and it only ever sends a token to
// an https URL (GraphRequestUtil.js isValidEndpoint), which is why the test serves the runner over https.
import { Client, GraphError, PageIterator, ResponseType } from '@microsoft/microsoft-graph-client';

const [baseUrl, mode = 'flow', hosts = 'custom-hosts'] = process.argv.slice(2);
if (!baseUrl) throw new Error('usage: graph-client-flow.mjs <runner base URL> [flow | auth-probe] [custom-hosts | graph-hosts-only]');

const client = Client.init({
  baseUrl,
  defaultVersion: 'beta',
  authProvider: (done) => done(null, 'graph-client-test-token'),
  ...(hosts === 'custom-hosts' ? { customHosts: new Set([new URL(baseUrl).hostname]) } : {}),
});

/** A GraphError (or any other throw) as plain JSON, so the test can assert on what the client filled in. */
function describeError(err) {
  return {
    threw: true,
    isGraphError: err instanceof GraphError,
    statusCode: err?.statusCode,
    code: err?.code,
    message: err?.message,
    requestId: err?.requestId,
    date: err?.date instanceof Date && !Number.isNaN(err.date.getTime()) ? err.date.toISOString() : null,
    headerRequestId: err?.headers?.get?.('request-id') ?? null,
    body: err?.body,
  };
}

async function attempt(fn) {
  try {
    const value = await fn();
    return { threw: false, value: value === undefined ? null : value };
  } catch (err) {
    return describeError(err);
  }
}

const documentExample = () => ({
  '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
  target: { '@odata.type': 'microsoft.graph.deviceAndAppManagementAssignmentTarget' },
  source: 'direct',
  sourceId: 'Source Id value',
});

async function pathFlow(collection, groupId) {
  const report = {};
  const item = (id) => `${collection}/${id}`;

  // Raw, for the status and headers the parsed call hides.
  report.createRaw = await attempt(async () => {
    const response = await client.api(collection).responseType(ResponseType.RAW).post(documentExample());
    return {
      status: response.status,
      location: response.headers.get('location'),
      etag: response.headers.get('etag'),
      contentType: response.headers.get('content-type'),
      body: await response.json(),
    };
  });
  report.create = await attempt(() =>
    client.api(collection).post({
      '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
      target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId },
      source: 'direct',
      sourceId: 'Source Id value',
    }),
  );
  for (const target of [
    { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' },
    { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' },
    { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'excluded-group' },
    { '@odata.type': '#microsoft.graph.configurationManagerCollectionAssignmentTarget', collectionId: 'SMS00001' },
  ]) {
    await client.api(collection).post({ target });
  }

  // Paging by hand: .top(2), then client.api(@odata.nextLink) until there is none.
  report.pages = await attempt(async () => {
    const pages = [];
    let page = await client.api(collection).top(2).get();
    for (let guard = 0; guard < 10; guard++) {
      pages.push({ ids: page.value.map((a) => a.id), nextLink: page['@odata.nextLink'] ?? null });
      if (!page['@odata.nextLink']) break;
      page = await client.api(page['@odata.nextLink']).get();
    }
    return pages;
  });
  // And through the client's own PageIterator.
  report.iterated = await attempt(async () => {
    const ids = [];
    const iterator = new PageIterator(client, await client.api(collection).top(2).get(), (assignment) => {
      ids.push(assignment.id);
      return true;
    });
    await iterator.iterate();
    return { ids, complete: iterator.isComplete() };
  });

  report.filtered = await attempt(() => client.api(collection).filter(`target/groupId eq '${groupId}'`).get());
  report.selected = await attempt(() => client.api(collection).select(['source', 'sourceId']).get());
  report.counted = await attempt(() => client.api(collection).count(true).top(1).get());

  const id = report.create.value?.id;
  if (id) {
    report.get = await attempt(() => client.api(item(id)).get());
    report.getSelected = await attempt(() => client.api(item(id)).select('target').get());
    const etag = report.get.value?.['@odata.etag'];
    report.patchStale = await attempt(() => client.api(item(id)).header('If-Match', 'W/"stale"').patch({ sourceId: 'never written' }));
    report.patch = await attempt(() =>
      client
        .api(item(id))
        .header('If-Match', etag)
        .patch({ sourceId: 'updated by the Graph client', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }),
    );
    report.getAfterPatch = await attempt(() => client.api(item(id)).get());
    report.delete = await attempt(() => client.api(item(id)).delete());
    report.getDeleted = await attempt(() => client.api(item(id)).get());
  }

  // Graph's own documentation example, verbatim: "source": "String" is not a valid enum value.
  report.invalidSource = await attempt(() => client.api(collection).post({ ...documentExample(), source: 'String' }));
  return report;
}

async function assignFlow(configurationId) {
  const collection = `/deviceManagement/deviceEnrollmentConfigurations/${configurationId}/assignments`;
  await client.api(collection).post(documentExample());
  const report = {};
  report.assign = await attempt(() =>
    client.api(`/deviceManagement/deviceEnrollmentConfigurations/${configurationId}/assign`).post({
      enrollmentConfigurationAssignments: [
        { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'assigned-group' } },
        { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }, source: 'policySets', sourceId: 'policy-set-1' },
      ],
    }),
  );
  report.after = await attempt(() => client.api(collection).get());
  return report;
}

if (mode === 'auth-probe') {
  const create = await attempt(() =>
    client.api('/deviceManagement/deviceEnrollmentConfigurations/cfg-graph-client-auth/assignments').post(documentExample()),
  );
  process.stdout.write(JSON.stringify({ baseUrl, hosts, create }));
  process.exit(0);
}

const report = {
  baseUrl,
  deviceManagement: await pathFlow('/deviceManagement/deviceEnrollmentConfigurations/cfg-graph-client-dm/assignments', 'group-dm'),
  invitation: await pathFlow(
    '/invitations/inv-graph-client/invitedUser/deviceEnrollmentConfigurations/cfg-graph-client-inv/assignments',
    'group-inv',
  ),
  assign: await assignFlow('cfg-graph-client-assign'),
};
process.stdout.write(JSON.stringify(report));
