import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, SETTING_NAMES } from '../../src/config';

// Code and infrastructure cannot drift: the app settings the Bicep writes are exactly the names the
// code reads (besides the platform's own), and the deployment's defaults make a configuration the
// code accepts.

const infra = path.join(__dirname, '..', '..', 'infra');
const functionApp = readFileSync(path.join(infra, 'app', 'function-app.bicep'), 'utf8');
const main = readFileSync(path.join(infra, 'main.bicep'), 'utf8');

/** `KEY: expression` lines of `var appSettings = { ... }`. */
function bicepAppSettings(): Map<string, string> {
  const block = /^var appSettings = \{\n([\s\S]*?)^\}/m.exec(functionApp);
  if (!block) throw new Error('infra/app/function-app.bicep has no `var appSettings = { ... }` block');
  const settings = new Map<string, string>();
  for (const m of block[1]!.matchAll(/^\s+([A-Za-z_][\w]*)\s*:\s*(.+)$/gm)) settings.set(m[1]!, m[2]!.trim());
  return settings;
}

/** The default main.bicep gives a parameter, as the app setting's text; undefined when it has none. */
function mainDefault(param: string): string | undefined {
  const m = new RegExp(`^param ${param} (?:string|int) = (.+)$`, 'm').exec(main);
  if (!m) return undefined;
  const literal = m[1]!.trim();
  return literal.startsWith("'") ? literal.slice(1, -1) : literal;
}

const PLATFORM = /^(AzureWebJobsStorage__|APPLICATIONINSIGHTS_)/;

describe('Bicep app settings and the code', () => {
  const settings = bicepAppSettings();

  it('the Bicep sets only settings the code reads (besides the platform ones), with the same names', () => {
    const own = [...settings.keys()].filter((k) => !PLATFORM.test(k));
    expect(own.length).toBeGreaterThan(5);
    expect(own.filter((k) => !SETTING_NAMES.includes(k))).toEqual([]);
  });

  it('every setting the code reads is set by the Bicep, except the local connection string', () => {
    expect(SETTING_NAMES.filter((k) => !settings.has(k))).toEqual(['ASSIGNMENTS_STORAGE']);
  });

  it('uses no storage key or connection string anywhere', () => {
    expect(settings.has('ASSIGNMENTS_STORAGE')).toBe(false);
    expect(settings.has('AzureWebJobsStorage')).toBe(false);
    expect(functionApp).not.toMatch(/listKeys\(|AccountKey=/);
  });

  it("the deployment's defaults make a configuration the code accepts, in managed-identity mode", () => {
    // The platform resolves the two Key Vault references before the app sees them, so the app reads
    // the secrets themselves; with no admin key given MOCK_ADMIN_KEY is empty.
    const samples: Record<string, string> = {
      tableEndpoint: 'https://stexample.table.core.windows.net/',
      identityClientId: '11111111-2222-3333-4444-555555555555',
      authApiKeysSetting: 'a-key-given-at-the-azd-prompt',
      mockAdminKeySetting: '',
    };
    const env: Record<string, string> = {};
    for (const [key, expression] of settings) {
      if (PLATFORM.test(key)) continue;
      const literal = /^'(.*)'$/.exec(expression);
      const param = /^(?:string\()?(\w+)\)?$/.exec(expression)?.[1];
      const value = literal ? literal[1] : param === undefined ? undefined : (samples[param] ?? mainDefault(param));
      if (value === undefined) throw new Error(`no default or sample for ${key}: ${expression}`);
      env[key] = value;
    }
    const config = parseConfig(env);
    expect(config.storage).toEqual({
      kind: 'identity',
      tableServiceUri: samples.tableEndpoint,
      clientId: samples.identityClientId,
      managedIdentity: true,
    });
    expect(config.auth.mode).toBe('apikey');
    expect(env).toMatchObject({ MOCK_ADMIN: 'off', MOCK_PROFILE: 'documented' });
  });

  it('sets no queue service for the host: the app is HTTP-only', () => {
    expect([...settings.keys()].filter((k) => /queue/i.test(k))).toEqual([]);
  });
});

describe('docs/settings.md and the code', () => {
  const page = readFileSync(path.join(__dirname, '..', '..', 'docs', 'settings.md'), 'utf8');
  const documented = [...page.matchAll(/^\| `([A-Z][A-Z0-9_]*(?:__[A-Za-z]+)?)` \|/gm)].map((m) => m[1]!);

  it('documents every setting the code reads, and only those', () => {
    expect([...documented].sort()).toEqual([...SETTING_NAMES].sort());
  });
});
