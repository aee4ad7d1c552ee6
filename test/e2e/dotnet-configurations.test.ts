import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// The .NET Graph SDK (Microsoft.Graph 6.10.0, v1.0, restored from NuGet) against the configurations
// resource over real HTTP: it lists the tenant's configurations (its defaults included), creates, reads
// by id, filters, assigns, sets a priority and expands assignments, and prints what it parsed
// (test/dotnet/ConfigurationsClient). Built as test/dotnet/BatchClient is, into a temporary folder.

const PROJECT = path.resolve(__dirname, '..', 'dotnet', 'ConfigurationsClient');
const TENANT = '00000000-0000-0000-0000-000000000000';
const ID = (suffix: string) => new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_${suffix}$`);

let runner: RunnerProcess;
let out: string;
let result: any;

beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'dotnet-configurations-'));
  execFileSync('dotnet', ['build', PROJECT, '-c', 'Release', '-o', out, '-nologo', '-v', 'q'], { stdio: 'pipe', timeout: 240_000 });
  runner = await startRunnerProcess();
  const printed = execFileSync('dotnet', [path.join(out, 'ConfigurationsClient.dll'), runner.url, 'DotNet'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  result = JSON.parse(printed.trim().split('\n').pop()!);
}, 300_000);
afterAll(async () => {
  await runner?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

it("lists the tenant's v1.0 defaults as typed objects of their derived types, with their default values", () => {
  expect(result.listed.map((c: any) => [c.clrType, c.Id, c.OdataType])).toEqual([
    ['DeviceEnrollmentLimitConfiguration', `${TENANT}_DefaultLimit`, '#microsoft.graph.deviceEnrollmentLimitConfiguration'],
    [
      'DeviceEnrollmentPlatformRestrictionsConfiguration',
      `${TENANT}_DefaultPlatformRestrictions`,
      '#microsoft.graph.deviceEnrollmentPlatformRestrictionsConfiguration',
    ],
    [
      'Windows10EnrollmentCompletionPageConfiguration',
      `${TENANT}_DefaultWindows10EnrollmentCompletionPageConfiguration`,
      '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    ],
    [
      'DeviceEnrollmentWindowsHelloForBusinessConfiguration',
      `${TENANT}_DefaultWindowsHelloForBusiness`,
      '#microsoft.graph.deviceEnrollmentWindowsHelloForBusinessConfiguration',
    ],
    // Windows Restore is beta's only: v1.0 cannot show it.
  ]);
  const [limit, restrictions, statusPage, hello] = result.listed;
  for (const c of result.listed) {
    expect(c).toMatchObject({
      DisplayName: 'All users and all devices',
      Priority: 0,
      Version: 0,
      createdDateTime: '0001-01-01T00:00:00.0000000+00:00',
    });
    expect(c.Description).toContain('default');
    // What the SDK could not place on its v1.0 model: only the mock's ETag annotation.
    expect(c.additionalData).toEqual(['@odata.etag']);
  }
  expect(limit.own).toEqual({ Limit: 5 });
  expect(restrictions.own).toEqual({
    windowsPlatformBlocked: false,
    windowsMobilePlatformBlocked: true,
    iosPersonalDeviceEnrollmentBlocked: false,
    androidOsMinimumVersion: '',
    macOSPlatformBlocked: false,
  });
  expect(statusPage.own).toEqual({ AllowNonBlockingAppInstallation: false });
  expect(hello.own).toEqual({
    PinMinimumLength: 6,
    PinMaximumLength: 127,
    pinUppercaseCharactersUsage: 'Disallowed',
    state: 'NotConfigured',
    UnlockWithBiometricsEnabled: true,
    RemotePassportEnabled: true,
  });
});

it('reads one by id as its derived type: a default and one the SDK created', () => {
  const hello = result.listed[3];
  expect(result.readHello).toEqual({ ...hello, additionalData: ['@odata.context', '@odata.etag'] });

  expect(result.limit).toMatchObject({
    clrType: 'DeviceEnrollmentLimitConfiguration',
    DisplayName: 'DotNet limit',
    Priority: 1,
    Version: 1,
    own: { Limit: 3 },
    additionalData: ['@odata.context', '@odata.etag'],
  });
  expect(result.limit.Id).toMatch(ID('Limit'));
  expect(result.readLimit).toEqual(result.limit);

  expect(result.statusPage).toMatchObject({
    clrType: 'Windows10EnrollmentCompletionPageConfiguration',
    Priority: 1,
    own: { AllowNonBlockingAppInstallation: true },
  });
  expect(result.statusPage.Id).toMatch(ID('Windows10EnrollmentCompletionPageConfiguration'));
});

it('filters by display name, and reads back with $expand=assignments after assign and setPriority', () => {
  expect(result.filtered.map((c: any) => c.Id)).toEqual([result.statusPage.Id]);

  // assign moved the version; setPriority of the second Enrollment Status Page moved this one behind it.
  expect(result.expanded).toMatchObject({ Id: result.statusPage.Id, Priority: 2, Version: 2 });
  expect(result.expanded.assignments).toEqual([
    { Id: expect.stringMatching(/^[0-9a-f-]{36}$/), targetType: 'GroupAssignmentTarget', groupId: '00000000-0000-0000-0000-0000000000e5' },
  ]);
  expect(result.expanded.additionalData).toEqual(['@odata.context', '@odata.etag', 'assignments@odata.context']);
  expect(result.afterPriority).toMatchObject({ DisplayName: 'DotNet ESP 2', Priority: 1, Version: 2 });
});

it("parses a missing configuration's 404 into an ODataError", () => {
  expect(result.missing).toEqual({
    threw: true,
    status: 404,
    code: 'ResourceNotFound',
    message: `No deviceEnrollmentConfiguration with id '${TENANT}_Missing' exists.`,
  });
});
