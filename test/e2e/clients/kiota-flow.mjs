// The Kiota flow: Microsoft Graph beta SDK models (@microsoft/msgraph-beta-sdk) sent and parsed through
// Kiota's fetch request adapter against the mock, exactly as a generated request builder would.
//
// Run by test/e2e/kiota.test.ts in its own Node process (see test/helpers/client-flow.ts for why):
//   node kiota-flow.mjs <runner base URL>
// It prints one JSON report on stdout: what each request returned or threw, as the SDK parsed it. The
// jest test makes the assertions. The only thing pointed at the mock is the adapter's baseUrl, and the
// auth provider's allowed hosts (the SDK sends its token to Graph's own hosts only, see the report's
// `defaultAllowedHosts`).
//
// The beta SDK package ships models and the service client shell; its fluent request builders for
// deviceManagement and invitations live in separate packages that are not published for these paths
// (@microsoft/msgraph-beta-sdk-invitations has no deviceEnrollmentConfigurations). So each request is a
// RequestInformation with the URI template, headers and error mapping that Kiota generates for them.
import { FetchRequestAdapter } from '@microsoft/kiota-http-fetchlibrary';
import { HttpMethod } from '@microsoft/kiota-abstractions';
import { GraphBetaRequestAdapter } from '@microsoft/msgraph-beta-sdk';
import {
  createEnrollmentConfigurationAssignmentCollectionResponseFromDiscriminatorValue,
  createEnrollmentConfigurationAssignmentFromDiscriminatorValue,
  serializeEnrollmentConfigurationAssignment,
} from '@microsoft/msgraph-beta-sdk/models/index.js';
import { bodyText, errorMappings, request } from './kiota-requests.mjs';
import { GraphAzureIdentityAuthenticationProvider, PageIterator } from '@microsoft/msgraph-sdk-core';

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error('usage: kiota-flow.mjs <runner base URL>');
const runnerHost = new URL(baseUrl).hostname;

/** Stands in for an @azure/identity credential: the only part of the chain that cannot run offline. */
const requestedScopes = [];
const credential = {
  async getToken(scopes) {
    requestedScopes.push(...[scopes].flat());
    return { token: 'kiota-test-token', expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

function adapterFor(allowedHosts) {
  const auth = new GraphAzureIdentityAuthenticationProvider(credential, [], undefined, allowedHosts);
  const adapter = new GraphBetaRequestAdapter(auth);
  adapter.baseUrl = `${baseUrl}/beta`;
  return adapter;
}
const adapter = adapterFor(new Set([runnerHost]));

// The URI templates Kiota generates for these paths in Microsoft's Graph SDKs.
const COLLECTION = {
  deviceManagement:
    '{+baseurl}/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}/assignments{?%24count,%24expand,%24filter,%24orderby,%24search,%24select,%24skip,%24top}',
  invitation:
    '{+baseurl}/invitations/{invitation%2Did}/invitedUser/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}/assignments{?%24count,%24expand,%24filter,%24orderby,%24search,%24select,%24skip,%24top}',
};
const ITEM = {
  deviceManagement:
    '{+baseurl}/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}/assignments/{enrollmentConfigurationAssignment%2Did}{?%24expand,%24select}',
  invitation:
    '{+baseurl}/invitations/{invitation%2Did}/invitedUser/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}/assignments/{enrollmentConfigurationAssignment%2Did}{?%24expand,%24select}',
};
const ASSIGN = '{+baseurl}/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}/assign';

function withBody(info, body) {
  info.setContentFromParsable(adapter, 'application/json', body, serializeEnrollmentConfigurationAssignment);
  return info;
}

/** An ODataError (or any other throw) as plain JSON, so the test can assert on how the SDK parsed it. */
function describeError(err) {
  const inner = err?.errorEscaped?.innerError;
  return {
    threw: true,
    responseStatusCode: err?.responseStatusCode,
    message: err?.message,
    code: err?.errorEscaped?.code,
    errorMessage: err?.errorEscaped?.message,
    innerError: inner && {
      requestId: inner.requestId,
      clientRequestId: inner.clientRequestId,
      date: inner.date instanceof Date ? inner.date.toISOString() : inner.date,
      dateIsDate: inner.date instanceof Date,
    },
    headerRequestId: err?.responseHeaders?.['request-id']?.[0],
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

const group = (groupId) => ({ odataType: '#microsoft.graph.groupAssignmentTarget', groupId });

async function pathFlow(which, ids) {
  const report = {};
  const collection = (query) => request(HttpMethod.GET, COLLECTION[which], ids, query);
  const create = (body) =>
    adapter.send(
      withBody(request(HttpMethod.POST, COLLECTION[which], ids), body),
      createEnrollmentConfigurationAssignmentFromDiscriminatorValue,
      errorMappings,
    );
  const item = (method, id) => request(method, ITEM[which], { ...ids, 'enrollmentConfigurationAssignment%2Did': id });
  const groupId = `group-${which}`;

  // A groupAssignmentTarget typed as the SDK declares it: what does serializeEnrollmentConfigurationAssignment send?
  const typedGroup = withBody(request(HttpMethod.POST, COLLECTION[which], ids), {
    odataType: '#microsoft.graph.enrollmentConfigurationAssignment',
    target: group(groupId),
    source: 'direct',
  });
  report.typedGroupBody = JSON.parse(bodyText(typedGroup));
  report.typedGroupCreate = await attempt(() =>
    adapter.send(typedGroup, createEnrollmentConfigurationAssignmentFromDiscriminatorValue, errorMappings),
  );

  // Targets without own properties serialize fully; a subtype's own property goes through additionalData.
  report.allDevices = await attempt(() =>
    create({
      odataType: '#microsoft.graph.enrollmentConfigurationAssignment',
      target: {
        odataType: '#microsoft.graph.allDevicesAssignmentTarget',
        deviceAndAppManagementAssignmentFilterId: 'filter-1',
        deviceAndAppManagementAssignmentFilterType: 'include',
      },
      source: 'direct',
      sourceId: 'Source Id value',
    }),
  );
  report.group = await attempt(() =>
    create({
      target: { odataType: '#microsoft.graph.groupAssignmentTarget', additionalData: { groupId } },
      source: 'policySets',
      sourceId: 'policy-set-1',
    }),
  );
  report.others = [];
  for (const target of [
    { odataType: '#microsoft.graph.exclusionGroupAssignmentTarget', additionalData: { groupId: 'excluded-group' } },
    { odataType: '#microsoft.graph.configurationManagerCollectionAssignmentTarget', additionalData: { collectionId: 'SMS00001' } },
    { odataType: '#microsoft.graph.allLicensedUsersAssignmentTarget' },
    { odataType: '#microsoft.graph.deviceAndAppManagementAssignmentTarget' },
  ]) {
    report.others.push(await attempt(() => create({ target })));
  }

  // Paging: $top=2 over six items, then Graph core's PageIterator follows @odata.nextLink.
  const firstPage = await attempt(() =>
    adapter.send(
      collection({ '%24top': 2, '%24count': true }),
      createEnrollmentConfigurationAssignmentCollectionResponseFromDiscriminatorValue,
      errorMappings,
    ),
  );
  report.firstPage = firstPage;
  if (!firstPage.threw) {
    const iterated = [];
    const iterator = new PageIterator(
      adapter,
      firstPage.value,
      (assignment) => {
        iterated.push({ id: assignment.id, targetType: assignment.target?.odataType });
        return true;
      },
      createEnrollmentConfigurationAssignmentCollectionResponseFromDiscriminatorValue,
      errorMappings,
    );
    report.iterated = await attempt(async () => {
      await iterator.iterate();
      return iterated;
    });
  }

  report.filtered = await attempt(() =>
    adapter.send(
      collection({ '%24filter': `target/groupId eq '${groupId}'` }),
      createEnrollmentConfigurationAssignmentCollectionResponseFromDiscriminatorValue,
      errorMappings,
    ),
  );
  report.selected = await attempt(() =>
    adapter.send(
      collection({ '%24select': ['source'] }),
      createEnrollmentConfigurationAssignmentCollectionResponseFromDiscriminatorValue,
      errorMappings,
    ),
  );

  const id = report.group.value?.id;
  if (id) {
    report.get = await attempt(() =>
      adapter.send(item(HttpMethod.GET, id), createEnrollmentConfigurationAssignmentFromDiscriminatorValue, errorMappings),
    );
    const etag = report.get.value?.additionalData?.['@odata.etag'];
    const patch = (ifMatch) => {
      const info = withBody(item(HttpMethod.PATCH, id), { sourceId: 'updated by Kiota', source: 'direct' });
      info.headers.tryAdd('If-Match', ifMatch);
      return info;
    };
    report.patchStale = await attempt(() =>
      adapter.send(patch('W/"stale"'), createEnrollmentConfigurationAssignmentFromDiscriminatorValue, errorMappings),
    );
    report.patchBody = JSON.parse(bodyText(patch(etag)));
    report.patch = await attempt(() =>
      adapter.send(patch(etag), createEnrollmentConfigurationAssignmentFromDiscriminatorValue, errorMappings),
    );
    report.delete = await attempt(() => adapter.sendNoResponseContent(item(HttpMethod.DELETE, id), errorMappings));
    report.getDeleted = await attempt(() =>
      adapter.send(item(HttpMethod.GET, id), createEnrollmentConfigurationAssignmentFromDiscriminatorValue, errorMappings),
    );
  }

  // Graph's own documentation example, verbatim in its source value: 400 naming source.
  report.invalidSource = await attempt(() =>
    create({ target: { odataType: '#microsoft.graph.allDevicesAssignmentTarget' }, source: 'String', sourceId: 'Source Id value' }),
  );
  return report;
}

async function assignFlow(configurationId) {
  const ids = { 'deviceEnrollmentConfiguration%2Did': configurationId };
  const report = {};
  const info = request(HttpMethod.POST, ASSIGN, ids);
  const body = {
    enrollmentConfigurationAssignments: [
      { target: { odataType: '#microsoft.graph.allLicensedUsersAssignmentTarget' }, source: 'direct' },
      { target: { odataType: '#microsoft.graph.groupAssignmentTarget', additionalData: { groupId: 'assigned-group' } } },
    ],
  };
  // What Kiota generates for the action's body: a collection of SDK models under one property.
  info.setContentFromParsable(adapter, 'application/json', body, (writer, value) => {
    writer.writeCollectionOfObjectValues(
      'enrollmentConfigurationAssignments',
      value.enrollmentConfigurationAssignments,
      serializeEnrollmentConfigurationAssignment,
    );
  });
  report.body = JSON.parse(bodyText(info));
  report.assign = await attempt(() => adapter.sendNoResponseContent(info, errorMappings));
  report.after = await attempt(() =>
    adapter.send(
      request(HttpMethod.GET, COLLECTION.deviceManagement, ids),
      createEnrollmentConfigurationAssignmentCollectionResponseFromDiscriminatorValue,
      errorMappings,
    ),
  );
  return report;
}

const report = {
  baseUrl,
  adapterIsFetchRequestAdapter: adapter instanceof FetchRequestAdapter,
  deviceManagement: await pathFlow('deviceManagement', { 'deviceEnrollmentConfiguration%2Did': 'cfg-kiota-dm' }),
  invitation: await pathFlow('invitation', { 'invitation%2Did': 'inv-kiota', 'deviceEnrollmentConfiguration%2Did': 'cfg-kiota-inv' }),
  assign: await assignFlow('cfg-kiota-assign'),
};

// The same SDK left to its default allowed hosts (Graph's own): it withholds the token from any other host.
const graphHostsOnly = adapterFor(undefined);
report.defaultAllowedHosts = await attempt(() =>
  graphHostsOnly.send(
    request(HttpMethod.GET, COLLECTION.deviceManagement, { 'deviceEnrollmentConfiguration%2Did': 'cfg-kiota-dm' }),
    createEnrollmentConfigurationAssignmentCollectionResponseFromDiscriminatorValue,
    errorMappings,
  ),
);
report.requestedScopes = [...new Set(requestedScopes)];

process.stdout.write(JSON.stringify(report, (key, value) => (key === 'backingStore' || key === 'backingStoreEnabled' ? undefined : value)));
