import { nextLink } from '../../src/graph/query';
import type { Route } from '../../src/pipeline/context';
import { compareRoutes, resolve } from '../../src/pipeline/router';

const COLLECTION = 'beta/invitations/{invitationsId}/invitedUser/deviceEnrollmentConfigurations/{cfg}/assignments';

/** A table of one template (or a few), to see what the router takes from a URL. */
function table(...routes: string[]): Route[] {
  return routes.map((route) => ({ name: route, route, methods: ['GET'], handler: () => Promise.resolve({ status: 204 }) }));
}

function paramsOf(routes: Route[], path: string) {
  const resolution = resolve(routes, 'GET', `http://h${path}`);
  return 'route' in resolution ? { route: resolution.route.route, params: resolution.params } : { status: resolution.error.status };
}

describe('route templates', () => {
  it('matches literals case-insensitively and decodes parameters', () => {
    expect(paramsOf(table(COLLECTION), '/BETA/Invitations/i%20d/INVITEDUSER/deviceenrollmentconfigurations/c%23x/Assignments/')).toEqual({
      route: COLLECTION,
      params: { invitationsId: 'i d', cfg: 'c#x' },
    });
  });

  it('does not match other lengths or literals', () => {
    for (const path of [
      '/beta/invitations/i/invitedUser/deviceEnrollmentConfigurations/c',
      '/beta/invitations/i/invitedUser/deviceEnrollmentConfigurations/c/assignments/x',
      '/beta/invitations/i/other/deviceEnrollmentConfigurations/c/assignments',
    ]) {
      expect(paramsOf(table(COLLECTION), path)).toEqual({ status: 400 });
    }
  });

  it('gives a catch-all the rest of the path, and ranks it last', () => {
    expect(paramsOf(table('{*path}'), '/x/y')).toEqual({ route: '{*path}', params: { path: 'x/y' } });
    expect(paramsOf(table('{*path}'), '/')).toEqual({ route: '{*path}', params: { path: '' } });
    const sorted = ['{*path}', 'beta/{a}/b', 'health', COLLECTION].sort(compareRoutes);
    expect(sorted[sorted.length - 1]).toBe('{*path}');
    expect(sorted.indexOf(COLLECTION)).toBeLessThan(sorted.indexOf('health'));
  });

  it('lets the most specific template own a path, whatever order the table is in', () => {
    const routes = table('beta/{a}/{b}', 'beta/x/{b}', 'beta/x/y').sort((a, b) => compareRoutes(a.route, b.route));
    expect(paramsOf(routes, '/beta/x/y')).toEqual({ route: 'beta/x/y', params: {} });
    expect(paramsOf(routes, '/beta/x/z')).toEqual({ route: 'beta/x/{b}', params: { b: 'z' } });
    expect(paramsOf(routes, '/beta/w/z')).toEqual({ route: 'beta/{a}/{b}', params: { a: 'w', b: 'z' } });
  });
});

describe('@odata.nextLink', () => {
  it('keeps the other options as sent, with a literal $, and replaces any $skiptoken', () => {
    expect(nextLink(new URL("http://h/beta/x?$top=2&$filter=source%20eq%20'direct'&%24SkipToken=old"), 'abc-_')).toBe(
      // The URL parser itself escapes the quotes (%27); the $ and everything else stay as sent.
      'http://h/beta/x?$top=2&$filter=source%20eq%20%27direct%27&$skiptoken=abc-_',
    );
    expect(nextLink(new URL('http://h/beta/x'), 'tok')).toBe('http://h/beta/x?$skiptoken=tok');
  });
});
