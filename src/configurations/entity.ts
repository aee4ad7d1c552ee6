import { v4 as uuidv4 } from 'uuid';
import type { GraphVersion } from '../graph/model';
import { badRequest } from '../graph/errors';
import { PLATFORM_RESTRICTIONS, type ConfigurationPropertyModel } from './model';
import { invariantError, type ParsedBody } from './schema';
import { complexType, configurationType, hashed, localTypeName, propertiesOf } from './types';

/**
 * A configuration's server-set values and its representation, as pure functions: the id Intune gives
 * each type, the timestamps and version, the values a create leaves out, and what each Graph version
 * shows of a stored configuration. A configuration is stored in beta's shape (the superset); a v1.0
 * write stores beta's defaults for what v1.0 cannot send, and a v1.0 read leaves them out.
 */

export interface StoredConfiguration {
  '@odata.type': string;
  id: string;
  priority: number;
  version: number;
  createdDateTime: string;
  lastModifiedDateTime: string;
  [property: string]: unknown;
}

interface TypeFacts {
  /** deviceEnrollmentConfigurationType as Intune answers it for this type (defaults included, per tenant exports). */
  configurationType: string;
  /** What Intune appends to the GUID of a configuration it creates. */
  idSuffix: string;
}

/**
 * Suffixes seen in Graph's answers: `_SinglePlatformRestriction` and `_Windows10EnrollmentCompletionPageConfiguration`
 * (tenant responses), `_deviceEnrollmentNotificationConfiguration` (the notification page since 2025). The
 * others follow the defaults' names (`_DefaultLimit` → `_Limit`); docs/configurations.md lists which is which.
 */
export const TYPE_FACTS: Record<string, TypeFacts> = {
  deviceEnrollmentLimitConfiguration: { configurationType: 'limit', idSuffix: 'Limit' },
  deviceEnrollmentPlatformRestrictionsConfiguration: { configurationType: 'platformRestrictions', idSuffix: 'PlatformRestrictions' },
  deviceEnrollmentPlatformRestrictionConfiguration: {
    configurationType: 'singlePlatformRestriction',
    idSuffix: 'SinglePlatformRestriction',
  },
  deviceEnrollmentWindowsHelloForBusinessConfiguration: {
    configurationType: 'windowsHelloForBusiness',
    idSuffix: 'WindowsHelloForBusiness',
  },
  windows10EnrollmentCompletionPageConfiguration: {
    configurationType: 'windows10EnrollmentCompletionPageConfiguration',
    idSuffix: 'Windows10EnrollmentCompletionPageConfiguration',
  },
  deviceComanagementAuthorityConfiguration: {
    configurationType: 'deviceComanagementAuthorityConfiguration',
    idSuffix: 'DeviceComanagementAuthorityConfiguration',
  },
  deviceEnrollmentNotificationConfiguration: {
    configurationType: 'enrollmentNotificationsConfiguration',
    idSuffix: 'deviceEnrollmentNotificationConfiguration',
  },
  windowsRestoreDeviceEnrollmentConfiguration: { configurationType: 'windowsRestore', idSuffix: 'WindowsRestore' },
};

export function factsOf(typeName: string): TypeFacts {
  const facts = TYPE_FACTS[localTypeName(typeName)];
  if (!facts) throw new Error(`configurations: no facts for type ${typeName}`);
  return facts;
}

/** `<guid>_<suffix>`: a new GUID for every create, whatever id the body carried. */
export function newConfigurationId(typeName: string, guid: string = uuidv4()): string {
  return `${guid}_${factsOf(typeName).idSuffix}`;
}

/**
 * Whether a configuration could have this id: every one the mock stores is `<GUID>_<name>` (a create's
 * new GUID or the tenant's id for a default). Any other id names no configuration, with no need to read.
 */
export function isConfigurationIdShape(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_[A-Za-z0-9]+$/i.test(id);
}

/** A created configuration's version; each change adds one. The tenant's defaults start at 0. */
export const FIRST_VERSION = 1;

/** Graph's DateTimeOffset as Intune writes it: UTC with seven fractional digits (JavaScript has three). */
export function graphTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** The neutral restriction: the platform allowed, nothing blocked, no version bounds. */
export function openRestriction(): Record<string, unknown> {
  return {
    platformBlocked: false,
    personalDeviceEnrollmentBlocked: false,
    osMinimumVersion: null,
    osMaximumVersion: null,
    blockedManufacturers: [],
    blockedSkus: [],
  };
}

/**
 * What a create leaves out takes these values. Windows Hello's are the tenant default's (Intune's own
 * choice, and inside the documented ranges); the Enrollment Status Page's are its documentation's
 * ("The default is false", "Default is 60 minutes"); the rest are the types' zero values.
 */
export function typeDefaults(typeName: string): Record<string, unknown> {
  const base = { displayName: null, description: null, roleScopeTagIds: ['0'] };
  switch (localTypeName(typeName)) {
    case 'deviceEnrollmentLimitConfiguration':
      return { ...base, limit: 5 };
    case 'deviceEnrollmentPlatformRestrictionsConfiguration':
      return { ...base, ...Object.fromEntries(PLATFORM_RESTRICTIONS.map((name) => [name, openRestriction()])) };
    case 'deviceEnrollmentPlatformRestrictionConfiguration':
      return { ...base, platformRestriction: openRestriction(), platformType: 'allPlatforms' };
    case 'deviceEnrollmentWindowsHelloForBusinessConfiguration':
      return {
        ...base,
        pinMinimumLength: 6,
        pinMaximumLength: 127,
        pinUppercaseCharactersUsage: 'disallowed',
        pinLowercaseCharactersUsage: 'disallowed',
        pinSpecialCharactersUsage: 'disallowed',
        state: 'notConfigured',
        securityDeviceRequired: false,
        unlockWithBiometricsEnabled: true,
        remotePassportEnabled: true,
        pinPreviousBlockCount: 0,
        pinExpirationInDays: 0,
        enhancedBiometricsState: 'notConfigured',
        securityKeyForSignIn: 'notConfigured',
        enhancedSignInSecurity: 0,
      };
    case 'windows10EnrollmentCompletionPageConfiguration':
      return {
        ...base,
        showInstallationProgress: false,
        blockDeviceSetupRetryByUser: false,
        allowDeviceResetOnInstallFailure: false,
        allowLogCollectionOnInstallFailure: false,
        customErrorMessage: null,
        installProgressTimeoutInMinutes: 60,
        allowDeviceUseOnInstallFailure: false,
        selectedMobileAppIds: [],
        allowNonBlockingAppInstallation: false,
        installQualityUpdates: false,
        trackInstallProgressForAutopilotOnly: false,
        disableUserStatusTrackingAfterFirstUser: false,
      };
    case 'deviceComanagementAuthorityConfiguration':
      return {
        ...base,
        managedDeviceAuthority: 0,
        installConfigurationManagerAgent: false,
        configurationManagerAgentCommandLineArgument: null,
      };
    case 'deviceEnrollmentNotificationConfiguration':
      return {
        ...base,
        platformType: 'allPlatforms',
        templateType: 'email',
        notificationMessageTemplateId: '00000000-0000-0000-0000-000000000000',
        notificationTemplates: [],
        brandingOptions: 'none',
        defaultLocale: null,
      };
    case 'windowsRestoreDeviceEnrollmentConfiguration':
      return { ...base, state: 'notConfigured' };
    default:
      throw new Error(`configurations: no defaults for type ${typeName}`);
  }
}

/** Properties a client cannot set: accepted in a body (clients echo what they read) and ignored. */
const SERVER_SET = new Set(['id', 'priority', 'createdDateTime', 'lastModifiedDateTime', 'version', 'deviceEnrollmentConfigurationType']);

/** Properties that place a configuration in its priority order, so they are fixed once it exists. */
const FIXED_AFTER_CREATE = ['platformType'];

/** A body's values that the client may set, complex values completed with their defaults. */
function settable(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith('@') || SERVER_SET.has(name)) continue;
    out[name] = isPlainObject(value) ? completeRestriction(value) : value;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A restriction as sent, its `@odata.type` dropped and what it left out filled in (the only complex type here). */
function completeRestriction(value: Record<string, unknown>): Record<string, unknown> {
  const completed: Record<string, unknown> = { ...openRestriction(), ...value };
  delete completed['@odata.type'];
  return completed;
}

export interface CreateContext {
  id?: string;
  now: Date;
  /** Where the new configuration goes in its kind's order (priority.ts: last). */
  priority: number;
}

/** A new configuration from a validated create body; a cross-property rule it breaks is a GraphError 400. */
export function createConfiguration(parsed: ParsedBody, context: CreateContext): StoredConfiguration {
  const when = graphTimestamp(context.now);
  const values = settable(parsed.values);
  if (values.roleScopeTagIds === null) delete values.roleScopeTagIds;
  const created: StoredConfiguration = {
    '@odata.type': hashed(parsed.typeName),
    id: context.id ?? newConfigurationId(parsed.typeName),
    ...typeDefaults(parsed.typeName),
    ...values,
    priority: context.priority,
    createdDateTime: when,
    lastModifiedDateTime: when,
    version: FIRST_VERSION,
    deviceEnrollmentConfigurationType: factsOf(parsed.typeName).configurationType,
  };
  const broken = invariantError(created);
  if (broken) throw broken;
  return created;
}

/**
 * A PATCH applied: the values sent replace the stored ones (a restriction is replaced whole, what it
 * leaves out taking its defaults), the server-set ones are ignored, and the version and
 * lastModifiedDateTime move. A change that would move the configuration to another priority order
 * (its platform) is a 400, since Intune fixes it when the configuration is created.
 */
export function patchConfiguration(stored: StoredConfiguration, parsed: ParsedBody, now: Date): StoredConfiguration {
  const values = settable(parsed.values);
  for (const name of FIXED_AFTER_CREATE) {
    if (name in values && name in stored && values[name] !== stored[name]) {
      throw badRequest(
        `The property '${name}' cannot be changed from '${String(stored[name])}' to '${String(values[name])}': it is fixed when the configuration is created.`,
      );
    }
  }
  const patched: StoredConfiguration = { ...stored, ...values, ...changed(stored, now) };
  const broken = invariantError(patched);
  if (broken) throw broken;
  return patched;
}

/** What every change to a configuration moves (an assign too, where the wiring decides so). */
export function changed(stored: StoredConfiguration, now: Date): Pick<StoredConfiguration, 'version' | 'lastModifiedDateTime'> {
  return { version: stored.version + 1, lastModifiedDateTime: graphTimestamp(now) };
}

function viewOf(version: GraphVersion, property: ConfigurationPropertyModel, value: unknown): unknown {
  const complex = complexType(version, property.type);
  if (!complex || !isPlainObject(value)) return value;
  return Object.fromEntries(complex.properties.map((p) => [p.name, value[p.name] ?? null]));
}

/**
 * A stored configuration as a version shows it: `@odata.type`, `id`, then that version's properties of
 * its type in Graph's order. Undefined when the version has no such type (v1.0 has four of the eight):
 * a v1.0 list leaves such a configuration out and a v1.0 read of it is a 404.
 */
export function representation(stored: StoredConfiguration, version: GraphVersion): Record<string, unknown> | undefined {
  const type = configurationType(version, stored['@odata.type']);
  if (!type || type.abstract) return undefined;
  const defaults = typeDefaults(type.name);
  const out: Record<string, unknown> = { '@odata.type': stored['@odata.type'], id: stored.id };
  for (const p of propertiesOf(version, type)) {
    const value = p.name in stored ? stored[p.name] : (defaults[p.name] ?? null);
    out[p.name] = viewOf(version, p, value);
  }
  return out;
}
