// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';

/**
 * Every setting the app reads, parsed once with zod. A bad value stops start-up with an error that
 * names the setting, instead of surfacing later as a 500 on some request.
 *
 * Storage follows the Functions identity-based connection convention for the connection named
 * ASSIGNMENTS_STORAGE: either a connection string in ASSIGNMENTS_STORAGE (Azurite, local), or
 * ASSIGNMENTS_STORAGE__tableServiceUri with a managed identity (ASSIGNMENTS_STORAGE__clientId for a
 * user-assigned one).
 */

export const STORAGE_CONNECTION = 'ASSIGNMENTS_STORAGE';

const onOff = z.enum(['on', 'off']);
const positiveInt = z.coerce.number().int().positive();

/** Statuses a mock control may answer with, each in Graph's shape (src/mock/controls.ts). */
export const MOCK_ERROR_STATUSES = [429, 500, 502, 503, 504] as const;
export type MockErrorStatus = (typeof MOCK_ERROR_STATUSES)[number];

/**
 * The app's other tables are named after ASSIGNMENTS_TABLE, so mocks that share a storage account with
 * different ASSIGNMENTS_TABLE values (parallel CI jobs, one test file each) never share mock state or a
 * journal, and one's /__admin/reset never touches another's. Every instance of one app shares them.
 */
/** x-mock-error-count attempts and MOCK_RATE_LIMIT windows. */
export const STATE_TABLE_SUFFIX = 'State';
/** The request journal (docs/admin.md). */
export const JOURNAL_TABLE_SUFFIX = 'Journal';
const LONGEST_SUFFIX = Math.max(STATE_TABLE_SUFFIX.length, JOURNAL_TABLE_SUFFIX.length);
/** The most entries MOCK_JOURNAL_MAX_ENTRIES may keep: pruning lists the keys of all of them. */
export const MAX_JOURNAL_ENTRIES = 100_000;

/** Longer than any client waits; Retry-After beyond it would only stall a test run. */
export const MAX_RETRY_AFTER_SECONDS = 3600;
/** Azure's front end drops an HTTP request after 230 s, so no simulated delay may reach it. */
export const MAX_LATENCY_BOUND_MS = 220_000;

const settingsSchema = z
  .object({
    ASSIGNMENTS_STORAGE: z.string().trim().min(1).optional(),
    ASSIGNMENTS_STORAGE__tableServiceUri: z.url({ protocol: /^https?$/ }).optional(),
    ASSIGNMENTS_STORAGE__clientId: z.string().trim().min(1).optional(),
    ASSIGNMENTS_STORAGE__credential: z.enum(['managedidentity']).optional(),
    ASSIGNMENTS_TABLE: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,}$/, 'a table name is letters and digits, starting with a letter, at least 3')
      .max(
        63 - LONGEST_SUFFIX,
        `at most ${63 - LONGEST_SUFFIX} characters: the app's other tables add up to ${LONGEST_SUFFIX} to it (a table name is at most 63)`,
      )
      .default('EnrollmentConfigurationAssignments'),
    STORAGE_TIMEOUT_MS: positiveInt.max(60_000).default(4_000),
    AUTH_MODE: z.enum(['dev', 'apikey', 'jwt']).default('dev'),
    AUTH_API_KEYS: z.string().optional(),
    AUTH_JWKS_URI: z.string().trim().optional(),
    AUTH_ISSUER: z.string().optional(),
    AUTH_AUDIENCE: z.string().optional(),
    CORS_ALLOWED_ORIGINS: z.string().optional(),
    // Mock controls (docs/mock-controls.md): off unless asked for, so a deployment behaves like plain Graph.
    MOCK_CONTROLS: onOff.default('off'),
    MOCK_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(MAX_RETRY_AFTER_SECONDS).default(10),
    MOCK_MAX_LATENCY_MS: z.coerce.number().int().min(0).max(MAX_LATENCY_BOUND_MS).default(30_000),
    MOCK_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
    MOCK_FAILURE_STATUSES: z
      .string()
      .default('429,503')
      .transform((value, ctx) => parseFailureStatuses(value, ctx)),
    MOCK_LATENCY_MS: z
      .string()
      .regex(/^\s*\d+\s*-\s*\d+\s*$/, 'use "min-max" in milliseconds, e.g. 50-200')
      .transform((value) => {
        const [min, max] = value.split('-').map((v) => Number(v.trim())) as [number, number];
        return { min, max };
      })
      .refine((range) => range.min <= range.max, 'the minimum is greater than the maximum')
      .optional(),
    MOCK_SEED: z
      .string()
      .trim()
      .regex(/^-?\d{1,15}$/, 'an integer, or empty for a random sequence')
      .transform(Number)
      .optional(),
    MOCK_RATE_LIMIT: z
      .string()
      .trim()
      .default('off')
      .transform((value, ctx) => parseRateLimit(value, ctx)),
    // The admin endpoints, journal and seed (docs/admin.md). MOCK_ADMIN_KEY comes from the Key Vault.
    // MOCK_PROFILE: docs/profiles.md.
    MOCK_ADMIN: onOff.default('off'),
    MOCK_ADMIN_KEY: z.string().optional(),
    MOCK_JOURNAL: onOff.default('on'),
    MOCK_JOURNAL_MAX_ENTRIES: positiveInt.max(MAX_JOURNAL_ENTRIES).default(1000),
    MOCK_ENFORCE_RETRY_AFTER: onOff.default('off'),
    MOCK_SEED_FILE: z.string().trim().min(1).optional(),
    MOCK_PROFILE: z.enum(['documented', 'intune']).default('documented'),
  })
  .superRefine((s, ctx) => {
    if (!s.ASSIGNMENTS_STORAGE && !s.ASSIGNMENTS_STORAGE__tableServiceUri) {
      ctx.addIssue({
        code: 'custom',
        path: [STORAGE_CONNECTION],
        message: `set ${STORAGE_CONNECTION} (a connection string) or ${STORAGE_CONNECTION}__tableServiceUri (managed identity)`,
      });
    }
    // When the platform cannot read a referenced secret it passes the reference text through as the
    // value. Taken as a key, that text (which is not secret) would let anyone who knows it in.
    for (const key of ['AUTH_API_KEYS', 'MOCK_ADMIN_KEY'] as const) {
      if (/^\s*@Microsoft\.KeyVault\(/i.test(s[key] ?? '')) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            "is an unresolved Key Vault reference: the app's identity could not read the secret (see docs/deploy.md, Troubleshooting)",
        });
      }
    }
    if (s.AUTH_MODE === 'apikey' && splitList(s.AUTH_API_KEYS).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_API_KEYS'], message: 'AUTH_MODE=apikey needs at least one key' });
    }
    // The JWT settings are checked only in jwt mode: the Bicep always passes all of them, whatever the mode.
    if (s.AUTH_MODE === 'jwt') {
      const problem = s.AUTH_JWKS_URI === undefined ? "AUTH_MODE=jwt needs the signing keys' URL" : jwksUriProblem(s.AUTH_JWKS_URI);
      if (problem) ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URI'], message: problem });
      if (splitList(s.AUTH_ISSUER).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_ISSUER'], message: 'AUTH_MODE=jwt needs the accepted token issuer(s)' });
      }
      if (splitList(s.AUTH_AUDIENCE).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_AUDIENCE'], message: 'AUTH_MODE=jwt needs the accepted token audience(s)' });
      }
    }
    const origins = splitList(s.CORS_ALLOWED_ORIGINS);
    for (const origin of origins) {
      const problem = originProblem(origin, origins.length);
      if (problem) ctx.addIssue({ code: 'custom', path: ['CORS_ALLOWED_ORIGINS'], message: problem });
    }
    if (s.MOCK_LATENCY_MS && s.MOCK_LATENCY_MS.max > s.MOCK_MAX_LATENCY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['MOCK_LATENCY_MS'],
        message: `the maximum is above MOCK_MAX_LATENCY_MS (${s.MOCK_MAX_LATENCY_MS})`,
      });
    }
  });

export type StorageSettings =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; clientId?: string; managedIdentity: boolean };

export interface AppConfig {
  storage: StorageSettings;
  tableName: string;
  /** `<tableName>State`: the mock controls' shared state. */
  stateTableName: string;
  /** `<tableName>Journal`: the request journal. */
  journalTableName: string;
  storageTimeoutMs: number;
  auth: AuthSettings;
  cors: CorsSettings;
  mock: MockSettings;
  admin: AdminSettings;
  /** Which behaviour to copy: Graph's documentation, or what the live Intune service was seen to do. */
  profile: 'documented' | 'intune';
}

export type AuthSettings =
  { mode: 'dev' } | { mode: 'apikey'; apiKeys: string[] } | { mode: 'jwt'; jwksUri: string; issuers: string[]; audiences: string[] };

/** Browser origins allowed to call the API; empty means CORS is off, ['*'] means any origin. */
export interface CorsSettings {
  allowedOrigins: string[];
}

export type RateLimitSetting =
  | { mode: 'off' }
  /**
   * Intune's documented limits, in one 20 s window: writes per caller (app) and for the whole tenant,
   * and any request (reads included) per caller and for the tenant.
   */
  | { mode: 'intune'; perCaller: number; perTenant: number; readsPerCaller: number; readsPerTenant: number; windowSeconds: number }
  /** Every request, reads included, per caller. */
  | { mode: 'requests'; perCaller: number; windowSeconds: number };

export const INTUNE_RATE_LIMIT = {
  mode: 'intune',
  perCaller: 100,
  perTenant: 200,
  readsPerCaller: 1000,
  readsPerTenant: 2000,
  windowSeconds: 20,
} as const;

/** The most requests one `<requests>/<seconds>` window may allow: its log is kept in one table entity. */
export const MAX_RATE_LIMIT_REQUESTS = 5000;

export interface MockSettings {
  /** Whether x-mock-* request headers are honoured (MOCK_CONTROLS=on). */
  headers: boolean;
  retryAfterSeconds: number;
  maxLatencyMs: number;
  failureRate: number;
  failureStatuses: MockErrorStatus[];
  latencyMs: { min: number; max: number } | undefined;
  /** undefined: a random sequence each start. */
  seed: number | undefined;
  rateLimit: RateLimitSetting;
}

/** The /__admin endpoints, the request journal and the seed (docs/admin.md). */
export interface AdminSettings {
  /** Whether /__admin/* is served (MOCK_ADMIN=on); off, it answers like any unknown path. */
  enabled: boolean;
  /** When set, /__admin/* needs `Authorization: Bearer <key>`. */
  key: string | undefined;
  journal: boolean;
  journalMaxEntries: number;
  enforceRetryAfter: boolean;
  seedFile: string | undefined;
}

/** The platform sets these on every App Service and Functions app; their presence means "running in Azure". */
export const AZURE_PLATFORM_VARIABLES = ['WEBSITE_SITE_NAME', 'WEBSITE_INSTANCE_ID'] as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Loopback only: 127.0.0.0/8, ::1 and localhost. URL has already normalised the host (lower case, IPv4 dotted). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Keys fetched over plain http could be swapped in transit, so http is only for a key server on this machine. */
function jwksUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `'${value}' is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'must be an https URL (http only on a loopback host: 127.0.0.0/8, ::1, localhost)';
}

/** An origin is scheme://host[:port]: no path, query, fragment or credentials. */
function originProblem(value: string, count: number): string | undefined {
  if (value === '*') return count === 1 ? undefined : "'*' allows every origin, so it must be the only entry";
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if (!url || !/^https?:$/.test(url.protocol) || !bare || value.endsWith('?') || value.endsWith('#')) {
    return `'${value}' is not an origin (scheme://host[:port], no path)`;
  }
  return undefined;
}

/** Browsers send Origin serialised (lower-case host, no default port); URL.origin gives the same form. */
function normaliseOrigin(value: string): string {
  return value === '*' ? value : new URL(value).origin;
}

function isMockErrorStatus(n: number): n is MockErrorStatus {
  return (MOCK_ERROR_STATUSES as readonly number[]).includes(n);
}

function parseFailureStatuses(value: string, ctx: z.RefinementCtx): MockErrorStatus[] {
  const statuses: MockErrorStatus[] = [];
  for (const item of splitList(value)) {
    const n = /^\d{3}$/.test(item) ? Number(item) : NaN;
    if (!isMockErrorStatus(n)) {
      ctx.addIssue({ code: 'custom', message: `'${item}' is not one of ${MOCK_ERROR_STATUSES.join(', ')}` });
      return z.NEVER;
    }
    if (!statuses.includes(n)) statuses.push(n);
  }
  if (statuses.length === 0) {
    ctx.addIssue({ code: 'custom', message: `list at least one of ${MOCK_ERROR_STATUSES.join(', ')}` });
    return z.NEVER;
  }
  return statuses;
}

function parseRateLimit(value: string, ctx: z.RefinementCtx): RateLimitSetting {
  const v = value.toLowerCase();
  if (v === 'off') return { mode: 'off' };
  if (v === 'intune') return { ...INTUNE_RATE_LIMIT };
  const match = /^(\d{1,9})\s*\/\s*(\d{1,5})$/.exec(v);
  const perCaller = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || perCaller < 1 || perCaller > MAX_RATE_LIMIT_REQUESTS || windowSeconds < 1 || windowSeconds > MAX_RETRY_AFTER_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      message: `use off, intune, or "<requests>/<seconds>" such as 100/20 (1 to ${MAX_RATE_LIMIT_REQUESTS} requests, 1 to ${MAX_RETRY_AFTER_SECONDS} seconds)`,
    });
    return z.NEVER;
  }
  return { mode: 'requests', perCaller, windowSeconds };
}

/** Empty strings mean "not set", as in app settings where a blank value is common. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

export function parseConfig(env: NodeJS.ProcessEnv): AppConfig {
  const result = settingsSchema.safeParse(withoutBlanks(env));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${String(i.path[0] ?? 'settings')}: ${i.message}`);
    throw new ConfigError(`Invalid settings: ${problems.join('; ')}`);
  }
  const s = result.data;
  const env2 = withoutBlanks(env);
  if (s.MOCK_ADMIN === 'on' && !s.MOCK_ADMIN_KEY && AZURE_PLATFORM_VARIABLES.some((v) => env2[v] !== undefined)) {
    throw new ConfigError(
      'Invalid settings: MOCK_ADMIN: is on in Azure without MOCK_ADMIN_KEY, which would let anyone reset or seed the data; set MOCK_ADMIN_KEY (from the Key Vault) or MOCK_ADMIN=off',
    );
  }
  const storage: StorageSettings = s.ASSIGNMENTS_STORAGE__tableServiceUri
    ? {
        kind: 'identity',
        tableServiceUri: s.ASSIGNMENTS_STORAGE__tableServiceUri,
        clientId: s.ASSIGNMENTS_STORAGE__clientId,
        managedIdentity: s.ASSIGNMENTS_STORAGE__credential === 'managedidentity' || !!s.ASSIGNMENTS_STORAGE__clientId,
      }
    : { kind: 'connectionString', connectionString: s.ASSIGNMENTS_STORAGE as string };
  return {
    storage,
    tableName: s.ASSIGNMENTS_TABLE,
    stateTableName: `${s.ASSIGNMENTS_TABLE}${STATE_TABLE_SUFFIX}`,
    journalTableName: `${s.ASSIGNMENTS_TABLE}${JOURNAL_TABLE_SUFFIX}`,
    storageTimeoutMs: s.STORAGE_TIMEOUT_MS,
    auth: authSettings(s),
    cors: { allowedOrigins: splitList(s.CORS_ALLOWED_ORIGINS).map(normaliseOrigin) },
    mock: {
      headers: s.MOCK_CONTROLS === 'on',
      retryAfterSeconds: s.MOCK_RETRY_AFTER_SECONDS,
      maxLatencyMs: s.MOCK_MAX_LATENCY_MS,
      failureRate: s.MOCK_FAILURE_RATE,
      failureStatuses: s.MOCK_FAILURE_STATUSES,
      latencyMs: s.MOCK_LATENCY_MS,
      seed: s.MOCK_SEED,
      rateLimit: s.MOCK_RATE_LIMIT,
    },
    admin: {
      enabled: s.MOCK_ADMIN === 'on',
      key: s.MOCK_ADMIN_KEY,
      // Kept only while /__admin is served: nothing could read it otherwise.
      journal: s.MOCK_ADMIN === 'on' && s.MOCK_JOURNAL === 'on',
      journalMaxEntries: s.MOCK_JOURNAL_MAX_ENTRIES,
      enforceRetryAfter: s.MOCK_ENFORCE_RETRY_AFTER === 'on',
      seedFile: s.MOCK_SEED_FILE,
    },
    profile: s.MOCK_PROFILE,
  };
}

function authSettings(s: z.infer<typeof settingsSchema>): AuthSettings {
  switch (s.AUTH_MODE) {
    case 'apikey':
      return { mode: 'apikey', apiKeys: splitList(s.AUTH_API_KEYS) };
    case 'jwt':
      return {
        mode: 'jwt',
        jwksUri: s.AUTH_JWKS_URI as string,
        issuers: splitList(s.AUTH_ISSUER),
        audiences: splitList(s.AUTH_AUDIENCE),
      };
    default:
      return { mode: 'dev' };
  }
}

let cached: AppConfig | undefined;

/** The process's settings, parsed on first use. */
export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Every setting name the app reads, for the check that the Bicep sets the same names. */
export const SETTING_NAMES: readonly string[] = Object.keys(settingsSchema.shape);
