/**
 * The one description of what each Graph version serves: entity types, complex types (with base
 * types and abstractness), enums, navigation and the container. The zod schemas the handlers validate
 * with (schema.ts), the OpenAPI document (openapi.ts) and the $metadata CSDL (metadata.ts) are all
 * derived from it, so they cannot disagree.
 *
 * Sources: msgraph-metadata `schemas/v1.0-Prod.csdl` and `schemas/beta-Prod.csdl` (see
 * docs/graph-versions.md for what was read where). This is a subset: only the types, properties and
 * navigation this API serves or names in an @odata.context.
 */

export const VERSIONS = ['beta', 'v1.0'] as const;
export type GraphVersion = (typeof VERSIONS)[number];

export interface PropertyModel {
  name: string;
  /** An Edm primitive (`Edm.String`) or a type in this model (`graph.x`). */
  type: string;
  /** As the CSDL says: a property without `Nullable="false"` may be null. */
  nullable: boolean;
  /**
   * Required in a create body although the CSDL lets it be null: the documentation's create table
   * lists it, so leaving it out is a 400 (null is still accepted where nullable). Not part of CSDL.
   */
  requiredOnCreate?: boolean;
}

export interface NavigationModel {
  name: string;
  type: string;
  containsTarget?: boolean;
}

export interface StructuredTypeModel {
  name: string;
  baseType?: string;
  abstract?: boolean;
  openType?: boolean;
  properties: PropertyModel[];
  navigation?: NavigationModel[];
  /** Entity types at the root of a hierarchy declare their key. */
  key?: string[];
}

export interface EnumModel {
  name: string;
  members: { name: string; value: number }[];
}

export interface ActionModel {
  name: string;
  bindingType: string;
  parameters: { name: string; type: string; nullable?: boolean }[];
}

export interface VersionModel {
  version: GraphVersion;
  enums: EnumModel[];
  complexTypes: StructuredTypeModel[];
  entityTypes: StructuredTypeModel[];
  actions: ActionModel[];
  container: { name: string; entitySets: { name: string; type: string }[]; singletons: { name: string; type: string }[] };
  /**
   * Abstract types a body may still name. Beta's documentation page (the contract this mock implements)
   * creates an assignment whose target is the abstract base type, so beta accepts it; v1.0 has no such
   * page and refuses it, as the CSDL's Abstract="true" says.
   */
  acceptedAbstractTypes: string[];
}

export const NAMESPACE = 'microsoft.graph';
export const ASSIGNMENT_TYPE_NAME = 'enrollmentConfigurationAssignment';
export const TARGET_BASE_TYPE = 'deviceAndAppManagementAssignmentTarget';

const str = (name: string, extra: Partial<PropertyModel> = {}): PropertyModel => ({ name, type: 'Edm.String', nullable: true, ...extra });

/** Entity types both versions declare the same way (the subset this API needs). */
function sharedEntityTypes(userNavigation: NavigationModel[]): StructuredTypeModel[] {
  return [
    { name: 'entity', abstract: true, key: ['id'], properties: [{ name: 'id', type: 'Edm.String', nullable: false }] },
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

const container = (entitySets: { name: string; type: string }[]) => ({
  name: 'GraphService',
  entitySets,
  singletons: [{ name: 'deviceManagement', type: 'graph.deviceManagement' }],
});

const BETA: VersionModel = {
  version: 'beta',
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
  container: container([{ name: 'invitations', type: 'graph.invitation' }]),
  acceptedAbstractTypes: [TARGET_BASE_TYPE],
};

const V1: VersionModel = {
  version: 'v1.0',
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
  container: container([{ name: 'invitations', type: 'graph.invitation' }]),
  acceptedAbstractTypes: [],
};

export const MODELS: Record<GraphVersion, VersionModel> = { beta: BETA, 'v1.0': V1 };

export function modelOf(version: GraphVersion): VersionModel {
  return MODELS[version];
}

const local = (qualified: string) => qualified.replace(/^graph\./, '');

export function findType(model: VersionModel, name: string): StructuredTypeModel | undefined {
  const n = local(name);
  return model.entityTypes.find((t) => t.name === n) ?? model.complexTypes.find((t) => t.name === n);
}

export function findEnum(model: VersionModel, name: string): EnumModel | undefined {
  return model.enums.find((e) => e.name === local(name));
}

/** A type's properties with its base types' first, as a client sees them. */
export function allProperties(model: VersionModel, type: StructuredTypeModel): PropertyModel[] {
  const base = type.baseType ? findType(model, type.baseType) : undefined;
  return [...(base ? allProperties(model, base) : []), ...type.properties];
}

/** Whether `type` is `ancestor` or derives from it. */
export function derivesFrom(model: VersionModel, type: StructuredTypeModel, ancestor: string): boolean {
  if (type.name === local(ancestor)) return true;
  const base = type.baseType ? findType(model, type.baseType) : undefined;
  return base ? derivesFrom(model, base, ancestor) : false;
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
