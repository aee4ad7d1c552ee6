import { parseConfig } from '../../src/config';
import { redactAuthorization } from '../../src/admin/recording';
import { adminKeyMatches } from '../../src/admin/routes';

const base = { ASSIGNMENTS_STORAGE: 'UseDevelopmentStorage=true' };

describe('admin settings', () => {
  it('stop start-up in Azure with MOCK_ADMIN=on and no key, naming the settings', () => {
    expect(() => parseConfig({ ...base, MOCK_ADMIN: 'on', WEBSITE_SITE_NAME: 'app' })).toThrow(/MOCK_ADMIN.*MOCK_ADMIN_KEY/);
    expect(() => parseConfig({ ...base, MOCK_ADMIN: 'on', WEBSITE_INSTANCE_ID: 'x' })).toThrow(/MOCK_ADMIN_KEY/);
    expect(parseConfig({ ...base, MOCK_ADMIN: 'on', MOCK_ADMIN_KEY: 'k', WEBSITE_SITE_NAME: 'app' }).admin.enabled).toBe(true);
    expect(parseConfig({ ...base, MOCK_ADMIN: 'on' }).admin.key).toBeUndefined();
    expect(parseConfig({ ...base, WEBSITE_SITE_NAME: 'app' }).admin.enabled).toBe(false);
  });

  it('compare the key exactly', () => {
    expect(adminKeyMatches('Bearer k-1', 'k-1')).toBe(true);
    expect(adminKeyMatches('Bearer k-2', 'k-1')).toBe(false);
    expect(adminKeyMatches(null, 'k-1')).toBe(false);
    expect(adminKeyMatches('k-1', 'k-1')).toBe(false);
  });

  it('redact Authorization to its scheme and a short hash', () => {
    expect(redactAuthorization('Bearer secret')).toMatch(/^Bearer sha256:[0-9a-f]{12}$/);
    expect(redactAuthorization('Bearer secret')).not.toContain('secret');
  });
});
