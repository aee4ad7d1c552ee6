// The configurations resource through the Microsoft Graph beta SDK (@microsoft/msgraph-beta-sdk),
// unmodified: its models serialize each body and parse each answer through its own GraphBetaRequestAdapter,
// as a generated request builder would. A script's whole round: create, list with $filter, patch,
// setPriority, assign, read back with $expand=assignments, and the errors along the way.
//
// Run by test/e2e/kiota-configurations.test.ts in its own Node process (see test/helpers/client-flow.ts):
//   node kiota-configurations-flow.mjs <runner base URL>
// It prints one JSON report of what each request returned or threw, as the SDK parsed it; the jest test
// asserts. Only the adapter's baseUrl and the auth provider's allowed hosts point at the mock.
//
// As in kiota-flow.mjs, the fluent builders for deviceManagement are not in the published package, so
// each request is a RequestInformation with the URI template, body serializer and error mapping Kiota
// generates for the path: the collection's POST and an item's PATCH serialize with the base type's
// serializer (serializeDeviceEnrollmentConfiguration), the actions with their request body's.
import { HttpMethod } from '@microsoft/kiota-abstractions';
import { GraphBetaRequestAdapter } from '@microsoft/msgraph-beta-sdk';
import {
  createDeviceEnrollmentConfigurationCollectionResponseFromDiscriminatorValue,
  createDeviceEnrollmentConfigurationFromDiscriminatorValue,
  serializeDeviceEnrollmentConfiguration,
  serializeEnrollmentConfigurationAssignment,
} from '@microsoft/msgraph-beta-sdk/models/index.js';
import { bodyText, errorMappings, request } from './kiota-requests.mjs';
import { GraphAzureIdentityAuthenticationProvider } from '@microsoft/msgraph-sdk-core';

const baseUrl = process.argv[2];
if (!baseUrl) throw new Error('usage: kiota-configurations-flow.mjs <runner base URL>');

/** Stands in for an @azure/identity credential: the only part of the chain that cannot run offline. */
const credential = { getToken: async () => ({ token: 'kiota-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
const adapter = new GraphBetaRequestAdapter(
  new GraphAzureIdentityAuthenticationProvider(credential, [], undefined, new Set([new URL(baseUrl).hostname])),
);
adapter.baseUrl = `${baseUrl}/beta`;

// The URI templates Kiota generates for these paths in Microsoft's Graph SDKs.
const COLLECTION =
  '{+baseurl}/deviceManagement/deviceEnrollmentConfigurations{?%24count,%24expand,%24filter,%24orderby,%24search,%24select,%24skip,%24top}';
const ITEM = '{+baseurl}/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}{?%24expand,%24select}';
const SET_PRIORITY = '{+baseurl}/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}/setPriority';
const ASSIGN = '{+baseurl}/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfiguration%2Did}/assign';

const itemIds = (id) => ({ 'deviceEnrollmentConfiguration%2Did': id });

/** An ODataError (or any other throw) as plain JSON, so the test can assert on how the SDK parsed it. */
function describeError(err) {
  return {
    threw: true,
    isODataError: err?.constructor?.name === 'ODataError' || err?.errorEscaped !== undefined,
    responseStatusCode: err?.responseStatusCode,
    code: err?.errorEscaped?.code,
    errorMessage: err?.errorEscaped?.message,
    requestId: err?.errorEscaped?.innerError?.requestId,
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

/** What the SDK parsed, with the JS types of its dates and which properties it could not place on the model. */
function parsed(configuration) {
  if (!configuration) return configuration;
  const { additionalData, ...rest } = configuration;
  return {
    ...rest,
    createdIsDate: configuration.createdDateTime instanceof Date,
    lastModifiedIsDate: configuration.lastModifiedDateTime instanceof Date,
    additionalDataKeys: Object.keys(additionalData ?? {}).sort(),
  };
}
const one = async (fn) => {
  const outcome = await attempt(fn);
  return outcome.threw ? outcome : { threw: false, value: parsed(outcome.value) };
};
const many = async (fn) => {
  const outcome = await attempt(fn);
  return outcome.threw ? outcome : { threw: false, value: outcome.value.value.map(parsed), odataCount: outcome.value.odataCount ?? null };
};

function withConfiguration(info, body) {
  info.setContentFromParsable(adapter, 'application/json', body, serializeDeviceEnrollmentConfiguration);
  return info;
}
const create = (body) =>
  adapter.send(
    withConfiguration(request(HttpMethod.POST, COLLECTION), body),
    createDeviceEnrollmentConfigurationFromDiscriminatorValue,
    errorMappings,
  );
const get = (id, query) =>
  adapter.send(request(HttpMethod.GET, ITEM, itemIds(id), query), createDeviceEnrollmentConfigurationFromDiscriminatorValue, errorMappings);
const list = (query) =>
  adapter.send(
    request(HttpMethod.GET, COLLECTION, {}, query),
    createDeviceEnrollmentConfigurationCollectionResponseFromDiscriminatorValue,
    errorMappings,
  );

function setPriorityRequest(id, priority) {
  const info = request(HttpMethod.POST, SET_PRIORITY, itemIds(id));
  // What Kiota generates for the action's body (setPriorityPostRequestBody): one Int32.
  info.setContentFromParsable(adapter, 'application/json', { priority }, (writer, value) =>
    writer.writeNumberValue('priority', value.priority),
  );
  return info;
}

const LIMIT = '#microsoft.graph.deviceEnrollmentLimitConfiguration';
const ESP = '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration';
const report = {};

// A derived type's own properties, set as the SDK's model declares them: what does the base serializer send?
report.typedLimitBody = JSON.parse(
  bodyText(withConfiguration(request(HttpMethod.POST, COLLECTION), { odataType: LIMIT, displayName: 'Kiota typed limit', limit: 3 })),
);

// Creates; a derived type's own properties go through additionalData (the same SDK issue as the targets').
report.limit = await one(() =>
  create({ odataType: LIMIT, displayName: 'Kiota limit', description: 'three devices', additionalData: { limit: 3 } }),
);
report.statusPage = await one(() =>
  create({
    odataType: ESP,
    displayName: 'Kiota ESP',
    additionalData: { showInstallationProgress: true, customErrorMessage: 'Call the help desk', installProgressTimeoutInMinutes: 45 },
  }),
);
report.secondStatusPage = await one(() => create({ odataType: ESP, displayName: 'Kiota ESP second' }));

// Lists: by display name, by type, by both with or.
report.byName = await many(() => list({ '%24filter': "displayName eq 'Kiota ESP'" }));
report.byType = await many(() =>
  list({
    '%24filter': "isof('microsoft.graph.windows10EnrollmentCompletionPageConfiguration')",
    '%24orderby': ['priority'],
    '%24count': true,
  }),
);
report.byPrefix = await many(() =>
  list({ '%24filter': "startswith(displayName,'Kiota') and deviceEnrollmentConfigurationType eq 'limit'" }),
);

// PATCH: the SDK serializes only what was set, a merge patch; the answer is the updated configuration.
const statusPageId = report.statusPage.value?.id;
const secondId = report.secondStatusPage.value?.id;
const patch = withConfiguration(request(HttpMethod.PATCH, ITEM, itemIds(statusPageId)), {
  odataType: ESP,
  description: 'patched by Kiota',
  additionalData: { installProgressTimeoutInMinutes: 90 },
});
report.patchBody = JSON.parse(bodyText(patch));
report.patch = await one(() => adapter.send(patch, createDeviceEnrollmentConfigurationFromDiscriminatorValue, errorMappings));

// setPriority: the second Enrollment Status Page goes first, the first closes up behind it.
report.setPriorityBody = JSON.parse(bodyText(setPriorityRequest(secondId, 1)));
report.setPriority = await attempt(() => adapter.sendNoResponseContent(setPriorityRequest(secondId, 1), errorMappings));
report.afterSetPriority = await many(() =>
  list({ '%24filter': "isof('microsoft.graph.windows10EnrollmentCompletionPageConfiguration')", '%24orderby': ['priority'] }),
);

// assign: the action's body is a collection of SDK assignment models under one property.
const assign = request(HttpMethod.POST, ASSIGN, itemIds(statusPageId));
assign.setContentFromParsable(
  adapter,
  'application/json',
  {
    enrollmentConfigurationAssignments: [
      { target: { odataType: '#microsoft.graph.groupAssignmentTarget', additionalData: { groupId: 'esp-pilot-group' } } },
      { target: { odataType: '#microsoft.graph.allLicensedUsersAssignmentTarget' }, source: 'direct' },
    ],
  },
  (writer, value) =>
    writer.writeCollectionOfObjectValues(
      'enrollmentConfigurationAssignments',
      value.enrollmentConfigurationAssignments,
      serializeEnrollmentConfigurationAssignment,
    ),
);
report.assign = await attempt(() => adapter.sendNoResponseContent(assign, errorMappings));

// Read back, with the assignments expanded.
report.readBack = await one(() => get(statusPageId, { '%24expand': ['assignments'] }));
report.readBackAssignments = report.readBack.value?.assignments?.map((a) => ({
  id: a.id,
  odataType: a.odataType,
  targetType: a.target?.odataType,
  groupId: a.target?.groupId,
}));

// Every other beta type, created from its smallest body and parsed back: a property the SDK's model
// lacks would land in additionalData, a type it cannot tell would come back as the base type.
report.otherTypes = [];
for (const body of [
  { odataType: '#microsoft.graph.deviceEnrollmentPlatformRestrictionsConfiguration' },
  { odataType: '#microsoft.graph.deviceEnrollmentPlatformRestrictionConfiguration', additionalData: { platformType: 'android' } },
  { odataType: '#microsoft.graph.deviceEnrollmentWindowsHelloForBusinessConfiguration' },
  { odataType: '#microsoft.graph.deviceComanagementAuthorityConfiguration' },
  {
    odataType: '#microsoft.graph.deviceEnrollmentNotificationConfiguration',
    additionalData: { platformType: 'ios', templateType: 'email', brandingOptions: 'includeCompanyLogo,includeContactInformation' },
  },
  { odataType: '#microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration' },
]) {
  report.otherTypes.push(await one(() => create({ ...body, displayName: `Kiota ${body.odataType.split('.').pop()}` })));
}
report.all = await many(() => list());

// Errors, as the SDK parses them.
report.outOfRange = await attempt(() => create({ odataType: LIMIT, displayName: 'Kiota too many', additionalData: { limit: 99 } }));
report.abstractType = await attempt(() =>
  create({ odataType: '#microsoft.graph.deviceEnrollmentConfiguration', displayName: 'Kiota base' }),
);
report.missing = await attempt(() => get(`${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}_Missing`));
const defaultLimitId = report.byPrefix.threw
  ? undefined
  : (await list({ '%24filter': "displayName eq 'All users and all devices'" })).value.find((c) => c.odataType === LIMIT)?.id;
report.defaultLimitId = defaultLimitId;
report.defaultSetPriority = await attempt(() => adapter.sendNoResponseContent(setPriorityRequest(defaultLimitId, 1), errorMappings));

process.stdout.write(JSON.stringify(report, (key, value) => (key === 'backingStore' || key === 'backingStoreEnabled' ? undefined : value)));
