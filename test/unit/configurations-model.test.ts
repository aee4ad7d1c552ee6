import { allProperties, findEnum, findType, type GraphVersion, type VersionModel } from '../../src/graph/model';
import { modelOf } from '../../src/assignments/model';
import { configurationModel, configurationsContribution, withContribution } from '../../src/configurations/model';
import { concreteTypes } from '../../src/configurations/types';
import { buildCsdl } from '../../src/graph/metadata';

/** The configurations model as a contribution to a version's model, and what $metadata makes of it. */

const VERSIONS: GraphVersion[] = ['beta', 'v1.0'];
const EDM = new Set(['Edm.String', 'Edm.Int32', 'Edm.Boolean', 'Edm.Guid', 'Edm.DateTimeOffset']);

describe.each(VERSIONS)('%s', (version) => {
  const model = configurationModel(version);

  it('keeps every type, enum and action of the model it was merged into', () => {
    const before = modelOf(version);
    for (const t of [...before.entityTypes, ...before.complexTypes]) expect(findType(model, t.name)).toBeDefined();
    for (const e of before.enums) expect(findEnum(model, e.name)).toBeDefined();
    expect(model.actions.map((a) => a.name).sort()).toEqual(['assign', 'setPriority']);
    expect(model.container).toEqual(before.container);
  });

  it('replaces the smaller configuration base the assignments model declares, once', () => {
    expect(model.entityTypes.filter((t) => t.name === 'deviceEnrollmentConfiguration')).toHaveLength(1);
    const names = findType(model, 'deviceEnrollmentConfiguration')!.properties.map((p) => p.name);
    expect(names.includes('roleScopeTagIds')).toBe(version === 'beta');
  });

  it('has the concrete types the version serves', () => {
    expect(concreteTypes(version).length).toBe(version === 'beta' ? 8 : 4);
  });

  it('every property type resolves: an Edm primitive, a collection of strings, an enum or a complex type of the model', () => {
    for (const t of [...model.entityTypes, ...model.complexTypes]) {
      for (const p of allProperties(model, t)) {
        const resolved =
          EDM.has(p.type) ||
          p.type === 'Collection(Edm.String)' ||
          findEnum(model, p.type) !== undefined ||
          model.complexTypes.some((c) => `graph.${c.name}` === p.type);
        expect(`${t.name}.${p.name}: ${p.type} ${resolved ? 'resolves' : 'does not resolve'}`).toMatch(/resolves$/);
      }
    }
  });

  it('$metadata is generated from it: the types, their base, the enums and setPriority', () => {
    const csdl = buildCsdl(model);
    for (const t of concreteTypes(version)) {
      expect(csdl).toContain(`<EntityType Name="${t.name}" BaseType="graph.deviceEnrollmentConfiguration"`);
    }
    expect(csdl).toContain('<EntityType Name="deviceEnrollmentConfiguration" BaseType="graph.entity" Abstract="true">');
    expect(csdl).toContain('<Action Name="setPriority" IsBound="true">');
    expect(csdl).toContain('<Parameter Name="priority" Type="Edm.Int32" Nullable="false" />');
    expect(csdl).toContain('<Member Name="disallowed" Value="2" />');
    expect(csdl.match(/<NavigationProperty Name="deviceEnrollmentConfigurations"/g)?.length).toBe(version === 'beta' ? 2 : 1);
  });
});

describe('withContribution', () => {
  const bare: VersionModel = {
    ...modelOf('v1.0'),
    entityTypes: modelOf('v1.0').entityTypes.map((t) => (t.name === 'deviceManagement' ? { ...t, navigation: [] } : t)),
  };

  it('hangs the navigation on the type it names when that type lacks it, and only once', () => {
    const merged = withContribution(bare, configurationsContribution('v1.0'));
    expect(findType(merged, 'deviceManagement')!.navigation).toEqual([
      { name: 'deviceEnrollmentConfigurations', type: 'Collection(graph.deviceEnrollmentConfiguration)', containsTarget: true },
    ]);
    const twice = withContribution(merged, configurationsContribution('v1.0'));
    expect(findType(twice, 'deviceManagement')!.navigation).toHaveLength(1);
    expect(twice.entityTypes.length).toBe(merged.entityTypes.length);
  });

  it('lets a second resource add its own types beside the configurations', () => {
    const second = withContribution(configurationModel('beta'), {
      enums: [{ name: 'colour', members: [{ name: 'red', value: 0 }] }],
      complexTypes: [],
      entityTypes: [{ name: 'widget', baseType: 'graph.entity', properties: [{ name: 'colour', type: 'graph.colour', nullable: false }] }],
      actions: [],
      navigation: [{ on: 'deviceManagement', property: { name: 'widgets', type: 'Collection(graph.widget)', containsTarget: true } }],
    });
    expect(findType(second, 'widget')).toBeDefined();
    expect(findType(second, 'deviceEnrollmentLimitConfiguration')).toBeDefined();
    expect(findType(second, 'deviceManagement')!.navigation!.map((n) => n.name)).toEqual(['deviceEnrollmentConfigurations', 'widgets']);
  });
});
