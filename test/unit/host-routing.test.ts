import { textOf } from '../helpers/requests';
import path from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import type { Route } from '../../src/pipeline/context';
import { resolve, routeTable } from '../../src/pipeline/router';
import { testApp } from '../helpers/app';
import { compareFunctionNames, hostOrder, matchHostTemplate, pickHostRoute } from '../../dev/host-routing';
import { createCoreApi } from '../../dev/runner';

/**
 * Every operation in the route table must be reachable under the Functions host's own rule (functions by
 * name, first template + method match wins; dev/host-routing.ts). This replays each row's paths through
 * that rule over the metadata the app really registers, so a new function or a new route that would be
 * shadowed fails here, whatever its name.
 */

interface Registered {
  name: string;
  route: string;
  methods: string[];
}

function registeredFunctions(): Registered[] {
  const api = createCoreApi(() => undefined);
  jest.doMock('@azure/functions-core', () => api, { virtual: true });
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded inside isolateModules, after the mock
    require(path.join(__dirname, '../../src/app'));
  });
  return api.functions.map(({ metadata }) => {
    const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in')!;
    return { name: metadata.name, route: trigger.route!, methods: trigger.methods!.map((m) => m.toUpperCase()) };
  });
}

/** Concrete paths for a template: sample ids, and the literals in another case (the host ignores case). */
function samplePaths(template: string): string[] {
  const fill = (t: string, upper: boolean) =>
    '/' +
    t
      .split('/')
      .map((part, i) => (part.startsWith('{') ? `id-${i}` : upper ? part.toUpperCase() : part))
      .join('/');
  return [fill(template, false), fill(template, true)];
}

describe('the route table under the host rule', () => {
  const registered = hostOrder(registeredFunctions());
  // Every route, the admin's included, in the order the pipeline uses them: the most specific template first.
  const routes = routeTable(testApp({ MOCK_ADMIN: 'on' }).routes);

  it.each(routes.flatMap((r) => r.methods.map((m) => [r.name, m, r] as [string, string, Route])))(
    '%s (%s) reaches its operation',
    (_name, method, route) => {
      for (const p of samplePaths(route.route)) {
        const picked = pickHostRoute(registered, method, p);
        expect(picked?.fn.name).toBe('graph');
        const resolution = resolve(routes, method, `http://127.0.0.1${p}`);
        expect('route' in resolution && resolution.route.name).toBe(route.name);
      }
    },
  );

  it("hands unknown paths and unserved methods to the app, which answers in Graph's envelope", () => {
    for (const [method, p] of [
      ['GET', '/nothing/here'],
      ['PUT', '/health'],
      ['DELETE', '/beta/invitations/i/invitedUser/deviceEnrollmentConfigurations/c/assignments'],
    ]) {
      expect(pickHostRoute(registered, method!, p!)?.fn.name).toBe('graph');
    }
  });
});

describe('the host rule itself', () => {
  // The experiment in ../shared/functions-host/README.md, replayed.
  const probe = hostOrder([
    { name: 'Bcatch', route: '{*path}', methods: ['GET'] },
    { name: 'Cspecific', route: 'items/other', methods: ['GET', 'POST'] },
    { name: 'aSpecific', route: 'items/special', methods: ['GET'] },
    { name: 'f9', route: 'u/{id}', methods: ['PATCH'] },
    { name: 'f-dash', route: 'u/x', methods: ['PATCH'] },
    { name: 'f_under', route: 'u/x', methods: ['DELETE'] },
    { name: 'fzz', route: 'u/{id}', methods: ['DELETE'] },
  ]);

  it('orders by name, ignoring case, in UTF-16 order of the upper-cased names', () => {
    expect(probe.map((f) => f.name)).toEqual(['aSpecific', 'Bcatch', 'Cspecific', 'f-dash', 'f9', 'fzz', 'f_under']);
    expect(compareFunctionNames('ABC', 'abc')).toBe(0);
  });

  it('lets the first matching template win, with no specificity ranking', () => {
    expect(pickHostRoute(probe, 'GET', '/items/special')?.fn.name).toBe('aSpecific');
    expect(pickHostRoute(probe, 'GET', '/items/other')?.fn.name).toBe('Bcatch');
    expect(pickHostRoute(probe, 'POST', '/items/other')?.fn.name).toBe('Cspecific');
    expect(pickHostRoute(probe, 'PATCH', '/u/x')?.fn.name).toBe('f-dash');
    expect(pickHostRoute(probe, 'DELETE', '/u/x')?.fn.name).toBe('fzz');
    expect(pickHostRoute(probe, 'PUT', '/nothing')).toBeUndefined();
  });

  it('matches literals case-insensitively, and no path that starts with //', () => {
    expect(matchHostTemplate('health', '/HEALTH')).toEqual({});
    expect(matchHostTemplate('{*path}', '//double//slash')).toBeUndefined();
    expect(matchHostTemplate('{*path}', '/a//b')).toEqual({ path: 'a//b' });
    expect(matchHostTemplate('{*path}', '/a/b/')).toEqual({ path: 'a/b/' });
    expect(matchHostTemplate('{*path}', '/')).toEqual({});
  });

  it('would catch a shadowing function: a catch-all that sorts first takes the operations', () => {
    const shadowed = hostOrder([...registeredFunctions(), { name: 'aaCatchAll', route: '{*rest}', methods: ['GET'] }]);
    expect(pickHostRoute(shadowed, 'GET', '/health')?.fn.name).toBe('aaCatchAll');
  });
});

describe('the app router', () => {
  const routes = routeTable(testApp({ MOCK_ADMIN: 'on' }).routes);
  const context = () => new InvocationContext({ logHandler: () => undefined });

  it("gives an unknown path Graph's error, and a known path with another method 405 with Allow", () => {
    const unknown = resolve(routes, 'GET', 'http://h/beta/nothing');
    expect('error' in unknown && [unknown.error.status, unknown.error.message]).toEqual([
      400,
      "Resource not found for the segment 'nothing'.",
    ]);
    const wrong = resolve(routes, 'PUT', 'http://h/beta/deviceManagement/deviceEnrollmentConfigurations/c/assignments/x');
    expect('error' in wrong && [wrong.error.status, wrong.error.headers.Allow]).toEqual([405, 'GET, PATCH, DELETE']);
  });

  it('refuses a malformed percent-escape in the path or the query with a 400 naming it', () => {
    for (const [url, named] of [
      ['http://h/beta/deviceManagement/deviceEnrollmentConfigurations/%E0%A4%A/assignments', "'%E0%A4%A'"],
      ['http://h/beta/deviceManagement/deviceEnrollmentConfigurations/%FF/assignments', "'%FF'"],
      ['http://h/beta/deviceManagement/deviceEnrollmentConfigurations/%zz/assignments', "'%zz'"],
      ['http://h/beta/deviceManagement/deviceEnrollmentConfigurations/c/assignments?$top=1&%zz=1', "'%zz'"],
      ['http://h/beta/deviceManagement/deviceEnrollmentConfigurations/c/assignments?$filter=%E0%A4%A', "'$filter'"],
    ] as const) {
      const resolution = resolve(routes, 'GET', url);
      expect('error' in resolution && resolution.error.status).toBe(400);
      expect('error' in resolution && resolution.error.message).toContain(named);
    }
  });

  it("answers through the app's pipeline with Graph's envelope", async () => {
    const response = await testApp().handle(new HttpRequest({ method: 'GET', url: 'http://h/beta/nothing' }), context());
    expect(response.status).toBe(400);
    expect(JSON.parse(textOf(response)).error.code).toBe('BadRequest');
  });
});
