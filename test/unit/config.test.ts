import { ConfigError, parseConfig } from '../../src/config';

const azurite = { ASSIGNMENTS_STORAGE: 'UseDevelopmentStorage=true' };

describe('settings', () => {
  it('defaults the table, timeout and auth mode', () => {
    expect(parseConfig(azurite)).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      tableName: 'EnrollmentConfigurationAssignments',
      stateTableName: 'EnrollmentConfigurationAssignmentsState',
      journalTableName: 'EnrollmentConfigurationAssignmentsJournal',
      configurationsTableName: 'EnrollmentConfigurationAssignmentsConfigs',
      defaultTenantId: '00000000-0000-0000-0000-000000000000',
      storageTimeoutMs: 4000,
      auth: { mode: 'dev' },
      cors: { allowedOrigins: [] },
      admin: { enabled: false, key: undefined, journal: false, journalMaxEntries: 1000, enforceRetryAfter: false, seedFile: undefined },
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
      profile: 'documented',
      configurations: { requireConfiguration: false },
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
    expect(config.auth).toEqual({
      mode: 'apikey',
      apiKeys: [
        { key: 'k1', tenantId: undefined },
        { key: 'k2', tenantId: undefined },
      ],
    });
    expect(config.tableName).toBe('EnrollmentConfigurationAssignments');
  });

  it("reads an API key's tenant after its last '@', lower-case; a key without one acts for the default tenant", () => {
    const tenant = 'AAAAAAAA-1111-2222-3333-444444444444';
    const config = parseConfig({ ...azurite, AUTH_MODE: 'apikey', AUTH_API_KEYS: `plain, with@at@${tenant}` });
    expect(config.auth).toEqual({
      mode: 'apikey',
      apiKeys: [
        { key: 'plain', tenantId: undefined },
        { key: 'with@at', tenantId: tenant.toLowerCase() },
      ],
    });
    expect(config.defaultTenantId).toBe('00000000-0000-0000-0000-000000000000');
  });

  it("refuses a key whose part after the last '@' is not a tenant id, without printing the key", () => {
    const attempt = () => parseConfig({ ...azurite, AUTH_MODE: 'apikey', AUTH_API_KEYS: 'fine,secret-value@not-a-guid' });
    expect(attempt).toThrow(/AUTH_API_KEYS: entry 2 has an '@' but what follows its last '@' is not a tenant id/);
    expect(attempt).not.toThrow(/secret-value/);
  });

  it('reads DEFAULT_TENANT_ID as a GUID, lower-case, and names it when it is not one', () => {
    expect(parseConfig({ ...azurite, DEFAULT_TENANT_ID: ' 9E1D5F38-0000-4000-8000-00000000ABCD ' }).defaultTenantId).toBe(
      '9e1d5f38-0000-4000-8000-00000000abcd',
    );
    expect(() => parseConfig({ ...azurite, DEFAULT_TENANT_ID: 'contoso' })).toThrow(/DEFAULT_TENANT_ID: a tenant id is a GUID/);
  });

  it('names the state and journal tables after ASSIGNMENTS_TABLE, so two mocks on one account share neither', () => {
    const a = parseConfig({ ...azurite, ASSIGNMENTS_TABLE: 'ciJobA' });
    const b = parseConfig({ ...azurite, ASSIGNMENTS_TABLE: 'ciJobB' });
    expect([a.stateTableName, a.journalTableName, a.configurationsTableName]).toEqual(['ciJobAState', 'ciJobAJournal', 'ciJobAConfigs']);
    expect([b.stateTableName, b.journalTableName, b.configurationsTableName]).toEqual(['ciJobBState', 'ciJobBJournal', 'ciJobBConfigs']);
    // The longest name that leaves room for the suffixes; a table name is at most 63 characters.
    expect(parseConfig({ ...azurite, ASSIGNMENTS_TABLE: `A${'b'.repeat(55)}` }).journalTableName).toHaveLength(63);
  });

  const jwt = {
    ...azurite,
    AUTH_MODE: 'jwt',
    AUTH_JWKS_URI: 'https://login.microsoftonline.com/tid/discovery/v2.0/keys',
    AUTH_ISSUER: 'https://login.microsoftonline.com/tid/v2.0',
    AUTH_AUDIENCE: 'api://app-id',
  };

  it('reads jwt mode, with comma-separated issuers and audiences', () => {
    const config = parseConfig({
      ...jwt,
      AUTH_ISSUER: `${jwt.AUTH_ISSUER}, https://sts.windows.net/tid/`,
      AUTH_AUDIENCE: 'api://app-id,app-id',
    });
    expect(config.auth).toEqual({
      mode: 'jwt',
      jwksUri: 'https://login.microsoftonline.com/tid/discovery/v2.0/keys',
      issuers: ['https://login.microsoftonline.com/tid/v2.0', 'https://sts.windows.net/tid/'],
      audiences: ['api://app-id', 'app-id'],
    });
  });

  it.each(['http://127.0.0.1:8080/keys', 'http://127.9.9.9/keys', 'http://localhost:1/keys', 'http://[::1]:9/keys'])(
    'accepts a plain-http JWKS on a loopback host: %s',
    (uri) => {
      expect(parseConfig({ ...jwt, AUTH_JWKS_URI: uri }).auth).toMatchObject({ mode: 'jwt', jwksUri: uri });
    },
  );

  it('ignores the jwt settings in the other modes (the Bicep always passes them)', () => {
    expect(parseConfig({ ...azurite, AUTH_JWKS_URI: 'http://example.com/keys' }).auth).toEqual({ mode: 'dev' });
  });

  it('reads CORS origins in the form browsers send them, or * alone', () => {
    const config = parseConfig({
      ...azurite,
      CORS_ALLOWED_ORIGINS: 'https://Portal.Example.com/, http://localhost:3000, https://a.example:443',
    });
    expect(config.cors).toEqual({
      allowedOrigins: ['https://portal.example.com', 'http://localhost:3000', 'https://a.example'],
    });
    expect(parseConfig({ ...azurite, CORS_ALLOWED_ORIGINS: ' * ' }).cors).toEqual({ allowedOrigins: ['*'] });
    expect(parseConfig({ ...azurite, CORS_ALLOWED_ORIGINS: ' ' }).cors).toEqual({ allowedOrigins: [] });
  });

  it.each([
    [{}, 'ASSIGNMENTS_STORAGE'],
    [{ ...azurite, ASSIGNMENTS_TABLE: 'bad-name!' }, 'ASSIGNMENTS_TABLE'],
    [{ ...azurite, STORAGE_TIMEOUT_MS: 'soon' }, 'STORAGE_TIMEOUT_MS'],
    [{ ...azurite, AUTH_MODE: 'open' }, 'AUTH_MODE'],
    [{ ...azurite, AUTH_MODE: 'apikey' }, 'AUTH_API_KEYS'],
    [{ ASSIGNMENTS_STORAGE__tableServiceUri: 'not a url' }, 'ASSIGNMENTS_STORAGE__tableServiceUri'],
    [{ ...jwt, AUTH_JWKS_URI: '' }, 'AUTH_JWKS_URI'],
    [{ ...jwt, AUTH_JWKS_URI: 'keys.json' }, 'AUTH_JWKS_URI'],
    [{ ...jwt, AUTH_JWKS_URI: 'http://login.example.com/keys' }, 'AUTH_JWKS_URI'],
    [{ ...jwt, AUTH_JWKS_URI: 'http://128.0.0.1/keys' }, 'AUTH_JWKS_URI'],
    [{ ...jwt, AUTH_JWKS_URI: 'http://localhost.example.com/keys' }, 'AUTH_JWKS_URI'],
    [{ ...jwt, AUTH_JWKS_URI: 'file:///etc/keys.json' }, 'AUTH_JWKS_URI'],
    [{ ...jwt, AUTH_ISSUER: ' , ' }, 'AUTH_ISSUER'],
    [{ ...jwt, AUTH_AUDIENCE: undefined }, 'AUTH_AUDIENCE'],
    [{ ...azurite, CORS_ALLOWED_ORIGINS: 'https://a.example/app' }, 'CORS_ALLOWED_ORIGINS'],
    [{ ...azurite, CORS_ALLOWED_ORIGINS: 'a.example' }, 'CORS_ALLOWED_ORIGINS'],
    [{ ...azurite, CORS_ALLOWED_ORIGINS: 'ftp://a.example' }, 'CORS_ALLOWED_ORIGINS'],
    [{ ...azurite, CORS_ALLOWED_ORIGINS: '*, https://a.example' }, 'CORS_ALLOWED_ORIGINS'],
  ])('a bad setting stops start-up naming it: %j', (env, name) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`\\b${name}:`));
  });

  it('accepts the automation-control settings the Bicep writes, and rejects other values', () => {
    expect(() => parseConfig({ ...azurite, MOCK_ADMIN: 'on', MOCK_ADMIN_KEY: 'k', MOCK_PROFILE: 'intune' })).not.toThrow();
    for (const [name, value] of [
      ['MOCK_ADMIN', 'yes'],
      ['MOCK_PROFILE', 'graph'],
    ] as const) {
      expect(() => parseConfig({ ...azurite, [name]: value })).toThrow(new RegExp(`\\b${name}:`));
    }
  });

  it('refuses a Key Vault reference the platform could not resolve rather than accept its text as a key', () => {
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/auth-api-keys/0123)';
    expect(() => parseConfig({ ...azurite, AUTH_MODE: 'apikey', AUTH_API_KEYS: reference })).toThrow(
      /\bAUTH_API_KEYS: is an unresolved Key Vault reference/,
    );
    expect(() => parseConfig({ ...azurite, MOCK_ADMIN_KEY: ` ${reference}` })).toThrow(
      /\bMOCK_ADMIN_KEY: is an unresolved Key Vault reference/,
    );
    // A resolved value is just the keys.
    expect(parseConfig({ ...azurite, AUTH_MODE: 'apikey', AUTH_API_KEYS: 'k1,k2' }).auth).toEqual({
      mode: 'apikey',
      apiKeys: [
        { key: 'k1', tenantId: undefined },
        { key: 'k2', tenantId: undefined },
      ],
    });
  });
});
