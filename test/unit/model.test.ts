import { ASSIGNMENTS_MODEL } from '../../src/assignments/model';
import { buildCsdl } from '../../src/graph/metadata';
import { assembleModel, findType, type ModelContribution } from '../../src/graph/model';

// A version's model is put together from each resource's part, so a second resource adds its types
// without editing the first's: a type both declare is merged, and must agree where they overlap.

const second: ModelContribution = {
  entityTypes: [
    {
      name: 'deviceManagement',
      baseType: 'graph.entity',
      properties: [],
      navigation: [{ name: 'widgets', type: 'Collection(graph.widget)', containsTarget: true }],
    },
    { name: 'widget', baseType: 'graph.entity', properties: [{ name: 'size', type: 'Edm.Int32', nullable: false }] },
  ],
};

describe('assembling a version model from contributions', () => {
  it("keeps every resource's types and merges the navigation of a type both declare", () => {
    const model = assembleModel('beta', [ASSIGNMENTS_MODEL.beta, second]);
    expect(findType(model, 'widget')?.properties.map((p) => p.name)).toEqual(['size']);
    expect(findType(model, 'deviceManagement')?.navigation?.map((n) => n.name)).toEqual(['deviceEnrollmentConfigurations', 'widgets']);
    expect(model.entityTypes.filter((t) => t.name === 'deviceManagement')).toHaveLength(1);
    expect(model.entityTypes[0]!.name).toBe('entity'); // every model has the base type, once
    expect(buildCsdl(model)).toContain('<NavigationProperty Name="widgets" Type="Collection(graph.widget)" ContainsTarget="true" />');
  });

  it('refuses two declarations that disagree, naming the type', () => {
    const clash: ModelContribution = {
      entityTypes: [{ name: 'deviceManagement', baseType: 'graph.directoryObject', properties: [] }],
    };
    expect(() => assembleModel('beta', [ASSIGNMENTS_MODEL.beta, clash])).toThrow(
      /'deviceManagement' is declared twice with a different baseType/,
    );
    const property: ModelContribution = {
      entityTypes: [
        {
          name: 'deviceEnrollmentConfiguration',
          properties: [{ name: 'priority', type: 'Edm.String', nullable: true }],
        },
      ],
    };
    expect(() => assembleModel('beta', [ASSIGNMENTS_MODEL.beta, property])).toThrow(/property of deviceEnrollmentConfiguration 'priority'/);
  });

  it('is the same model as before for the assignments alone', () => {
    const model = assembleModel('v1.0', [ASSIGNMENTS_MODEL['v1.0']]);
    expect(model.container.singletons).toEqual([{ name: 'deviceManagement', type: 'graph.deviceManagement' }]);
    expect(model.acceptedAbstractTypes).toEqual([]);
  });
});
