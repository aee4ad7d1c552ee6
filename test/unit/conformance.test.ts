import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type GraphVersion, type StructuredTypeModel, type VersionModel } from '../../src/graph/model';
import { modelOf } from '../../src/assignments/model';
import { configurationModel } from '../../src/configurations/model';

/**
 * Every type, property, navigation property, enum member and action the mock serves exists in
 * Microsoft's metadata (../shared/reference/graph) with the same type and nullability, per version.
 *
 * beta: the 2026 type-mapping lists decide which names exist (newest); the 2021 beta CSDL gives types
 * and nullability for what it has; for newer properties the documentation page gives the type and
 * nothing gives nullability. v1.0: the 2026 v1.0 CSDL gives everything. Anything the metadata cannot
 * confirm must be in the exceptions table of docs/configurations.md, which says why, and every row
 * of that table must still be needed. Both the model served today (src/assignments/model.ts) and the
 * one with the configurations merged in are checked.
 */

const REPO = path.resolve(__dirname, '../..');
const REFERENCE = path.resolve(REPO, '../shared/reference/graph');
const read = (file: string) => readFileSync(path.join(REFERENCE, file), 'utf8');

// ---- Microsoft's metadata, read from the reference files ----

interface CsdlProperty {
  type: string;
  nullable: boolean;
}
interface CsdlType {
  baseType?: string;
  abstract: boolean;
  properties: Map<string, CsdlProperty>;
  navigation: Map<string, { type: string; containsTarget: boolean }>;
}
interface Csdl {
  types: Map<string, CsdlType>;
  enums: Map<string, Map<string, number>>;
  actions: Map<string, { bindingType: string; parameters: { name: string; type: string; nullable: boolean }[] }>;
  /** NavigationProperty lines the extract carries outside any type (the containers' navigation). */
  looseNavigation: { name: string; type: string; containsTarget: boolean }[];
}

const attr = (element: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(element)?.[1];

function parseCsdl(xml: string): Csdl {
  const csdl: Csdl = { types: new Map(), enums: new Map(), actions: new Map(), looseNavigation: [] };
  for (const m of xml.matchAll(/<EnumType Name="(\w+)"[^>]*>([\s\S]*?)<\/EnumType>/g)) {
    csdl.enums.set(m[1]!, new Map([...m[2]!.matchAll(/<Member Name="(\w+)" Value="(\d+)"/g)].map((x) => [x[1]!, Number(x[2])])));
  }
  const typeBlock = (head: string, body: string): CsdlType => ({
    baseType: attr(head, 'BaseType'),
    abstract: attr(head, 'Abstract') === 'true',
    properties: new Map(
      [...body.matchAll(/<Property [^>]*\/>/g)].map((p) => [
        attr(p[0], 'Name')!,
        { type: attr(p[0], 'Type')!, nullable: attr(p[0], 'Nullable') !== 'false' },
      ]),
    ),
    navigation: new Map(
      [...body.matchAll(/<NavigationProperty [^>]*\/>/g)].map((n) => [
        attr(n[0], 'Name')!,
        { type: attr(n[0], 'Type')!, containsTarget: attr(n[0], 'ContainsTarget') === 'true' },
      ]),
    ),
  });
  // Blocks with a body first (a head that does not end in '/'), then the empty ones; what is left holds the loose lines.
  let rest = xml.replace(/<(EntityType|ComplexType)\b([^>]*[^/])>([\s\S]*?)<\/\1>/g, (_all, _kind: string, head: string, body: string) => {
    csdl.types.set(attr(head, 'Name')!, typeBlock(head, body));
    return '';
  });
  rest = rest.replace(/<(EntityType|ComplexType)\b([^>]*)\/>/g, (_all, _kind: string, head: string) => {
    csdl.types.set(attr(head, 'Name')!, typeBlock(head, ''));
    return '';
  });
  for (const m of xml.matchAll(/<Action Name="(\w+)"[^>]*>([\s\S]*?)<\/Action>/g)) {
    const parameters = [...m[2]!.matchAll(/<Parameter [^>]*\/>/g)].map((p) => ({
      name: attr(p[0], 'Name')!,
      type: attr(p[0], 'Type')!,
      nullable: attr(p[0], 'Nullable') !== 'false',
    }));
    csdl.actions.set(m[1]!, { bindingType: parameters[0]!.type, parameters: parameters.slice(1) });
  }
  for (const n of rest.matchAll(/<NavigationProperty [^>]*\/>/g)) {
    csdl.looseNavigation.push({
      name: attr(n[0], 'Name')!,
      type: attr(n[0], 'Type')!,
      containsTarget: attr(n[0], 'ContainsTarget') === 'true',
    });
  }
  return csdl;
}

interface Names {
  types: Map<string, { properties: string[]; navigationProperties: string[] }>;
  enums: Map<string, string[]>;
}

function parseTypeMappings(json: string): Names {
  const data = JSON.parse(json) as Record<string, Record<string, unknown>>;
  const types = new Map<string, { properties: string[]; navigationProperties: string[] }>();
  for (const file of ['schemas/type-mappings/beta-entity-types.json', 'schemas/type-mappings/beta-complex-types.json']) {
    for (const [name, value] of Object.entries(data[file]!)) {
      if (!name.startsWith('(')) types.set(name, value as { properties: string[]; navigationProperties: string[] });
    }
  }
  return { types, enums: new Map(Object.entries(data['schemas/type-mappings/beta-enum-types.json']!) as [string, string[]][]) };
}

/** A documentation page's table under a heading, as rows of cells. */
function docsTable(file: string, heading: string): string[][] {
  let text: string;
  try {
    text = read(file);
  } catch {
    return [];
  }
  const section = text.split(new RegExp(`^## ${heading}\\s*$`, 'm'))[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('|:') && !/^\|(Property|Member)\|/.test(line))
    .map((line) => line.split('|').slice(1, -1));
}

const DOC_TYPES: Record<string, string> = {
  String: 'Edm.String',
  Int32: 'Edm.Int32',
  Boolean: 'Edm.Boolean',
  Guid: 'Edm.Guid',
  DateTimeOffset: 'Edm.DateTimeOffset',
  'String collection': 'Collection(Edm.String)',
};

/** The type a beta documentation page gives each property of a type (newer page first). */
function docsPropertyTypes(typeName: string): Map<string, string> {
  const page = `api-reference__beta__resources__intune-onboarding-${typeName.toLowerCase()}.md`;
  const rows = [...docsTable(`newer-versions/${page}`, 'Properties'), ...docsTable(page, 'Properties')];
  const types = new Map<string, string>();
  for (const [name, type] of rows) {
    if (!name || !type || types.has(name)) continue;
    const linked = /^\[(\w+)\]/.exec(type)?.[1];
    types.set(name, linked ? `graph.${linked}` : (DOC_TYPES[type] ?? type));
  }
  return types;
}

function docsEnumValues(enumName: string): Map<string, number> {
  const lower = enumName.toLowerCase();
  const rows = [
    ...docsTable(`api-reference__beta__resources__intune-onboarding-${lower}.md`, 'Members'),
    ...docsTable(`api-reference__beta__resources__intune-shared-${lower}.md`, 'Members'),
  ];
  return new Map(rows.map(([name, value]) => [name!, Number(value)]));
}

const METADATA = {
  beta: parseCsdl(read('msgraph-metadata__clean_beta_metadata__cleanMetadata.xml.EXTRACT.xml')),
  betaNames: parseTypeMappings(read('msgraph-metadata__schemas__type-mappings__beta-types.EXTRACT.json')),
  v1: parseCsdl(read('msgraph-metadata__schemas__v1.0-Prod.csdl.EXTRACT.xml')),
};

// ---- the exceptions, from docs/configurations.md ----

interface Finding {
  version: GraphVersion;
  type: string;
  member: string;
  /** outside-extract, type-from-docs, type-unverified, value-unverified and differs may be excepted; anything else is a defect. */
  kind: string;
  detail: string;
}
const key = (f: { version: string; type: string; member: string; kind: string }) => `${f.version} | ${f.type} | ${f.member} | ${f.kind}`;

function readExceptions(): Set<string> {
  const doc = readFileSync(path.join(REPO, 'docs/configurations.md'), 'utf8');
  const table = /<!-- conformance-exceptions:start -->([\s\S]*?)<!-- conformance-exceptions:end -->/.exec(doc)?.[1] ?? '';
  const rows = table
    .split('\n')
    .filter((l) => l.startsWith('|') && !l.startsWith('|-') && !l.startsWith('| version'))
    .map((l) => l.split('|').map((c) => c.trim().replace(/`/g, '')));
  const keys = new Set<string>();
  for (const [, versions, type, members, kind] of rows) {
    for (const version of versions!.split(',').map((v) => v.trim())) {
      for (const member of members!.split(',').map((m) => m.trim())) keys.add(key({ version, type: type!, member, kind: kind! }));
    }
  }
  return keys;
}

// ---- the check ----

/** Types the extract does not carry: the container and the directory objects that give the paths their shape. */
const OUTSIDE_EXTRACT = new Set(['entity', 'directoryObject', 'user', 'invitation', 'deviceManagement']);

function checkVersion(version: GraphVersion, model: VersionModel): Finding[] {
  const csdl = version === 'beta' ? METADATA.beta : METADATA.v1;
  const names = version === 'beta' ? METADATA.betaNames : undefined;
  const findings: Finding[] = [];
  const find = (type: string, member: string, kind: string, detail: string) => findings.push({ version, type, member, kind, detail });

  for (const t of [...model.entityTypes, ...model.complexTypes] as StructuredTypeModel[]) {
    if (OUTSIDE_EXTRACT.has(t.name)) {
      find(t.name, '*', 'outside-extract', 'the extract has no block for this type');
      // The extract carries only the navigation properties that lead to the configurations.
      for (const n of (t.navigation ?? []).filter((x) => x.name === 'deviceEnrollmentConfigurations')) {
        const line = csdl.looseNavigation.find((l) => l.name === n.name);
        if (!line) find(t.name, n.name, 'missing', 'navigation property not in the metadata');
        else if (line.type !== n.type || line.containsTarget !== Boolean(n.containsTarget)) {
          find(
            t.name,
            n.name,
            'differs',
            `metadata: ${line.type} ContainsTarget=${line.containsTarget}; mock: ${n.type} ContainsTarget=${Boolean(n.containsTarget)}`,
          );
        }
      }
      continue;
    }
    const declared = csdl.types.get(t.name);
    const listed = names?.types.get(t.name);
    if (!declared && !listed) {
      find(t.name, '*', 'missing', 'type not in the metadata');
      continue;
    }
    if (declared && (declared.baseType !== t.baseType || declared.abstract !== Boolean(t.abstract))) {
      find(
        t.name,
        '*',
        'differs',
        `metadata: base ${declared.baseType} abstract ${declared.abstract}; mock: base ${t.baseType} abstract ${Boolean(t.abstract)}`,
      );
    }
    const docTypes = version === 'beta' ? docsPropertyTypes(t.name) : new Map<string, string>();
    for (const p of t.properties) {
      if (listed && !listed.properties.includes(p.name)) {
        find(t.name, p.name, 'missing', 'not in the newest property list');
        continue;
      }
      const inCsdl = declared?.properties.get(p.name);
      if (inCsdl) {
        if (inCsdl.type !== p.type) find(t.name, p.name, 'type', `metadata: ${inCsdl.type}; mock: ${p.type}`);
        if (inCsdl.nullable !== p.nullable)
          find(t.name, p.name, 'nullability', `metadata: nullable ${inCsdl.nullable}; mock: ${p.nullable}`);
      } else if (!listed) {
        find(t.name, p.name, 'missing', 'property not in the metadata');
      } else if (docTypes.has(p.name)) {
        if (docTypes.get(p.name) !== p.type) find(t.name, p.name, 'type', `documentation: ${docTypes.get(p.name)}; mock: ${p.type}`);
        else find(t.name, p.name, 'type-from-docs', 'type confirmed by the documentation page; no metadata gives nullability');
      } else {
        find(t.name, p.name, 'type-unverified', 'in the newest property list; neither the CSDL nor a documentation page gives its type');
      }
    }
    for (const n of t.navigation ?? []) {
      const inCsdl = declared?.navigation.get(n.name);
      if (listed && !listed.navigationProperties.includes(n.name))
        find(t.name, n.name, 'missing', 'navigation property not in the newest list');
      else if (inCsdl && (inCsdl.type !== n.type || inCsdl.containsTarget !== Boolean(n.containsTarget))) {
        find(t.name, n.name, 'differs', `metadata: ${inCsdl.type} ContainsTarget=${inCsdl.containsTarget}; mock: ${n.type}`);
      } else if (!inCsdl && !listed) find(t.name, n.name, 'missing', 'navigation property not in the metadata');
    }
  }

  for (const e of model.enums) {
    const values = csdl.enums.get(e.name);
    const listed = names?.enums.get(e.name);
    if (!values && !listed) {
      find(e.name, '*', 'missing', 'enum not in the metadata');
      continue;
    }
    const docs = values ? undefined : docsEnumValues(e.name);
    for (const m of e.members) {
      if (listed && !listed.includes(m.name)) find(e.name, m.name, 'missing', 'member not in the newest list');
      else if (values && values.get(m.name) !== m.value)
        find(e.name, m.name, 'value', `metadata: ${String(values.get(m.name))}; mock: ${m.value}`);
      else if (docs?.has(m.name) && docs.get(m.name) !== m.value)
        find(e.name, m.name, 'value', `documentation: ${String(docs.get(m.name))}; mock: ${m.value}`);
      else if (docs && !docs.has(m.name))
        find(e.name, m.name, 'value-unverified', 'member named in the newest list; no page gives its value');
    }
  }

  for (const a of model.actions) {
    const declared = csdl.actions.get(a.name);
    if (!declared || declared.bindingType !== a.bindingType) {
      find(a.name, '*', 'missing', `action bound to ${a.bindingType} not in the metadata`);
      continue;
    }
    for (const p of a.parameters) {
      const d = declared.parameters.find((x) => x.name === p.name);
      if (!d || d.type !== p.type || d.nullable !== (p.nullable !== false))
        find(a.name, p.name, 'parameter', `metadata: ${JSON.stringify(d)}`);
    }
  }
  return findings;
}

const EXCEPTED_KINDS = new Set(['outside-extract', 'type-from-docs', 'type-unverified', 'value-unverified', 'differs']);

function unexplained(findings: Finding[], exceptions: Set<string>): string[] {
  const problems = findings.filter((f) => !EXCEPTED_KINDS.has(f.kind) || !exceptions.has(key(f))).map((f) => `${key(f)}: ${f.detail}`);
  return [...new Set(problems)];
}

const VERSIONS: GraphVersion[] = ['beta', 'v1.0'];
const served = (version: GraphVersion) =>
  [checkVersion(version, modelOf(version)), checkVersion(version, configurationModel(version))].flat();

describe('conformance with the metadata in ../shared/reference/graph', () => {
  const exceptions = readExceptions();

  it('reads the reference and the exceptions table', () => {
    expect(METADATA.beta.types.get('deviceEnrollmentWindowsHelloForBusinessConfiguration')?.properties.get('pinMinimumLength')).toEqual({
      type: 'Edm.Int32',
      nullable: false,
    });
    expect(METADATA.v1.types.get('windows10EnrollmentCompletionPageConfiguration')?.properties.size).toBe(1);
    expect(METADATA.betaNames.types.get('deviceEnrollmentPlatformRestrictionsConfiguration')?.properties).toContain('tvosRestriction');
    expect(docsPropertyTypes('deviceEnrollmentNotificationConfiguration').get('notificationMessageTemplateId')).toBe('Edm.Guid');
    expect(docsEnumValues('enrollmentNotificationTemplateType').get('unknownFutureValue')).toBe(99);
    expect(exceptions.size).toBeGreaterThan(0);
  });

  it.each(VERSIONS)('%s: everything served is in the metadata, or explained in docs/configurations.md', (version) => {
    expect(unexplained(served(version), exceptions)).toEqual([]);
  });

  it('every exception in docs/configurations.md is still needed', () => {
    const found = new Set(VERSIONS.flatMap(served).map(key));
    expect([...exceptions].filter((e) => !found.has(e))).toEqual([]);
  });

  describe('fails when the model drifts', () => {
    const mutate = (version: GraphVersion, change: (model: VersionModel) => void): string[] => {
      const model = structuredClone(configurationModel(version));
      change(model);
      return unexplained(checkVersion(version, model), exceptions);
    };
    const property = (model: VersionModel, type: string, name: string) =>
      [...model.entityTypes, ...model.complexTypes].find((t) => t.name === type)!.properties.find((p) => p.name === name)!;

    it.each(VERSIONS)('%s: a misspelt property', (version) => {
      const problems = mutate(
        version,
        (m) => (property(m, 'deviceEnrollmentWindowsHelloForBusinessConfiguration', 'pinMinimumLength').name = 'pinMinimumLenght'),
      );
      expect(problems.join('\n')).toMatch(/pinMinimumLenght \| missing/);
    });

    it.each(VERSIONS)('%s: a mistyped or wrongly nullable property', (version) => {
      expect(mutate(version, (m) => (property(m, 'deviceEnrollmentLimitConfiguration', 'limit').type = 'Edm.String')).join('\n')).toMatch(
        /limit \| type/,
      );
      expect(mutate(version, (m) => (property(m, 'deviceEnrollmentLimitConfiguration', 'limit').nullable = true)).join('\n')).toMatch(
        /limit \| nullability/,
      );
    });

    it('beta: a property typed only by the documentation, mistyped', () => {
      const problems = mutate(
        'beta',
        (m) => (property(m, 'deviceEnrollmentNotificationConfiguration', 'notificationMessageTemplateId').type = 'Edm.String'),
      );
      expect(problems.join('\n')).toMatch(/notificationMessageTemplateId \| type/);
    });

    it('beta: an enum member misspelt or with the wrong value', () => {
      const problems = mutate('beta', (m) => {
        m.enums.find((e) => e.name === 'enablement')!.members[1]!.value = 5;
        m.enums.find((e) => e.name === 'enrollmentNotificationTemplateType')!.members[0]!.name = 'e-mail';
      });
      expect(problems.join('\n')).toMatch(/enablement \| enabled \| value/);
      expect(problems.join('\n')).toMatch(/enrollmentNotificationTemplateType \| e-mail \| missing/);
    });

    it('v1.0: a beta-only property served in v1.0', () => {
      const problems = mutate('v1.0', (m) =>
        m.entityTypes
          .find((t) => t.name === 'deviceEnrollmentConfiguration')!
          .properties.push({ name: 'roleScopeTagIds', type: 'Collection(Edm.String)', nullable: true }),
      );
      expect(problems.join('\n')).toMatch(/roleScopeTagIds \| missing/);
    });
  });
});
