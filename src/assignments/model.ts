import {
  assembleModel,
  derivesFrom,
  findType,
  type ActionModel,
  type GraphVersion,
  type ModelContribution,
  type NavigationModel,
  type PropertyModel,
  type StructuredTypeModel,
  type VersionModel,
} from '../graph/model';

/**
 * The assignments' part of each Graph version's model (the format: src/graph/model.ts): the
 * assignment, its targets and enums, the assign action, and the types on the two paths to it
 * (an invitation's invited user, and Intune's deviceManagement singleton).
 *
 * Sources: msgraph-metadata `schemas/v1.0-Prod.csdl` and `schemas/beta-Prod.csdl` (see
 * docs/graph-versions.md for what was read where). This is a subset: only the types, properties and
 * navigation this API serves or names in an @odata.context.
 */

export const ASSIGNMENT_TYPE_NAME = 'enrollmentConfigurationAssignment';
export const TARGET_BASE_TYPE = 'deviceAndAppManagementAssignmentTarget';

const str = (name: string, extra: Partial<PropertyModel> = {}): PropertyModel => ({ name, type: 'Edm.String', nullable: true, ...extra });

/** Entity types both versions declare the same way (the subset this API needs). */
function sharedEntityTypes(userNavigation: NavigationModel[]): StructuredTypeModel[] {
  return [
    {
      name: 'directoryObject',
      baseType: 'graph.entity',
      openType: true,
      properties: [{ name: 'deletedDateTime', type: 'Edm.DateTimeOffset', nullable: true }],
    },
    {
      name: 'user',
      baseType: 'graph.directoryObject',
      openType: true,
      properties: [str('displayName'), str('userPrincipalName')],
      navigation: userNavigation,
    },
    {
      name: 'invitation',
      baseType: 'graph.entity',
      properties: [str('invitedUserEmailAddress', { nullable: false }), str('inviteRedeemUrl'), str('status')],
      navigation: [{ name: 'invitedUser', type: 'graph.user' }],
    },
    {
      name: 'deviceManagement',
      baseType: 'graph.entity',
      properties: [],
      navigation: [
        { name: 'deviceEnrollmentConfigurations', type: 'Collection(graph.deviceEnrollmentConfiguration)', containsTarget: true },
      ],
    },
    {
      name: 'deviceEnrollmentConfiguration',
      baseType: 'graph.entity',
      abstract: true,
      properties: [
        { name: 'createdDateTime', type: 'Edm.DateTimeOffset', nullable: false },
        str('description'),
        str('displayName'),
        { name: 'lastModifiedDateTime', type: 'Edm.DateTimeOffset', nullable: false },
        { name: 'priority', type: 'Edm.Int32', nullable: false },
        { name: 'version', type: 'Edm.Int32', nullable: false },
      ],
      navigation: [{ name: 'assignments', type: `Collection(graph.${ASSIGNMENT_TYPE_NAME})`, containsTarget: true }],
    },
  ];
}

/** The target types, with the base type's own properties given per version. */
function targetTypes(baseProperties: PropertyModel[]): StructuredTypeModel[] {
  const base = `graph.${TARGET_BASE_TYPE}`;
  return [
    { name: TARGET_BASE_TYPE, abstract: true, properties: baseProperties },
    { name: 'allDevicesAssignmentTarget', baseType: base, properties: [] },
    { name: 'allLicensedUsersAssignmentTarget', baseType: base, properties: [] },
    { name: 'groupAssignmentTarget', baseType: base, properties: [str('groupId', { requiredOnCreate: true })] },
    { name: 'exclusionGroupAssignmentTarget', baseType: 'graph.groupAssignmentTarget', properties: [] },
    {
      name: 'configurationManagerCollectionAssignmentTarget',
      baseType: base,
      properties: [str('collectionId', { requiredOnCreate: true })],
    },
  ];
}

const assignAction: ActionModel = {
  name: 'assign',
  bindingType: 'graph.deviceEnrollmentConfiguration',
  parameters: [{ name: 'enrollmentConfigurationAssignments', type: `Collection(graph.${ASSIGNMENT_TYPE_NAME})` }],
};

const container = {
  entitySets: [{ name: 'invitations', type: 'graph.invitation' }],
  singletons: [{ name: 'deviceManagement', type: 'graph.deviceManagement' }],
};

const BETA: ModelContribution = {
  enums: [
    {
      name: 'deviceAndAppManagementAssignmentFilterType',
      members: [
        { name: 'none', value: 0 },
        { name: 'include', value: 1 },
        { name: 'exclude', value: 2 },
      ],
    },
    {
      name: 'deviceAndAppManagementAssignmentSource',
      members: [
        { name: 'direct', value: 0 },
        { name: 'policySets', value: 1 },
      ],
    },
  ],
  complexTypes: targetTypes([
    str('deviceAndAppManagementAssignmentFilterId'),
    { name: 'deviceAndAppManagementAssignmentFilterType', type: 'graph.deviceAndAppManagementAssignmentFilterType', nullable: false },
  ]),
  entityTypes: [
    // Beta's user navigates to the configurations, which gives the original document its path.
    ...sharedEntityTypes([{ name: 'deviceEnrollmentConfigurations', type: 'Collection(graph.deviceEnrollmentConfiguration)' }]),
    {
      name: ASSIGNMENT_TYPE_NAME,
      baseType: 'graph.entity',
      properties: [
        { name: 'target', type: `graph.${TARGET_BASE_TYPE}`, nullable: true, requiredOnCreate: true },
        { name: 'source', type: 'graph.deviceAndAppManagementAssignmentSource', nullable: false },
        str('sourceId'),
      ],
    },
  ],
  actions: [assignAction],
  ...container,
  acceptedAbstractTypes: [TARGET_BASE_TYPE],
};

const V1: ModelContribution = {
  enums: [],
  // v1.0's abstract target declares no properties: no assignment filters.
  complexTypes: targetTypes([]),
  entityTypes: [
    // v1.0's user has no deviceEnrollmentConfigurations navigation, so the invitation path does not exist there.
    ...sharedEntityTypes([]),
    {
      name: ASSIGNMENT_TYPE_NAME,
      baseType: 'graph.entity',
      properties: [{ name: 'target', type: `graph.${TARGET_BASE_TYPE}`, nullable: true, requiredOnCreate: true }],
    },
  ],
  actions: [assignAction],
  ...container,
  acceptedAbstractTypes: [],
};

/** What the assignments add to each version's model. */
export const ASSIGNMENTS_MODEL: Record<GraphVersion, ModelContribution> = { beta: BETA, 'v1.0': V1 };

const OWN_MODELS: Record<GraphVersion, VersionModel> = {
  beta: assembleModel('beta', [BETA]),
  'v1.0': assembleModel('v1.0', [V1]),
};

/** The assignments' types on their own, for their schemas: another resource's types never reach them. */
export function modelOf(version: GraphVersion): VersionModel {
  return OWN_MODELS[version];
}

/** The target types a body may name in this version: the concrete ones, and any abstract one accepted anyway. */
export function targetTypesOf(model: VersionModel): StructuredTypeModel[] {
  return model.complexTypes.filter(
    (t) => derivesFrom(model, t, TARGET_BASE_TYPE) && (!t.abstract || model.acceptedAbstractTypes.includes(t.name)),
  );
}

/** The assignment's own properties (not id) in this version. */
export function assignmentProperties(model: VersionModel): PropertyModel[] {
  return findType(model, ASSIGNMENT_TYPE_NAME)!.properties;
}

/** Properties of the base target type in this version (beta: the filter fields; v1.0: none). */
export function targetBaseProperties(model: VersionModel): PropertyModel[] {
  return findType(model, TARGET_BASE_TYPE)!.properties;
}
