import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/config';

const azurite = { ASSIGNMENTS_STORAGE: 'UseDevelopmentStorage=true' };
const mock = (env: Record<string, string>) => parseConfig({ ...azurite, ...env }).mock;

describe('mock control settings', () => {
  it('are all off by default, so a deployment without them behaves like plain Graph', () => {
    expect(mock({})).toEqual({
      headers: false,
      retryAfterSeconds: 10,
      maxLatencyMs: 30000,
      failureRate: 0,
      failureStatuses: [429, 503],
      latencyMs: undefined,
      seed: undefined,
      rateLimit: { mode: 'off' },
    });
  });

  it('treats blank values as unset, as app settings often are', () => {
    expect(mock({ MOCK_LATENCY_MS: '', MOCK_SEED: ' ', MOCK_RATE_LIMIT: '', MOCK_FAILURE_STATUSES: '' })).toEqual(mock({}));
  });

  it('reads every setting', () => {
    expect(
      mock({
        MOCK_CONTROLS: 'on',
        MOCK_RETRY_AFTER_SECONDS: '0',
        MOCK_MAX_LATENCY_MS: '5000',
        MOCK_FAILURE_RATE: '0.25',
        MOCK_FAILURE_STATUSES: '503, 429,503 ,504,500,502',
        MOCK_LATENCY_MS: '50 - 200',
        MOCK_SEED: '-42',
        MOCK_RATE_LIMIT: '3/2',
      }),
    ).toEqual({
      headers: true,
      retryAfterSeconds: 0,
      maxLatencyMs: 5000,
      failureRate: 0.25,
      failureStatuses: [503, 429, 504, 500, 502],
      latencyMs: { min: 50, max: 200 },
      seed: -42,
      rateLimit: { mode: 'requests', perCaller: 3, windowSeconds: 2 },
    });
  });

  it('reads intune as its documented write limits: 100 per caller and 200 per tenant in 20 seconds', () => {
    expect(mock({ MOCK_RATE_LIMIT: 'Intune' }).rateLimit).toEqual({
      mode: 'intune',
      perCaller: 100,
      perTenant: 200,
      readsPerCaller: 1000,
      readsPerTenant: 2000,
      windowSeconds: 20,
    });
  });

  it.each([
    [{ MOCK_CONTROLS: 'yes' }, 'MOCK_CONTROLS'],
    [{ MOCK_RETRY_AFTER_SECONDS: 'soon' }, 'MOCK_RETRY_AFTER_SECONDS'],
    [{ MOCK_RETRY_AFTER_SECONDS: '-1' }, 'MOCK_RETRY_AFTER_SECONDS'],
    [{ MOCK_RETRY_AFTER_SECONDS: '1.5' }, 'MOCK_RETRY_AFTER_SECONDS'],
    [{ MOCK_MAX_LATENCY_MS: '300000' }, 'MOCK_MAX_LATENCY_MS'],
    [{ MOCK_FAILURE_RATE: '1.5' }, 'MOCK_FAILURE_RATE'],
    [{ MOCK_FAILURE_RATE: 'half' }, 'MOCK_FAILURE_RATE'],
    [{ MOCK_FAILURE_STATUSES: '429,418' }, 'MOCK_FAILURE_STATUSES'],
    [{ MOCK_FAILURE_STATUSES: ',' }, 'MOCK_FAILURE_STATUSES'],
    [{ MOCK_LATENCY_MS: '100' }, 'MOCK_LATENCY_MS'],
    [{ MOCK_LATENCY_MS: '200-100' }, 'MOCK_LATENCY_MS'],
    [{ MOCK_LATENCY_MS: '0-40000' }, 'MOCK_LATENCY_MS'],
    [{ MOCK_SEED: 'abc' }, 'MOCK_SEED'],
    [{ MOCK_SEED: '1.5' }, 'MOCK_SEED'],
    [{ MOCK_RATE_LIMIT: 'fast' }, 'MOCK_RATE_LIMIT'],
    [{ MOCK_RATE_LIMIT: '0/20' }, 'MOCK_RATE_LIMIT'],
    [{ MOCK_RATE_LIMIT: '10/0' }, 'MOCK_RATE_LIMIT'],
    [{ MOCK_RATE_LIMIT: '5001/20' }, 'MOCK_RATE_LIMIT'],
    [{ ASSIGNMENTS_TABLE: 'A'.repeat(57) }, 'ASSIGNMENTS_TABLE'],
  ])('a bad value stops start-up naming the setting: %j', (env, name) => {
    expect(() => parseConfig({ ...azurite, ...env })).toThrow(ConfigError);
    expect(() => parseConfig({ ...azurite, ...env })).toThrow(new RegExp(`\\b${name}:`));
  });

  it('local.settings.json turns header controls on, so local runs honour them', () => {
    const local = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'local.settings.json'), 'utf8'));
    expect(parseConfig(local.Values).mock.headers).toBe(true);
  });

  it('local.settings.json serves the admin endpoints and keeps the journal, with no key', () => {
    const local = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'local.settings.json'), 'utf8'));
    expect(parseConfig(local.Values).admin).toMatchObject({ enabled: true, journal: true, key: undefined });
  });
});

describe('the Bicep defaults agree with the code defaults', () => {
  // A deployment that leaves these parameters alone must get exactly what the code does without them.
  const main = readFileSync(path.join(__dirname, '..', '..', 'infra', 'main.bicep'), 'utf8');
  const parameters = readFileSync(path.join(__dirname, '..', '..', 'infra', 'main.parameters.json'), 'utf8');
  const bicepDefault = (param: string) => new RegExp(`param ${param} \\w+ = '?([^'\\n]*)'?\\n`).exec(main)?.[1];
  const azdDefault = (setting: string) => new RegExp(`\\$\\{${setting}(?:=([^}]*))?\\}`).exec(parameters)?.[1] ?? '';

  it.each([
    ['mockControls', 'MOCK_CONTROLS'],
    ['mockRetryAfterSeconds', 'MOCK_RETRY_AFTER_SECONDS'],
    ['mockMaxLatencyMs', 'MOCK_MAX_LATENCY_MS'],
    ['mockFailureRate', 'MOCK_FAILURE_RATE'],
    ['mockFailureStatuses', 'MOCK_FAILURE_STATUSES'],
    ['mockLatencyMs', 'MOCK_LATENCY_MS'],
    ['mockSeed', 'MOCK_SEED'],
    ['mockRateLimit', 'MOCK_RATE_LIMIT'],
  ])('%s (%s)', (param, setting) => {
    const fromBicep = bicepDefault(param);
    expect(fromBicep).toBeDefined();
    expect(azdDefault(setting)).toBe(fromBicep);
    expect(mock({ [setting]: fromBicep! })).toEqual(mock({}));
  });

  it('the deployment default keeps header controls off', () => {
    expect(bicepDefault('mockControls')).toBe('off');
  });
});
