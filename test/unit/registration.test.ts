import path from 'node:path';
import { createCoreApi } from '../../dev/runner';

// Stands in for @azure/functions-core, as the worker does, and checks what the host would receive.
it('registers one anonymous HTTP function that takes every path and method (the app routes itself)', () => {
  const api = createCoreApi(() => undefined);
  // Jest has its own module registry, so the worker's require override is stood in for with a virtual mock.
  jest.doMock('@azure/functions-core', () => api, { virtual: true });
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded inside isolateModules, after the mock
    require(path.join(__dirname, '../../src/app'));
  });
  const registered = api.functions.map(({ metadata }) => {
    const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in')!;
    const output = Object.values(metadata.bindings).find((b) => b.direction === 'out')!;
    expect(trigger.type).toBe('httpTrigger');
    expect(output.type).toBe('http');
    return { name: metadata.name, route: trigger.route, methods: trigger.methods, authLevel: trigger.authLevel };
  });
  expect(registered).toEqual([
    { name: 'graph', route: '{*path}', methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], authLevel: 'anonymous' },
  ]);
  expect(api.programmingModel).toBeDefined();
});
