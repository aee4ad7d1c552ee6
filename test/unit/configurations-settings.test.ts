import { ConfigError, parseConfig } from '../../src/config';

// MOCK_REQUIRE_CONFIGURATION: on, off, or unset to follow MOCK_PROFILE.

const azurite = { ASSIGNMENTS_STORAGE: 'UseDevelopmentStorage=true' };
const required = (env: Record<string, string>) => parseConfig({ ...azurite, ...env }).configurations.requireConfiguration;

describe('MOCK_REQUIRE_CONFIGURATION', () => {
  it('is off by default, so the original document’s POST accepts any configuration id', () => {
    expect(required({})).toBe(false);
    expect(required({ MOCK_REQUIRE_CONFIGURATION: '' })).toBe(false);
  });

  it('follows MOCK_PROFILE when unset: on under intune', () => {
    expect(required({ MOCK_PROFILE: 'intune' })).toBe(true);
    expect(required({ MOCK_PROFILE: 'documented' })).toBe(false);
  });

  it('set, it wins over the profile', () => {
    expect(required({ MOCK_REQUIRE_CONFIGURATION: 'on' })).toBe(true);
    expect(required({ MOCK_REQUIRE_CONFIGURATION: 'off', MOCK_PROFILE: 'intune' })).toBe(false);
  });

  it('refuses any other value, naming the setting', () => {
    expect(() => required({ MOCK_REQUIRE_CONFIGURATION: 'yes' })).toThrow(ConfigError);
    expect(() => required({ MOCK_REQUIRE_CONFIGURATION: 'yes' })).toThrow(/MOCK_REQUIRE_CONFIGURATION/);
  });
});
