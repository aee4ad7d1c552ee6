import {
  type ActionModel,
  type ModelContribution,
  type EnumModel,
  type GraphVersion,
  type NavigationModel,
  type PropertyModel,
  type StructuredTypeModel,
  type VersionModel,
} from '../graph/model';
import { modelOf } from '../assignments/model';

/**
 * The deviceEnrollmentConfiguration family as each Graph version serves it: the abstract base, the
 * concrete types, their complex type, enums and actions. It is a contribution that is merged into a
 * version's model (withContribution), so validation (schema.ts), responses (entity.ts), OpenAPI and
 * $metadata all come from this one description, and a second resource can add its own types beside it.
 *
 * Sources (docs/configurations.md says which one each fact follows): for beta, the 2026 property-name
 * lists of msgraph-metadata decide which properties exist, the 2021 beta CSDL gives types and
 * nullability where it has the property, the documentation pages the rest; for v1.0, the 2026 v1.0 CSDL.
 * Property order is the documentation's, which is the order Graph answers in.
 */

/** A property with the rules Intune documents for its values, beyond what CSDL can say. */
export interface ConfigurationPropertyModel extends PropertyModel {
  /** Inclusive bounds of an Int32. */
  minimum?: number;
  maximum?: number;
  /** Most characters a string may hold. */
  maxLength?: number;
  /** Set by the service: a body may carry it (clients echo what they read), and it is ignored. */
  serverSet?: boolean;
}

/** An enum of this resource; `flags` (CSDL's IsFlags) makes a value member names joined by commas. */
export type ConfigurationEnumModel = EnumModel;

/** What one resource adds to a version's model. */
export interface ResourceContribution {
  enums: ConfigurationEnumModel[];
  complexTypes: StructuredTypeModel[];
  entityTypes: StructuredTypeModel[];
  actions: ActionModel[];
  /** Navigation properties this resource hangs on types that another part of the model declares. */
  navigation: { on: string; property: NavigationModel }[];
}

export const CONFIGURATION_BASE_TYPE = 'deviceEnrollmentConfiguration';
export const PLATFORM_RESTRICTION_TYPE = 'deviceEnrollmentPlatformRestriction';

/** Intune's longest documented string (the Enrollment Status Page's error message) sets the bound for the others. */
export const MAX_TEXT_LENGTH = 10000;
/** Collections of ids, tags and names: far above what Intune holds, far below a storage entity's limit. */
export const MAX_COLLECTION_ITEMS = 500;

type Extra = Partial<ConfigurationPropertyModel>;
const str = (name: string, extra: Extra = {}): ConfigurationPropertyModel => ({ name, type: 'Edm.String', nullable: true, ...extra });
const int = (name: string, extra: Extra = {}): ConfigurationPropertyModel => ({ name, type: 'Edm.Int32', nullable: false, ...extra });
const bool = (name: string): ConfigurationPropertyModel => ({ name, type: 'Edm.Boolean', nullable: false });
const strings = (name: string): ConfigurationPropertyModel => ({ name, type: 'Collection(Edm.String)', nullable: true });
const enumOf = (name: string, type: string, extra: Extra = {}): ConfigurationPropertyModel => ({
  name,
  type: `graph.${type}`,
  nullable: false,
  ...extra,
});
const restriction = (name: string): ConfigurationPropertyModel => ({ name, type: `graph.${PLATFORM_RESTRICTION_TYPE}`, nullable: true });
const members = (...names: [string, number][]) => names.map(([name, value]) => ({ name, value }));

const enablement: ConfigurationEnumModel = {
  name: 'enablement',
  members: members(['notConfigured', 0], ['enabled', 1], ['disabled', 2]),
};
const pinUsage: ConfigurationEnumModel = {
  name: 'windowsHelloForBusinessPinUsage',
  members: members(['allowed', 0], ['required', 1], ['disallowed', 2]),
};

const BETA_ENUMS: ConfigurationEnumModel[] = [
  {
    name: 'deviceEnrollmentConfigurationType',
    members: members(
      ['unknown', 0],
      ['limit', 1],
      ['platformRestrictions', 2],
      ['windowsHelloForBusiness', 3],
      ['defaultLimit', 4],
      ['defaultPlatformRestrictions', 5],
      ['defaultWindowsHelloForBusiness', 6],
      ['defaultWindows10EnrollmentCompletionPageConfiguration', 7],
      ['windows10EnrollmentCompletionPageConfiguration', 8],
      ['deviceComanagementAuthorityConfiguration', 9],
      ['singlePlatformRestriction', 10],
      ['unknownFutureValue', 11],
      ['enrollmentNotificationsConfiguration', 12],
      // Listed after enrollmentNotificationsConfiguration on the 2024 pages; its value is that order's.
      ['windowsRestore', 13],
    ),
  },
  enablement,
  pinUsage,
  {
    // androidAosp (6) is gone from the 2026 names; linux and unknownFutureValue take 8 and 9 after mac's 7.
    name: 'enrollmentRestrictionPlatformType',
    members: members(
      ['allPlatforms', 0],
      ['ios', 1],
      ['windows', 2],
      ['windowsPhone', 3],
      ['android', 4],
      ['androidForWork', 5],
      ['mac', 7],
      ['linux', 8],
      ['unknownFutureValue', 9],
    ),
  },
  {
    name: 'enrollmentNotificationTemplateType',
    members: members(['email', 1], ['push', 2], ['unknownFutureValue', 99]),
  },
  {
    name: 'enrollmentNotificationBrandingOptions',
    flags: true,
    members: members(
      ['none', 0],
      ['includeCompanyLogo', 1],
      ['includeCompanyName', 2],
      ['includeContactInformation', 4],
      ['includeCompanyPortalLink', 8],
      ['includeDeviceDetails', 16],
      ['unknownFutureValue', 32],
    ),
  },
];

/** Properties every configuration has; `extra` are the version's additions after `version`. */
function baseType(extra: ConfigurationPropertyModel[]): StructuredTypeModel {
  return {
    name: CONFIGURATION_BASE_TYPE,
    baseType: 'graph.entity',
    abstract: true,
    properties: [
      str('displayName', { maxLength: MAX_TEXT_LENGTH }),
      str('description', { maxLength: MAX_TEXT_LENGTH }),
      int('priority', { serverSet: true }),
      { name: 'createdDateTime', type: 'Edm.DateTimeOffset', nullable: false, serverSet: true },
      { name: 'lastModifiedDateTime', type: 'Edm.DateTimeOffset', nullable: false, serverSet: true },
      int('version', { serverSet: true }),
      ...extra,
    ],
    navigation: [{ name: 'assignments', type: 'Collection(graph.enrollmentConfigurationAssignment)', containsTarget: true }],
  };
}

const derived = (name: string, properties: ConfigurationPropertyModel[]): StructuredTypeModel => ({
  name,
  baseType: `graph.${CONFIGURATION_BASE_TYPE}`,
  properties,
});

/** Beta's platform restrictions configuration: one restriction per platform. */
export const PLATFORM_RESTRICTIONS = [
  'iosRestriction',
  'windowsRestriction',
  'windowsHomeSkuRestriction',
  'windowsMobileRestriction',
  'androidRestriction',
  'androidForWorkRestriction',
  'macRestriction',
  'macOSRestriction',
  'tvosRestriction',
  'visionOSRestriction',
];
const pinLength = (name: string) => int(name, { minimum: 4, maximum: 127 });
/** Windows Hello for Business as v1.0 has it; beta adds two properties. */
const windowsHelloProperties = () => [
  pinLength('pinMinimumLength'),
  pinLength('pinMaximumLength'),
  enumOf('pinUppercaseCharactersUsage', 'windowsHelloForBusinessPinUsage'),
  enumOf('pinLowercaseCharactersUsage', 'windowsHelloForBusinessPinUsage'),
  enumOf('pinSpecialCharactersUsage', 'windowsHelloForBusinessPinUsage'),
  enumOf('state', 'enablement'),
  bool('securityDeviceRequired'),
  bool('unlockWithBiometricsEnabled'),
  bool('remotePassportEnabled'),
  int('pinPreviousBlockCount', { minimum: 0, maximum: 50 }),
  int('pinExpirationInDays', { minimum: 0, maximum: 730 }),
  enumOf('enhancedBiometricsState', 'enablement'),
];

function betaEntityTypes(): StructuredTypeModel[] {
  return [
    baseType([
      strings('roleScopeTagIds'),
      enumOf('deviceEnrollmentConfigurationType', 'deviceEnrollmentConfigurationType', { serverSet: true }),
    ]),
    derived('deviceEnrollmentLimitConfiguration', [int('limit', { minimum: 1, maximum: 15 })]),
    derived('deviceEnrollmentPlatformRestrictionsConfiguration', PLATFORM_RESTRICTIONS.map(restriction)),
    derived('deviceEnrollmentPlatformRestrictionConfiguration', [
      restriction('platformRestriction'),
      enumOf('platformType', 'enrollmentRestrictionPlatformType', { requiredOnCreate: true }),
    ]),
    derived('deviceEnrollmentWindowsHelloForBusinessConfiguration', [
      ...windowsHelloProperties(),
      enumOf('securityKeyForSignIn', 'enablement'),
      int('enhancedSignInSecurity'),
    ]),
    derived('windows10EnrollmentCompletionPageConfiguration', [
      bool('showInstallationProgress'),
      bool('blockDeviceSetupRetryByUser'),
      bool('allowDeviceResetOnInstallFailure'),
      bool('allowLogCollectionOnInstallFailure'),
      str('customErrorMessage', { maxLength: MAX_TEXT_LENGTH }),
      { name: 'installProgressTimeoutInMinutes', type: 'Edm.Int32', nullable: true, minimum: 0 },
      bool('allowDeviceUseOnInstallFailure'),
      strings('selectedMobileAppIds'),
      bool('allowNonBlockingAppInstallation'),
      bool('installQualityUpdates'),
      bool('trackInstallProgressForAutopilotOnly'),
      bool('disableUserStatusTrackingAfterFirstUser'),
    ]),
    derived('deviceComanagementAuthorityConfiguration', [
      int('managedDeviceAuthority'),
      bool('installConfigurationManagerAgent'),
      str('configurationManagerAgentCommandLineArgument', { maxLength: MAX_TEXT_LENGTH }),
    ]),
    derived('deviceEnrollmentNotificationConfiguration', [
      enumOf('platformType', 'enrollmentRestrictionPlatformType', { requiredOnCreate: true }),
      enumOf('templateType', 'enrollmentNotificationTemplateType', { requiredOnCreate: true }),
      { name: 'notificationMessageTemplateId', type: 'Edm.Guid', nullable: false },
      strings('notificationTemplates'),
      enumOf('brandingOptions', 'enrollmentNotificationBrandingOptions'),
      str('defaultLocale', { maxLength: MAX_TEXT_LENGTH }),
    ]),
    derived('windowsRestoreDeviceEnrollmentConfiguration', [enumOf('state', 'enablement')]),
  ];
}

function platformRestrictionType(version: GraphVersion): StructuredTypeModel {
  const flags = [bool('platformBlocked'), bool('personalDeviceEnrollmentBlocked')];
  const versions = [str('osMinimumVersion', { maxLength: 1024 }), str('osMaximumVersion', { maxLength: 1024 })];
  return {
    name: PLATFORM_RESTRICTION_TYPE,
    properties:
      version === 'beta' ? [...flags, ...versions, strings('blockedManufacturers'), strings('blockedSkus')] : [...flags, ...versions],
  };
}

function v1EntityTypes(): StructuredTypeModel[] {
  return [
    baseType([]),
    derived('deviceEnrollmentLimitConfiguration', [int('limit', { minimum: 1, maximum: 15 })]),
    derived(
      'deviceEnrollmentPlatformRestrictionsConfiguration',
      ['iosRestriction', 'windowsRestriction', 'windowsMobileRestriction', 'androidRestriction', 'macOSRestriction'].map(restriction),
    ),
    derived('deviceEnrollmentWindowsHelloForBusinessConfiguration', windowsHelloProperties()),
    // v1.0's CSDL (and its documentation page) give the Enrollment Status Page this one property of its own.
    derived('windows10EnrollmentCompletionPageConfiguration', [bool('allowNonBlockingAppInstallation')]),
  ];
}

const assignAction: ActionModel = {
  name: 'assign',
  bindingType: `graph.${CONFIGURATION_BASE_TYPE}`,
  parameters: [{ name: 'enrollmentConfigurationAssignments', type: 'Collection(graph.enrollmentConfigurationAssignment)' }],
};
const setPriorityAction: ActionModel = {
  name: 'setPriority',
  bindingType: `graph.${CONFIGURATION_BASE_TYPE}`,
  parameters: [{ name: 'priority', type: 'Edm.Int32', nullable: false }],
};

export function configurationsContribution(version: GraphVersion): ResourceContribution {
  return {
    enums: version === 'beta' ? BETA_ENUMS : [enablement, pinUsage],
    complexTypes: [platformRestrictionType(version)],
    entityTypes: version === 'beta' ? betaEntityTypes() : v1EntityTypes(),
    actions: [assignAction, setPriorityAction],
    navigation: [
      {
        on: 'deviceManagement',
        property: { name: 'deviceEnrollmentConfigurations', type: `Collection(graph.${CONFIGURATION_BASE_TYPE})`, containsTarget: true },
      },
    ],
  };
}

function replaceByName<T extends { name: string }>(existing: T[], added: T[]): T[] {
  const names = new Set(added.map((t) => t.name));
  return [...existing.filter((t) => !names.has(t.name)), ...added];
}

/**
 * A version's model with a resource's contribution merged in: the contribution's types, enums and
 * actions replace any of the same name (the assignments model declares a smaller configuration base
 * of its own), and its navigation is added to the named types where missing.
 */
export function withContribution(model: VersionModel, contribution: ResourceContribution): VersionModel {
  const entityTypes = replaceByName(model.entityTypes, contribution.entityTypes).map((t) => {
    const added = contribution.navigation.filter((n) => n.on === t.name && !(t.navigation ?? []).some((m) => m.name === n.property.name));
    return added.length === 0 ? t : { ...t, navigation: [...(t.navigation ?? []), ...added.map((n) => n.property)] };
  });
  const actionKey = (a: ActionModel) => `${a.name}:${a.bindingType}`;
  const actionKeys = new Set(contribution.actions.map(actionKey));
  return {
    ...model,
    enums: replaceByName(model.enums, contribution.enums),
    complexTypes: replaceByName(model.complexTypes, contribution.complexTypes),
    entityTypes,
    actions: [...model.actions.filter((a) => !actionKeys.has(actionKey(a))), ...contribution.actions],
  };
}

/**
 * A property as CSDL has it: the ranges and the server-set mark are this resource's validation, not
 * Graph's metadata, and another resource that declares the same property (the assignments declare the
 * configuration base for their own paths) declares it without them, which the model merge would refuse.
 */
function csdlProperty({ name, type, nullable, requiredOnCreate }: ConfigurationPropertyModel): PropertyModel {
  return requiredOnCreate === undefined ? { name, type, nullable } : { name, type, nullable, requiredOnCreate };
}

const csdlType = (t: StructuredTypeModel): StructuredTypeModel => ({ ...t, properties: t.properties.map(csdlProperty) });

/**
 * The contribution as the composition root assembles it with the other resources' parts into each
 * version's model, from which $metadata is written: the same types, enums and actions that validation
 * and responses read through configurationModel, with deviceManagement declared with its navigation to
 * the configurations (the assignments declare the same singleton).
 */
export function configurationsModelContribution(version: GraphVersion): ModelContribution {
  const c = configurationsContribution(version);
  const onDeviceManagement = c.navigation.filter((n) => n.on === 'deviceManagement').map((n) => n.property);
  return {
    enums: c.enums,
    complexTypes: c.complexTypes.map(csdlType),
    entityTypes: [
      { name: 'deviceManagement', baseType: 'graph.entity', properties: [], navigation: onDeviceManagement },
      ...c.entityTypes.map(csdlType),
    ],
    actions: c.actions,
    singletons: [{ name: 'deviceManagement', type: 'graph.deviceManagement' }],
  };
}

const MODELS = new Map<GraphVersion, VersionModel>();

/** The version's whole model as this resource sees it: today's model with the configurations merged in. */
export function configurationModel(version: GraphVersion): VersionModel {
  let model = MODELS.get(version);
  if (!model) {
    model = withContribution(modelOf(version), configurationsContribution(version));
    MODELS.set(version, model);
  }
  return model;
}
