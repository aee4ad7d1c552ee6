import { allProperties, derivesFrom, findEnum, findType, NAMESPACE, type GraphVersion, type StructuredTypeModel } from '../graph/model';
import { CONFIGURATION_BASE_TYPE, configurationModel, type ConfigurationEnumModel, type ConfigurationPropertyModel } from './model';

/** Look-ups over the merged model that validation, responses and queries share. */

/** `#microsoft.graph.x`, `microsoft.graph.x` or `x` → `x`. */
export function localTypeName(odataType: string): string {
  return odataType.replace(/^#/, '').replace(new RegExp(`^${NAMESPACE.replace('.', '\\.')}\\.`), '');
}

export const qualified = (name: string) => `${NAMESPACE}.${name}`;
export const hashed = (name: string) => `#${NAMESPACE}.${name}`;

/** The configuration types a version can create: the concrete ones under the abstract base. */
export function concreteTypes(version: GraphVersion): StructuredTypeModel[] {
  const model = configurationModel(version);
  return model.entityTypes.filter((t) => !t.abstract && derivesFrom(model, t, CONFIGURATION_BASE_TYPE));
}

/** Any configuration type of the version, the abstract base included (for casts and isof). */
export function configurationType(version: GraphVersion, name: string): StructuredTypeModel | undefined {
  const model = configurationModel(version);
  const type = model.entityTypes.find((t) => t.name === localTypeName(name));
  return type && derivesFrom(model, type, CONFIGURATION_BASE_TYPE) ? type : undefined;
}

/** Every property of a type, its base's first, in the order Graph answers with them. */
export function propertiesOf(version: GraphVersion, type: StructuredTypeModel): ConfigurationPropertyModel[] {
  return allProperties(configurationModel(version), type).filter((p) => p.name !== 'id');
}

export function complexType(version: GraphVersion, type: string): StructuredTypeModel | undefined {
  const model = configurationModel(version);
  const name = type.replace(/^graph\./, '');
  return model.complexTypes.find((t) => t.name === name);
}

export function enumType(version: GraphVersion, type: string): ConfigurationEnumModel | undefined {
  return findEnum(configurationModel(version), type);
}

/** Whether `type` is `ancestor` or derives from it, both by local name. */
export function isOfType(version: GraphVersion, type: string, ancestor: string): boolean {
  const model = configurationModel(version);
  const t = findType(model, localTypeName(type));
  return t !== undefined && derivesFrom(model, t, localTypeName(ancestor));
}
