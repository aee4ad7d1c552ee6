import { GraphError } from '../graph/errors';
import { factsOf, graphTimestamp, openRestriction, typeDefaults, type StoredConfiguration } from './entity';
import { hashed } from './types';

/**
 * The configurations Intune gives every tenant, as a tenant export shows them: one per kind that has
 * a default, id `{tenantId}_<Name>`, priority 0 (outside every priority order: a default applies when
 * no assigned configuration does), version 0, createdDateTime `0001-01-01T00:00:00Z` (.NET's
 * DateTime.MinValue: Intune never set it), "All users and all devices", no scope tags.
 */

export const DEFAULT_CREATED_DATE_TIME = '0001-01-01T00:00:00Z';
export const DEFAULT_DISPLAY_NAME = 'All users and all devices';

interface DefaultSpec {
  /** What follows `{tenantId}_` in the id. */
  name: string;
  typeName: string;
  description: string;
  /** Where the default differs from what a create would get. */
  values: Record<string, unknown>;
}

/** A platform that a default restriction leaves open, with the empty version strings the export shows for the older platforms. */
const withEmptyVersions = (extra: Record<string, unknown> = {}) => ({
  ...openRestriction(),
  osMinimumVersion: '',
  osMaximumVersion: '',
  ...extra,
});

export const DEFAULT_SPECS: readonly DefaultSpec[] = [
  {
    name: 'DefaultLimit',
    typeName: 'deviceEnrollmentLimitConfiguration',
    description:
      'This is the default Device Limit Restriction applied with the lowest priority to all users regardless of group membership.',
    values: { limit: 5 },
  },
  {
    name: 'DefaultPlatformRestrictions',
    typeName: 'deviceEnrollmentPlatformRestrictionsConfiguration',
    description:
      'This is the default Device Type Restriction applied with the lowest priority to all users regardless of group membership.',
    values: {
      iosRestriction: withEmptyVersions(),
      windowsRestriction: withEmptyVersions(),
      // Windows Mobile is retired: Intune blocks it and will not unblock it.
      windowsMobileRestriction: withEmptyVersions({ platformBlocked: true }),
      androidRestriction: withEmptyVersions(),
      androidForWorkRestriction: withEmptyVersions(),
    },
  },
  {
    name: 'DefaultWindowsHelloForBusiness',
    typeName: 'deviceEnrollmentWindowsHelloForBusinessConfiguration',
    description:
      'This is the default Windows Hello for Business configuration applied with the lowest priority to all users regardless of group membership.',
    values: {},
  },
  {
    name: 'DefaultWindows10EnrollmentCompletionPageConfiguration',
    typeName: 'windows10EnrollmentCompletionPageConfiguration',
    description:
      'This is the default enrollment status screen configuration applied with the lowest priority to all users and all devices regardless of group membership.',
    values: { blockDeviceSetupRetryByUser: true, customErrorMessage: '', installProgressTimeoutInMinutes: 0 },
  },
  {
    name: 'WindowsRestore',
    typeName: 'windowsRestoreDeviceEnrollmentConfiguration',
    description:
      'This is the default Windows Restore configuration applied with the lowest priority to all users and all devices regardless of group membership.',
    values: {},
  },
];

export function defaultConfigurationId(tenantId: string, spec: DefaultSpec): string {
  return `${tenantId}_${spec.name}`;
}

/** The tenant's defaults, as created at `now` (their lastModifiedDateTime; createdDateTime stays unset, as Intune's). */
export function defaultConfigurations(tenantId: string, now: Date): StoredConfiguration[] {
  return DEFAULT_SPECS.map((spec) => ({
    '@odata.type': hashed(spec.typeName),
    id: defaultConfigurationId(tenantId, spec),
    ...typeDefaults(spec.typeName),
    displayName: DEFAULT_DISPLAY_NAME,
    description: spec.description,
    roleScopeTagIds: [],
    ...spec.values,
    priority: 0,
    createdDateTime: DEFAULT_CREATED_DATE_TIME,
    lastModifiedDateTime: graphTimestamp(now),
    version: 0,
    deviceEnrollmentConfigurationType: factsOf(spec.typeName).configurationType,
  }));
}

/** Whether `id` is one of the tenant's defaults (an exact id: a created windowsRestore is `<guid>_WindowsRestore`). */
export function isDefaultConfiguration(tenantId: string, id: string): boolean {
  return DEFAULT_SPECS.some((spec) => defaultConfigurationId(tenantId, spec) === id);
}

/** What a default refuses. A PATCH is allowed: Intune documents the defaults as editable ("You can change the options for the defaults"). */
export type DefaultRefusedOperation = 'delete' | 'setPriority' | 'assign';

/**
 * Graph's answer when an operation is refused on a default. Intune sends these as 400 BadRequest with
 * its generic "An error has occurred" text; the mock keeps the status and code and says why.
 */
export function defaultRefusal(operation: DefaultRefusedOperation, id: string): GraphError {
  const message = {
    delete: `The configuration '${id}' is a default configuration and cannot be deleted.`,
    setPriority: `The configuration '${id}' is a default configuration: its priority is always 0 and cannot be changed.`,
    assign: `The configuration '${id}' is a default configuration: it applies to all users and all devices and cannot be assigned.`,
  }[operation];
  return new GraphError(400, 'BadRequest', message);
}

/** The refusal for `operation` on `id` in `tenantId`, if it is a default that refuses it. */
export function refusalFor(tenantId: string, id: string, operation: DefaultRefusedOperation): GraphError | undefined {
  return isDefaultConfiguration(tenantId, id) ? defaultRefusal(operation, id) : undefined;
}
