import { ConfigError, parseConfig } from '../../src/config';

const azurite = { ASSIGNMENTS_STORAGE: 'UseDevelopmentStorage=true' };

describe('settings', () => {
  it('defaults the table, timeout and auth mode', () => {
    expect(parseConfig(azurite)).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      tableName: 'EnrollmentConfigurationAssignments',
      storageTimeoutMs: 4000,
      auth: { mode: 'dev' },
      mock: {
        headers: false,
        retryAfterSeconds: 10,
        maxLatencyMs: 30000,
        failureRate: 0,
        failureStatuses: [429, 503],
        latencyMs: undefined,
        seed: undefined,
        rateLimit: { mode: 'off' },
      },
    });
  });

  it('reads the identity-based connection (user-assigned identity)', () => {
    const config = parseConfig({
      ASSIGNMENTS_STORAGE__tableServiceUri: 'https://acct.table.core.windows.net/',
      ASSIGNMENTS_STORAGE__credential: 'managedidentity',
      ASSIGNMENTS_STORAGE__clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(config.storage).toEqual({
      kind: 'identity',
      tableServiceUri: 'https://acct.table.core.windows.net/',
      clientId: '11111111-2222-3333-4444-555555555555',
      managedIdentity: true,
    });
  });

  it('splits API keys and treats blank settings as unset', () => {
    const config = parseConfig({ ...azurite, AUTH_MODE: 'apikey', AUTH_API_KEYS: ' k1, ,k2 ', ASSIGNMENTS_TABLE: '' });
    expect(config.auth).toEqual({ mode: 'apikey', apiKeys: ['k1', 'k2'] });
    expect(config.tableName).toBe('EnrollmentConfigurationAssignments');
  });

  it.each([
    [{}, 'ASSIGNMENTS_STORAGE'],
    [{ ...azurite, ASSIGNMENTS_TABLE: 'bad-name!' }, 'ASSIGNMENTS_TABLE'],
    [{ ...azurite, STORAGE_TIMEOUT_MS: 'soon' }, 'STORAGE_TIMEOUT_MS'],
    [{ ...azurite, AUTH_MODE: 'open' }, 'AUTH_MODE'],
    [{ ...azurite, AUTH_MODE: 'apikey' }, 'AUTH_API_KEYS'],
    [{ ASSIGNMENTS_STORAGE__tableServiceUri: 'not a url' }, 'ASSIGNMENTS_STORAGE__tableServiceUri'],
  ])('a bad setting stops start-up naming it: %j', (env, name) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`\\b${name}:`));
  });
});
