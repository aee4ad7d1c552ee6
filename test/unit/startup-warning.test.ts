import path from 'node:path';
import { createCoreApi } from '../../dev/runner';

// The dev-mode warning: once per process, when the host loads the app, and never with a secret in it.
const registration = path.join(__dirname, '../../src/functions/graph');

function loadTwice(env: Record<string, string>): string[] {
  const warnings: string[] = [];
  const spy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    // The host loads the function file once; a second require finds it in the module cache.
    jest.doMock('@azure/functions-core', () => createCoreApi(() => undefined), { virtual: true });
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports -- loaded inside isolateModules, after the mock */
      require(registration);
      require(registration);
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
  } finally {
    process.env = saved;
    spy.mockRestore();
  }
  return warnings;
}

it('warns once that dev mode accepts any token', () => {
  const warnings = loadTwice({ AUTH_MODE: 'dev' });
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/AUTH_MODE=dev.*any non-empty Bearer token/);
});

it('says nothing in apikey mode, and never prints the keys', () => {
  const warnings = loadTwice({ AUTH_MODE: 'apikey', AUTH_API_KEYS: 'key-that-must-stay-secret' });
  expect(warnings).toEqual([]);
});

it('stops loading with a message naming the setting when the settings do not fit together', () => {
  expect(() =>
    loadTwice({ AUTH_MODE: 'jwt', AUTH_JWKS_URI: 'http://keys.example.com/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' }),
  ).toThrow(/AUTH_JWKS_URI: must be an https URL/);
});

it('stops loading in Azure with MOCK_ADMIN=on and no MOCK_ADMIN_KEY, naming both settings', () => {
  expect(() => loadTwice({ MOCK_ADMIN: 'on', WEBSITE_SITE_NAME: 'mock-app' })).toThrow(/MOCK_ADMIN: is on in Azure without MOCK_ADMIN_KEY/);
  expect(() => loadTwice({ MOCK_ADMIN: 'on', MOCK_ADMIN_KEY: 'k-1', WEBSITE_SITE_NAME: 'mock-app' })).not.toThrow();
});
