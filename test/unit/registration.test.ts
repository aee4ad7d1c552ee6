import path from 'node:path';
import { createCoreApi } from '../../tools/runner';

// Stands in for @azure/functions-core, as the worker does, and checks what the host would receive.
it('registers every route as an anonymous HTTP function with the right route and methods', () => {
  const api = createCoreApi(() => undefined);
  // Jest has its own module registry, so the worker's require override is stood in for with a virtual mock.
  jest.doMock('@azure/functions-core', () => api, { virtual: true });
  jest.isolateModules(() => {
    for (const file of ['assignments', 'service', 'fallback']) require(path.join(__dirname, '../../src/functions', file));
  });
  const registered = api.functions.map(({ metadata }) => {
    const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in')!;
    const output = Object.values(metadata.bindings).find((b) => b.direction === 'out')!;
    expect(trigger.type).toBe('httpTrigger');
    expect(output.type).toBe('http');
    return { name: metadata.name, route: trigger.route, methods: trigger.methods, authLevel: trigger.authLevel };
  });
  expect(registered).toEqual(
    expect.arrayContaining([
      {
        name: 'createAssignment',
        route: 'beta/invitations/{invitationsId}/invitedUser/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments',
        methods: ['POST'],
        authLevel: 'anonymous',
      },
      { name: 'health', route: 'health', methods: ['GET'], authLevel: 'anonymous' },
      {
        name: 'fallback',
        route: '{*path}',
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
        authLevel: 'anonymous',
      },
    ]),
  );
  const intune = 'beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}';
  expect(registered).toEqual(
    expect.arrayContaining([
      { name: 'getAssignmentViaDeviceManagement', route: `${intune}/assignments/{enrollmentConfigurationAssignmentId}`, methods: ['GET'], authLevel: 'anonymous' },
      { name: 'updateAssignment', route: expect.stringMatching(/^beta\/invitations\/.*\/assignments\/\{enrollmentConfigurationAssignmentId\}$/), methods: ['PATCH'], authLevel: 'anonymous' },
      { name: 'assignConfiguration', route: `${intune}/assign`, methods: ['POST'], authLevel: 'anonymous' },
    ]),
  );
  expect(registered.map((r) => r.name).sort()).toEqual(
    [
      'assignConfiguration',
      'fallback',
      'health',
      'openApi',
      ...['list', 'create', 'get', 'update', 'delete'].flatMap((op) => [`${op}Assignment`, `${op}AssignmentViaDeviceManagement`]),
    ]
      .map((n) => n.replace('listAssignment', 'listAssignments'))
      .sort(),
  );
  expect(api.programmingModel).toBeDefined();
});
