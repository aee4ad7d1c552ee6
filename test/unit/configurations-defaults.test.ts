import {
  DEFAULT_CREATED_DATE_TIME,
  defaultConfigurations,
  defaultRefusal,
  isDefaultConfiguration,
  refusalFor,
} from '../../src/configurations/defaults';
import { representation } from '../../src/configurations/entity';
import { priorityKind } from '../../src/configurations/priority';
import { configurationSchemasFor } from '../../src/configurations/schema';

/** Each tenant's default configurations, as a tenant export shows them, and what they refuse. */

const TENANT = '636b62ee-ef57-4f54-a1f3-0046fafc9c11';
const NOW = new Date('2026-01-01T00:00:00.000Z');

describe('defaultConfigurations', () => {
  const defaults = defaultConfigurations(TENANT, NOW);
  const byId = (suffix: string) => defaults.find((d) => d.id === `${TENANT}_${suffix}`)!;

  it('are the five Intune creates, with their ids', () => {
    expect(defaults.map((d) => d.id)).toEqual([
      `${TENANT}_DefaultLimit`,
      `${TENANT}_DefaultPlatformRestrictions`,
      `${TENANT}_DefaultWindowsHelloForBusiness`,
      `${TENANT}_DefaultWindows10EnrollmentCompletionPageConfiguration`,
      `${TENANT}_WindowsRestore`,
    ]);
  });

  it('have priority 0, version 0, the unset createdDateTime, no scope tags and the shared display name', () => {
    for (const d of defaults) {
      expect(d).toMatchObject({ priority: 0, version: 0, createdDateTime: DEFAULT_CREATED_DATE_TIME, roleScopeTagIds: [] });
      expect(d.displayName).toBe('All users and all devices');
      expect(d.lastModifiedDateTime).toBe('2026-01-01T00:00:00.0000000Z');
    }
  });

  it('answer the plain kind in deviceEnrollmentConfigurationType, as the tenant export shows', () => {
    expect(defaults.map((d) => d.deviceEnrollmentConfigurationType)).toEqual([
      'limit',
      'platformRestrictions',
      'windowsHelloForBusiness',
      'windows10EnrollmentCompletionPageConfiguration',
      'windowsRestore',
    ]);
  });

  it("carry the export's values", () => {
    expect(byId('DefaultLimit').limit).toBe(5);
    expect(byId('DefaultPlatformRestrictions').windowsMobileRestriction).toMatchObject({ platformBlocked: true, osMinimumVersion: '' });
    expect(byId('DefaultPlatformRestrictions').macOSRestriction).toMatchObject({ platformBlocked: false, osMinimumVersion: null });
    expect(byId('DefaultWindowsHelloForBusiness')).toMatchObject({
      pinMinimumLength: 6,
      pinMaximumLength: 127,
      pinUppercaseCharactersUsage: 'disallowed',
      unlockWithBiometricsEnabled: true,
      remotePassportEnabled: true,
      enhancedSignInSecurity: 0,
    });
    expect(byId('DefaultWindows10EnrollmentCompletionPageConfiguration')).toMatchObject({
      blockDeviceSetupRetryByUser: true,
      customErrorMessage: '',
      installProgressTimeoutInMinutes: 0,
    });
    expect(byId('WindowsRestore').state).toBe('notConfigured');
  });

  it('answer in the output schema of each version that has their type', () => {
    for (const d of defaults) {
      expect(configurationSchemasFor('beta').resource.safeParse(representation(d, 'beta')).success).toBe(true);
      const v1 = representation(d, 'v1.0');
      if (v1) expect(configurationSchemasFor('v1.0').resource.safeParse(v1).success).toBe(true);
    }
    expect(defaults.filter((d) => representation(d, 'v1.0')).length).toBe(4);
  });

  it('are each in a kind of their own order, outside it at 0', () => {
    expect(new Set(defaults.map((d) => priorityKind(d))).size).toBe(5);
  });

  it('are the same for the same tenant, whoever makes them (so a race writes the same rows)', () => {
    expect(defaultConfigurations(TENANT, NOW)).toEqual(defaults);
  });
});

describe('what a default refuses', () => {
  it('knows the defaults by exact id, not by suffix', () => {
    expect(isDefaultConfiguration(TENANT, `${TENANT}_DefaultLimit`)).toBe(true);
    expect(isDefaultConfiguration(TENANT, `${TENANT}_WindowsRestore`)).toBe(true);
    expect(isDefaultConfiguration(TENANT, '4998ae20-fa77-4f5c-9f7f-a5956b42dd6c_WindowsRestore')).toBe(false);
    expect(isDefaultConfiguration('other-tenant', `${TENANT}_DefaultLimit`)).toBe(false);
  });

  it.each(['delete', 'setPriority', 'assign'] as const)('%s is a 400 BadRequest that names the configuration', (operation) => {
    const e = refusalFor(TENANT, `${TENANT}_DefaultLimit`, operation)!;
    expect([e.status, e.code]).toEqual([400, 'BadRequest']);
    expect(e.message).toContain(`'${TENANT}_DefaultLimit' is a default configuration`);
    expect(e.message).toBe(defaultRefusal(operation, `${TENANT}_DefaultLimit`).message);
  });

  it('nothing is refused on a configuration the tenant created', () => {
    expect(refusalFor(TENANT, 'abc_Limit', 'delete')).toBeUndefined();
  });
});
