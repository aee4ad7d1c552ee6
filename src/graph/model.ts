/**
 * The format in which a resource describes what it serves in each Graph version: entity types,
 * complex types (with base types and abstractness), enums, actions, navigation and the container.
 * Each resource contributes its part (src/<resource>/model.ts) and assembleModel puts the parts of
 * one version together; the zod schemas, the OpenAPI document and the $metadata CSDL are all derived
 * from the result, so they cannot disagree.
 *
 * Sources for every resource: msgraph-metadata `schemas/v1.0-Prod.csdl` and `schemas/beta-Prod.csdl`.
 */

export const VERSIONS = ['beta', 'v1.0'] as const;
export type GraphVersion = (typeof VERSIONS)[number];

export const NAMESPACE = 'microsoft.graph';

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
  /** CSDL's IsFlags: a value is member names joined by commas ("includeCompanyLogo,includeCompanyName"). */
  flags?: boolean;
}

export interface ActionModel {
  name: string;
  bindingType: string;
  parameters: { name: string; type: string; nullable?: boolean }[];
}

export interface EntitySetModel {
  name: string;
  type: string;
}

export interface VersionModel {
  version: GraphVersion;
  enums: EnumModel[];
  complexTypes: StructuredTypeModel[];
  entityTypes: StructuredTypeModel[];
  actions: ActionModel[];
  container: { name: string; entitySets: EntitySetModel[]; singletons: EntitySetModel[] };
  /**
   * Abstract types a body may still name. Beta's documentation page for assignments (the contract this
   * mock implements) creates an assignment whose target is the abstract base type, so beta accepts it;
   * v1.0 has no such page and refuses it, as the CSDL's Abstract="true" says.
   */
  acceptedAbstractTypes: string[];
}

/**
 * One resource's part of a version's model. A type that two resources need (`deviceManagement`, which
 * each extends with its own navigation) may be declared by both: the declarations are merged, and
 * must agree where they overlap.
 */
export interface ModelContribution {
  enums?: EnumModel[];
  complexTypes?: StructuredTypeModel[];
  entityTypes?: StructuredTypeModel[];
  actions?: ActionModel[];
  entitySets?: EntitySetModel[];
  singletons?: EntitySetModel[];
  acceptedAbstractTypes?: string[];
}

/** Every entity's base type: the key `id`. */
export const ENTITY_TYPE: StructuredTypeModel = {
  name: 'entity',
  abstract: true,
  key: ['id'],
  properties: [{ name: 'id', type: 'Edm.String', nullable: false }],
};

const CONTAINER_NAME = 'GraphService';

class ModelConflict extends Error {
  override name = 'ModelConflict';
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Items by name, in first-declared order; a second declaration is merged in, or refused if it disagrees. */
function merged<T>(lists: T[][], keyOf: (item: T) => string, merge: (a: T, b: T) => T): T[] {
  const out = new Map<string, T>();
  for (const list of lists) {
    for (const item of list) {
      const known = out.get(keyOf(item));
      out.set(keyOf(item), known === undefined ? item : merge(known, item));
    }
  }
  return [...out.values()];
}

const byName = <T extends { name: string }>(lists: T[][], merge: (a: T, b: T) => T): T[] => merged(lists, (item) => item.name, merge);

function identical<T extends { name: string }>(what: string) {
  return (a: T, b: T): T => {
    if (!same(a, b)) throw new ModelConflict(`model: the ${what} '${a.name}' is declared twice, differently`);
    return a;
  };
}

function mergeTypes(a: StructuredTypeModel, b: StructuredTypeModel): StructuredTypeModel {
  for (const k of ['baseType', 'abstract', 'openType', 'key'] as const) {
    if (a[k] !== undefined && b[k] !== undefined && !same(a[k], b[k])) {
      throw new ModelConflict(`model: the type '${a.name}' is declared twice with a different ${k}`);
    }
  }
  return {
    ...b,
    ...a,
    properties: byName([a.properties, b.properties], identical(`property of ${a.name}`)),
    navigation: byName([a.navigation ?? [], b.navigation ?? []], identical(`navigation of ${a.name}`)),
  };
}

/** One version's model: the resources' contributions merged, with the base `entity` type every model has. */
export function assembleModel(version: GraphVersion, contributions: readonly ModelContribution[]): VersionModel {
  const all = <K extends keyof ModelContribution>(k: K) => contributions.map((c) => (c[k] ?? []) as NonNullable<ModelContribution[K]>);
  return {
    version,
    enums: byName(all('enums'), identical('enum')),
    entityTypes: byName([[ENTITY_TYPE], ...all('entityTypes')], mergeTypes),
    complexTypes: byName(all('complexTypes'), mergeTypes),
    actions: merged(all('actions'), (a) => `${a.bindingType} ${a.name}`, identical('action')),
    container: {
      name: CONTAINER_NAME,
      entitySets: byName(all('entitySets'), identical('entity set')),
      singletons: byName(all('singletons'), identical('singleton')),
    },
    acceptedAbstractTypes: [...new Set(all('acceptedAbstractTypes').flat())],
  };
}

/** Every version's model, from each resource's contributions per version. */
export function assembleVersions(parts: readonly Record<GraphVersion, ModelContribution>[]): Record<GraphVersion, VersionModel> {
  return {
    beta: assembleModel(
      'beta',
      parts.map((p) => p.beta),
    ),
    'v1.0': assembleModel(
      'v1.0',
      parts.map((p) => p['v1.0']),
    ),
  };
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
