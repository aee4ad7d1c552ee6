import { nextLink } from '../../src/graph/query';
import { compareRoutes, matchRoute } from '../../src/routing';

const COLLECTION = 'beta/invitations/{invitationsId}/invitedUser/deviceEnrollmentConfigurations/{cfg}/assignments';

describe('route templates', () => {
  it('matches literals case-insensitively and decodes parameters', () => {
    expect(matchRoute(COLLECTION, '/BETA/Invitations/i%20d/INVITEDUSER/deviceenrollmentconfigurations/c%23x/Assignments/')).toEqual({
      invitationsId: 'i d',
      cfg: 'c#x',
    });
  });

  it('does not match other lengths or literals', () => {
    expect(matchRoute(COLLECTION, '/beta/invitations/i/invitedUser/deviceEnrollmentConfigurations/c')).toBeUndefined();
    expect(matchRoute(COLLECTION, '/beta/invitations/i/invitedUser/deviceEnrollmentConfigurations/c/assignments/x')).toBeUndefined();
    expect(matchRoute(COLLECTION, '/beta/invitations/i/other/deviceEnrollmentConfigurations/c/assignments')).toBeUndefined();
  });

  it('keeps a malformed escape as sent instead of throwing', () => {
    expect(matchRoute('a/{id}', '/a/%E0%A4%A')).toEqual({ id: '%E0%A4%A' });
  });

  it('gives a catch-all the rest of the path, and ranks it last', () => {
    expect(matchRoute('{*path}', '/x/y')).toEqual({ path: 'x/y' });
    expect(matchRoute('{*path}', '/')).toEqual({ path: '' });
    const sorted = ['{*path}', 'beta/{a}/b', 'health', COLLECTION].sort(compareRoutes);
    expect(sorted[sorted.length - 1]).toBe('{*path}');
    expect(sorted.indexOf(COLLECTION)).toBeLessThan(sorted.indexOf('health'));
  });
});

describe('@odata.nextLink', () => {
  it('keeps the other options as sent, with a literal $, and replaces any $skiptoken', () => {
    expect(nextLink("http://h/beta/x?$top=2&$filter=source%20eq%20'direct'&%24SkipToken=old", 'abc-_')).toBe(
      // The URL parser itself escapes the quotes (%27); the $ and everything else stay as sent.
      'http://h/beta/x?$top=2&$filter=source%20eq%20%27direct%27&$skiptoken=abc-_',
    );
    expect(nextLink('http://h/beta/x', 'tok')).toBe('http://h/beta/x?$skiptoken=tok');
  });
});
