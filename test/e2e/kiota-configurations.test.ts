import { runClientFlow } from '../helpers/client-flow';
import { GUID } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// The configurations resource through @microsoft/msgraph-beta-sdk, unmodified, over real HTTP: its models
// serialize each body and parse each answer through its GraphBetaRequestAdapter. The flow runs in
// test/e2e/clients/kiota-configurations-flow.mjs against a fresh server (its own table, so the tenant
// holds its five defaults and what the flow creates); this file asserts on what the SDK parsed.

let runner: RunnerProcess;
let report: any;

beforeAll(async () => {
  runner = await startRunnerProcess();
  report = await runClientFlow('kiota-configurations-flow.mjs', [runner.url]);
}, 120_000);

afterAll(async () => {
  await runner?.stop();
});

const LIMIT = '#microsoft.graph.deviceEnrollmentLimitConfiguration';
const ESP = '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration';
const ID = (suffix: string) => new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_${suffix}$`);
const DEFAULT_TENANT = '00000000-0000-0000-0000-000000000000';

/** What a successful call parsed into; fails with the SDK's error when it threw. */
function value(outcome: any): any {
  expect(outcome).toMatchObject({ threw: false });
  return outcome.value;
}

function expectODataError(outcome: any, status: number, code: string): void {
  expect(outcome).toMatchObject({ threw: true, isODataError: true, responseStatusCode: status, code });
  expect(outcome.requestId).toMatch(GUID);
}

it("sends a typed limit configuration without its limit (the SDK's base serializer drops a derived type's own properties, as for targets)", () => {
  // If this fails, the SDK has fixed microsoft/kiota#6777: drop the additionalData workaround in the flow.
  expect(report.typedLimitBody).toEqual({ '@odata.type': LIMIT, displayName: 'Kiota typed limit' });
});

it('creates configurations and parses each into its own type, with server-set values the SDK reads as its model declares them', () => {
  const limit = value(report.limit);
  expect(limit).toMatchObject({
    odataType: LIMIT,
    displayName: 'Kiota limit',
    description: 'three devices',
    limit: 3,
    priority: 1,
    version: 1,
    roleScopeTagIds: ['0'],
    deviceEnrollmentConfigurationType: 'limit',
    createdIsDate: true,
    lastModifiedIsDate: true,
  });
  expect(limit.id).toMatch(ID('Limit'));
  expect(limit.createdDateTime).toBe(limit.lastModifiedDateTime);

  const statusPage = value(report.statusPage);
  expect(statusPage).toMatchObject({
    odataType: ESP,
    displayName: 'Kiota ESP',
    showInstallationProgress: true,
    customErrorMessage: 'Call the help desk',
    installProgressTimeoutInMinutes: 45,
    blockDeviceSetupRetryByUser: false,
    selectedMobileAppIds: [],
    priority: 1,
    version: 1,
    deviceEnrollmentConfigurationType: 'windows10EnrollmentCompletionPageConfiguration',
  });
  expect(statusPage.id).toMatch(ID('Windows10EnrollmentCompletionPageConfiguration'));
  // A second one of the same kind goes last among its kind; the limit's order is another.
  expect(value(report.secondStatusPage)).toMatchObject({ odataType: ESP, priority: 2, installProgressTimeoutInMinutes: 60 });

  // Nothing the SDK could not place on its model: only the annotations.
  for (const created of [limit, statusPage, value(report.secondStatusPage)]) {
    expect(created.additionalDataKeys).toEqual(['@odata.context', '@odata.etag']);
  }
});

it('parses every other beta type as its own model, with nothing left over', () => {
  const types = report.otherTypes.map((o: any) => value(o));
  expect(types.map((c: any) => [c.odataType, c.additionalDataKeys])).toEqual(
    [
      'deviceEnrollmentPlatformRestrictionsConfiguration',
      'deviceEnrollmentPlatformRestrictionConfiguration',
      'deviceEnrollmentWindowsHelloForBusinessConfiguration',
      'deviceComanagementAuthorityConfiguration',
      'deviceEnrollmentNotificationConfiguration',
      'windowsRestoreDeviceEnrollmentConfiguration',
    ].map((t) => [`#microsoft.graph.${t}`, ['@odata.context', '@odata.etag']]),
  );
  const [restrictions, single, hello, , notification, restore] = types;
  expect(restrictions.windowsRestriction).toMatchObject({ platformBlocked: false, blockedManufacturers: [] });
  expect(restrictions.tvosRestriction).toMatchObject({ platformBlocked: false });
  expect(single).toMatchObject({ platformType: 'android', platformRestriction: { platformBlocked: false } });
  expect(single.id).toMatch(ID('SinglePlatformRestriction'));
  expect(hello).toMatchObject({ pinMinimumLength: 6, pinMaximumLength: 127, state: 'notConfigured' });
  expect(notification).toMatchObject({ platformType: 'ios', templateType: 'email' });
  // Graph writes a flags enum as one comma-separated string; Kiota's JSON parse node reads a flags enum
  // only from an array, so the SDK parses it as empty. If this fails, the SDK reads it now.
  expect(notification.brandingOptions).toEqual([]);
  expect(restore).toMatchObject({ state: 'notConfigured' });

  // The whole list: the five defaults and what the flow created, each with only its ETag left over.
  const all = value(report.all);
  expect(all).toHaveLength(5 + 3 + 6);
  for (const c of all) expect(c.additionalDataKeys).toEqual(['@odata.etag']);
  expect(all.filter((c: any) => c.id.startsWith(`${DEFAULT_TENANT}_`)).map((c: any) => c.id.slice(37))).toEqual([
    'DefaultLimit',
    'DefaultPlatformRestrictions',
    'DefaultWindows10EnrollmentCompletionPageConfiguration',
    'DefaultWindowsHelloForBusiness',
    'WindowsRestore',
  ]);
});

it('the flags enum goes over the wire as Graph writes it: one comma-separated string', async () => {
  const id = value(report.otherTypes[4]).id;
  const raw = await fetch(`${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/${id}`, {
    headers: { authorization: 'Bearer dev-token' },
  });
  expect(((await raw.json()) as any).brandingOptions).toBe('includeCompanyLogo,includeContactInformation');
});

it('lists with $filter: by display name, by type with isof (and $orderby, $count), and startswith with the type enum', () => {
  expect(value(report.byName).map((c: any) => c.id)).toEqual([value(report.statusPage).id]);

  const byType = value(report.byType);
  expect(report.byType.odataCount).toBe(3);
  expect(byType.map((c: any) => [c.odataType, c.priority])).toEqual([
    [ESP, 0],
    [ESP, 1],
    [ESP, 2],
  ]);
  expect(byType[0].id).toBe(`${DEFAULT_TENANT}_DefaultWindows10EnrollmentCompletionPageConfiguration`);

  expect(value(report.byPrefix).map((c: any) => c.id)).toEqual([value(report.limit).id]);
});

it('patches with a merge body and parses the updated configuration: its version up by one, its priority kept', () => {
  expect(report.patchBody).toEqual({ '@odata.type': ESP, description: 'patched by Kiota', installProgressTimeoutInMinutes: 90 });
  const patched = value(report.patch);
  const created = value(report.statusPage);
  expect(patched).toMatchObject({
    id: created.id,
    odataType: ESP,
    description: 'patched by Kiota',
    installProgressTimeoutInMinutes: 90,
    customErrorMessage: 'Call the help desk',
    priority: 1,
    version: 2,
  });
  expect(Date.parse(patched.lastModifiedDateTime)).toBeGreaterThan(Date.parse(created.lastModifiedDateTime));
  expect(patched.createdDateTime).toBe(created.createdDateTime);
});

it('setPriority (204) puts the second Enrollment Status Page first and closes the order up behind it', () => {
  expect(report.setPriorityBody).toEqual({ priority: 1 });
  expect(report.setPriority).toEqual({ threw: false, value: null });
  const order = value(report.afterSetPriority).map((c: any) => [c.id, c.priority]);
  expect(order).toEqual([
    [`${DEFAULT_TENANT}_DefaultWindows10EnrollmentCompletionPageConfiguration`, 0],
    [value(report.secondStatusPage).id, 1],
    [value(report.statusPage).id, 2],
  ]);
  // The configuration acted on moves its version; the one that closed up keeps its own.
  expect(value(report.afterSetPriority)[1].version).toBe(value(report.secondStatusPage).version + 1);
  expect(value(report.afterSetPriority)[2].version).toBe(value(report.patch).version);
});

it('assign (204), then a read with $expand=assignments parses the configuration and its assignments by target subtype', () => {
  expect(report.assign).toEqual({ threw: false, value: null });
  const readBack = value(report.readBack);
  expect(readBack).toMatchObject({ id: value(report.statusPage).id, odataType: ESP, priority: 2, version: 3 });
  expect(readBack.additionalDataKeys).toEqual(['@odata.context', '@odata.etag', 'assignments@odata.context']);
  expect(report.readBackAssignments).toHaveLength(2);
  expect([...report.readBackAssignments].sort((a: any, b: any) => a.targetType.localeCompare(b.targetType))).toEqual([
    {
      id: expect.stringMatching(GUID),
      odataType: '#microsoft.graph.enrollmentConfigurationAssignment',
      targetType: '#microsoft.graph.allLicensedUsersAssignmentTarget',
    },
    {
      id: expect.stringMatching(GUID),
      odataType: '#microsoft.graph.enrollmentConfigurationAssignment',
      targetType: '#microsoft.graph.groupAssignmentTarget',
      groupId: 'esp-pilot-group',
    },
  ]);
});

it('parses the errors into ODataError: an out-of-range limit and the abstract type (400), a missing id (404), a default refusing setPriority (400)', () => {
  expectODataError(report.outOfRange, 400, 'BadRequest');
  expect(report.outOfRange.errorMessage).toContain("'limit'");
  expectODataError(report.abstractType, 400, 'BadRequest');
  expect(report.abstractType.errorMessage).toContain("abstract type 'microsoft.graph.deviceEnrollmentConfiguration'");
  expectODataError(report.missing, 404, 'ResourceNotFound');
  expect(report.missing.errorMessage).toContain('_Missing');
  expect(report.defaultLimitId).toBe(`${DEFAULT_TENANT}_DefaultLimit`);
  expectODataError(report.defaultSetPriority, 400, 'BadRequest');
  expect(report.defaultSetPriority.errorMessage).toContain(report.defaultLimitId);
});
