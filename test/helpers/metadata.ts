import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Reads a CSDL document the way a client does, to check that what the API writes resolves in it:
 * the container's singletons and entity sets, then navigation from type to type.
 */

interface Csdl {
  types: Map<
    string,
    {
      kind: 'EntityType' | 'ComplexType' | 'EnumType';
      baseType?: string;
      abstract: boolean;
      properties: Map<string, { type: string; nullable: boolean }>;
      navigation: Map<string, string>;
      /** An enum's members and values, and whether it is a flags enum (IsFlags). */
      members: Map<string, number>;
      flags: boolean;
    }
  >;
  roots: Map<string, string>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function parseCsdl(xml: string): Csdl {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid)}`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  const schema = doc['edmx:Edmx']['edmx:DataServices'].Schema;
  if (schema.Namespace !== 'microsoft.graph') throw new Error(`namespace ${schema.Namespace}`);
  const types: Csdl['types'] = new Map();
  for (const kind of ['EntityType', 'ComplexType', 'EnumType'] as const) {
    for (const t of list<any>(schema[kind])) {
      types.set(t.Name, {
        kind,
        baseType: t.BaseType?.replace(/^graph\./, ''),
        abstract: t.Abstract === 'true',
        properties: new Map(list<any>(t.Property).map((p) => [p.Name, { type: p.Type, nullable: p.Nullable !== 'false' }])),
        navigation: new Map(list<any>(t.NavigationProperty).map((n) => [n.Name, n.Type])),
        members: new Map(list<any>(t.Member).map((m) => [m.Name, Number(m.Value)])),
        flags: t.IsFlags === 'true',
      });
    }
  }
  const container = schema.EntityContainer;
  const roots = new Map<string, string>([
    ...list<any>(container.EntitySet).map((s) => [s.Name, `Collection(${s.EntityType})`] as [string, string]),
    ...list<any>(container.Singleton).map((s) => [s.Name, s.Type] as [string, string]),
  ]);
  return { types, roots };
}

function derivesFrom(csdl: Csdl, typeName: string, ancestor: string): boolean {
  for (let t: string | undefined = typeName; t; t = csdl.types.get(t)?.baseType) if (t === ancestor) return true;
  return false;
}

const bare = (type: string) => type.replace(/^Collection\((.*)\)$/, '$1').replace(/^graph\./, '');

function navigationOf(csdl: Csdl, typeName: string, name: string): string | undefined {
  for (let t = csdl.types.get(typeName); t; t = t.baseType ? csdl.types.get(t.baseType) : undefined) {
    const found = t.navigation.get(name);
    if (found) return found;
  }
  return undefined;
}

/**
 * The entity type an @odata.context URL's fragment names, or throws saying where it stops resolving.
 * `deviceManagement/deviceEnrollmentConfigurations('c')/assignments(target)/$entity` → enrollmentConfigurationAssignment.
 */
export function resolveContext(csdl: Csdl, context: string): string {
  const fragment = decodeURIComponent(context.slice(context.indexOf('#') + 1));
  const segments = fragment.split('/').filter((s) => s !== '$entity');
  let type: string | undefined;
  for (const [i, raw] of segments.entries()) {
    const name = raw.replace(/\(.*\)$/, '');
    // A type-cast segment (`microsoft.graph.x`) narrows to a type that derives from the one reached so far.
    const cast = /^microsoft\.graph\.(\w+)$/.exec(name)?.[1];
    if (cast !== undefined && i > 0 && derivesFrom(csdl, cast, type!)) {
      type = cast;
      continue;
    }
    const next = i === 0 ? csdl.roots.get(name) : navigationOf(csdl, type!, name);
    if (!next) throw new Error(`'${name}' does not resolve in ${context}`);
    type = bare(next);
  }
  if (!type || !csdl.types.has(type)) throw new Error(`no type for ${context}`);
  return type;
}

export function hasType(csdl: Csdl, odataType: string): boolean {
  return csdl.types.has(odataType.replace(/^#?microsoft\.graph\./, ''));
}
