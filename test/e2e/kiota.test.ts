import { runClientFlow } from '../helpers/client-flow';
import { GUID } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// Kiota against the local runner over real HTTP: @microsoft/msgraph-beta-sdk's models serialize each
// request body and parse each response through the SDK's GraphBetaRequestAdapter (a kiota-http-fetchlibrary
// FetchRequestAdapter with Graph's middleware). The flow runs in test/e2e/clients/kiota-flow.mjs; this file
// asserts on its report. Plain http, as `npm start` serves: Kiota allows that for 127.0.0.1.

let runner: RunnerProcess;
let report: any;

beforeAll(async () => {
  runner = await startRunnerProcess();
  report = await runClientFlow('kiota-flow.mjs', [runner.url]);
}, 120_000);

afterAll(async () => {
  await runner?.stop();
});

/** An ODataError as Kiota parsed it from Graph's error envelope (its `error` property is `errorEscaped`). */
function expectODataError(outcome: any, status: number, code: string): void {
  expect(outcome).toMatchObject({ threw: true, responseStatusCode: status, code });
  expect(outcome.errorMessage).toEqual(expect.any(String));
  expect(outcome.message).toBe(outcome.errorMessage);
  expect(outcome.innerError.requestId).toMatch(GUID);
  expect(outcome.innerError.requestId).toBe(outcome.headerRequestId);
  expect(outcome.innerError.clientRequestId).toEqual(expect.any(String));
  expect(outcome.innerError.dateIsDate).toBe(true);
}

const ASSIGNMENT = '#microsoft.graph.enrollmentConfigurationAssignment';

it('goes through a kiota-http-fetchlibrary FetchRequestAdapter', () => {
  expect(report.adapterIsFetchRequestAdapter).toBe(true);
});

describe.each([
  ['deviceManagement', "deviceManagement/deviceEnrollmentConfigurations('cfg-kiota-dm')/assignments"],
  ['invitation', "invitations('inv-kiota')/invitedUser/deviceEnrollmentConfigurations('cfg-kiota-inv')/assignments"],
])('Kiota on the %s path', (which, contextPath) => {
  const path = () => report[which];
  const groupId = `group-${which}`;

  it("sends a typed groupAssignmentTarget without its groupId (the SDK's serializer drops derived properties, microsoft/kiota#6777), which the mock rejects as Graph does: ODataError 400", () => {
    // If this first expectation fails, the SDK has fixed the bug: expect 201 below and drop the
    // additionalData workaround in kiota-flow.mjs.
    expect(path().typedGroupBody).toEqual({
      '@odata.type': ASSIGNMENT,
      source: 'direct',
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget' },
    });
    expectODataError(path().typedGroupCreate, 400, 'BadRequest');
    expect(path().typedGroupCreate.errorMessage).toContain("'target/groupId'");
  });

  it('creates from SDK models and parses each answer into the right target subtype with its own fields', () => {
    const allDevices = path().allDevices;
    expect(allDevices.threw).toBe(false);
    expect(allDevices.value).toMatchObject({
      odataType: ASSIGNMENT,
      target: {
        odataType: '#microsoft.graph.allDevicesAssignmentTarget',
        deviceAndAppManagementAssignmentFilterId: 'filter-1',
        deviceAndAppManagementAssignmentFilterType: 'include',
      },
      source: 'direct',
      sourceId: 'Source Id value',
    });
    expect(allDevices.value.id).toMatch(GUID);
    expect(allDevices.value.additionalData['@odata.context']).toBe(`${runner.url}/beta/$metadata#${contextPath}/$entity`);
    expect(allDevices.value.additionalData['@odata.etag']).toEqual(expect.any(String));

    expect(path().group.value).toMatchObject({
      odataType: ASSIGNMENT,
      target: { odataType: '#microsoft.graph.groupAssignmentTarget', groupId, deviceAndAppManagementAssignmentFilterType: 'none' },
      source: 'policySets',
      sourceId: 'policy-set-1',
    });
    // groupId was parsed as the subtype's own property, not left in additionalData.
    expect(path().group.value.target.additionalData ?? {}).not.toHaveProperty('groupId');

    expect(path().others.map((o: any) => o.threw)).toEqual([false, false, false, false]);
    expect(path().others.map((o: any) => o.value.target)).toEqual([
      {
        odataType: '#microsoft.graph.exclusionGroupAssignmentTarget',
        groupId: 'excluded-group',
        deviceAndAppManagementAssignmentFilterType: 'none',
      },
      {
        odataType: '#microsoft.graph.configurationManagerCollectionAssignmentTarget',
        collectionId: 'SMS00001',
        deviceAndAppManagementAssignmentFilterType: 'none',
      },
      { odataType: '#microsoft.graph.allLicensedUsersAssignmentTarget', deviceAndAppManagementAssignmentFilterType: 'none' },
      { odataType: '#microsoft.graph.deviceAndAppManagementAssignmentTarget', deviceAndAppManagementAssignmentFilterType: 'none' },
    ]);
  });

  it('parses a $top=2 page into the collection response (value, odataNextLink, odataCount) and PageIterator reads all six', () => {
    const first = path().firstPage;
    expect(first.threw).toBe(false);
    expect(first.value.value).toHaveLength(2);
    expect(first.value.odataCount).toBe(6);
    expect(first.value.odataNextLink.startsWith(`${runner.url}/beta/`)).toBe(true);
    expect(new URL(first.value.odataNextLink).searchParams.get('$skiptoken')).toEqual(expect.any(String));
    for (const a of first.value.value) expect(a.odataType).toBe(ASSIGNMENT);

    const iterated = path().iterated;
    expect(iterated.threw).toBe(false);
    expect(iterated.value).toHaveLength(6);
    const created = [path().allDevices, path().group, ...path().others].map((o: any) => o.value.id);
    expect(iterated.value.map((a: any) => a.id).sort()).toEqual([...created].sort());
    expect(iterated.value.map((a: any) => a.targetType).sort()).toEqual([
      '#microsoft.graph.allDevicesAssignmentTarget',
      '#microsoft.graph.allLicensedUsersAssignmentTarget',
      '#microsoft.graph.configurationManagerCollectionAssignmentTarget',
      '#microsoft.graph.deviceAndAppManagementAssignmentTarget',
      '#microsoft.graph.exclusionGroupAssignmentTarget',
      '#microsoft.graph.groupAssignmentTarget',
    ]);
  });

  it('sends $filter and $select as query parameters and parses what they return', () => {
    expect(path().filtered.value.value.map((a: any) => a.id)).toEqual([path().group.value.id]);
    const selected = path().selected.value;
    expect(selected.value).toHaveLength(6);
    for (const a of selected.value) {
      expect(['direct', 'policySets']).toContain(a.source);
      expect(a).not.toHaveProperty('target');
      expect(a).not.toHaveProperty('sourceId');
      expect(a.id).toMatch(GUID);
    }
    expect(selected.additionalData['@odata.context']).toBe(`${runner.url}/beta/$metadata#${contextPath}(source)`);
  });

  it('gets, and patches with If-Match: a stale ETag is an ODataError 412, the current one answers the updated entity', () => {
    expect(path().get.value).toMatchObject({ id: path().group.value.id, target: { groupId } });
    expectODataError(path().patchStale, 412, 'PreconditionFailed');
    // The SDK serializes only what was set: a merge patch.
    expect(path().patchBody).toEqual({ source: 'direct', sourceId: 'updated by Kiota' });
    expect(path().patch.threw).toBe(false);
    expect(path().patch.value).toMatchObject({
      id: path().group.value.id,
      odataType: ASSIGNMENT,
      target: { odataType: '#microsoft.graph.groupAssignmentTarget', groupId },
      source: 'direct',
      sourceId: 'updated by Kiota',
    });
    expect(path().patch.value.additionalData['@odata.etag']).not.toBe(path().get.value.additionalData['@odata.etag']);
  });

  it('deletes (204 through sendNoResponseContent), after which a get is an ODataError 404 ResourceNotFound', () => {
    expect(path().delete).toEqual({ threw: false, value: null });
    expectODataError(path().getDeleted, 404, 'ResourceNotFound');
    expect(path().getDeleted.errorMessage).toContain(path().group.value.id);
  });

  it("answers source: 'String' (Graph's documented example) with an ODataError 400 naming source", () => {
    expectODataError(path().invalidSource, 400, 'BadRequest');
    expect(path().invalidSource.errorMessage).toContain("'source'");
  });
});

describe('Kiota and the assign action', () => {
  it('posts SDK-serialized assignments (204) and the configuration then holds them, parsed by subtype', () => {
    expect(report.assign.body.enrollmentConfigurationAssignments).toHaveLength(2);
    expect(report.assign.assign).toEqual({ threw: false, value: null });
    const after = report.assign.after.value.value;
    expect(after.map((a: any) => a.target.odataType).sort()).toEqual([
      '#microsoft.graph.allLicensedUsersAssignmentTarget',
      '#microsoft.graph.groupAssignmentTarget',
    ]);
    expect(after.find((a: any) => a.target.odataType === '#microsoft.graph.groupAssignmentTarget').target.groupId).toBe('assigned-group');
  });
});

describe("Kiota's authentication", () => {
  it("asked the credential for the runner's own scope, and sent the token it got", () => {
    expect(report.requestedScopes).toEqual([`${runner.url}/.default`]);
    expect(report.deviceManagement.allDevices.threw).toBe(false);
  });

  it("withholds the token from a host outside the provider's allowed hosts (Graph's by default): ODataError 401", () => {
    expectODataError(report.defaultAllowedHosts, 401, 'InvalidAuthenticationToken');
    expect(report.defaultAllowedHosts.errorMessage).toBe('Access token is empty.');
  });
});
