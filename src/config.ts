// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { adminSettings, type AdminSettings } from './admin/settings';
import { authSettings, type AuthSettings } from './auth/settings';
import { configurationSettings, type ConfigurationSettings } from './configurations/settings';
import { failureSettings, headerControlSettings, latencySettings, rateLimitSettings, type MockSettings } from './controls/settings';
import { corsSettings, type CorsSettings } from './pipeline/settings';
import { positiveInt, settingsSlice } from './settingsSlice';
import { CONFIGURATIONS_TABLE_SUFFIX } from './store/keys';

/**
 * Every setting the app reads, parsed once with zod when the app is built. A bad value stops start-up
 * with an error that names the setting, instead of surfacing later as a 500 on some request.
 *
 * The settings are declared in slices next to the part of the app that owns them (src/auth/settings.ts,
 * src/pipeline/settings.ts, src/controls/settings.ts, src/admin/settings.ts) and composed here; the
 * storage settings are the app's own and are declared below.
 *
 * Storage follows the Functions identity-based connection convention for the connection named
 * ASSIGNMENTS_STORAGE: either a connection string in ASSIGNMENTS_STORAGE (Azurite, local), or
 * ASSIGNMENTS_STORAGE__tableServiceUri with a managed identity (ASSIGNMENTS_STORAGE__clientId for a
 * user-assigned one).
 */

export const STORAGE_CONNECTION = 'ASSIGNMENTS_STORAGE';

/**
 * The app's other tables are named after ASSIGNMENTS_TABLE, so mocks that share a storage account with
 * different ASSIGNMENTS_TABLE values (parallel CI jobs, one test file each) never share mock state or a
 * journal, and one's /__admin/reset never touches another's. Every instance of one app shares them.
 */
/** x-mock-error-count attempts and MOCK_RATE_LIMIT windows. */
export const STATE_TABLE_SUFFIX = 'State';
/** The request journal (docs/admin.md). */
export const JOURNAL_TABLE_SUFFIX = 'Journal';
const LONGEST_SUFFIX = Math.max(STATE_TABLE_SUFFIX.length, JOURNAL_TABLE_SUFFIX.length, CONFIGURATIONS_TABLE_SUFFIX.length);

/** Where the app keeps its data, and how long a storage call may take. */
const storageSettings = settingsSlice({
  shape: {
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
  },
  check(s, ctx) {
    if (!s.ASSIGNMENTS_STORAGE && !s.ASSIGNMENTS_STORAGE__tableServiceUri) {
      ctx.addIssue({
        code: 'custom',
        path: [STORAGE_CONNECTION],
        message: `set ${STORAGE_CONNECTION} (a connection string) or ${STORAGE_CONNECTION}__tableServiceUri (managed identity)`,
      });
    }
  },
  read(s) {
    const storage: StorageSettings = s.ASSIGNMENTS_STORAGE__tableServiceUri
      ? {
          kind: 'identity',
          tableServiceUri: s.ASSIGNMENTS_STORAGE__tableServiceUri,
          clientId: s.ASSIGNMENTS_STORAGE__clientId,
          managedIdentity: s.ASSIGNMENTS_STORAGE__credential === 'managedidentity' || !!s.ASSIGNMENTS_STORAGE__clientId,
        }
      : { kind: 'connectionString', connectionString: s.ASSIGNMENTS_STORAGE! };
    return {
      storage,
      tableName: s.ASSIGNMENTS_TABLE,
      stateTableName: `${s.ASSIGNMENTS_TABLE}${STATE_TABLE_SUFFIX}`,
      journalTableName: `${s.ASSIGNMENTS_TABLE}${JOURNAL_TABLE_SUFFIX}`,
      configurationsTableName: `${s.ASSIGNMENTS_TABLE}${CONFIGURATIONS_TABLE_SUFFIX}`,
      storageTimeoutMs: s.STORAGE_TIMEOUT_MS,
    };
  },
});

/** Which behaviour to copy where Graph's documentation and the live Intune service differ (docs/profiles.md). */
const profileSettings = settingsSlice({
  shape: { MOCK_PROFILE: z.enum(['documented', 'intune']).default('documented') },
  read: (s) => ({ profile: s.MOCK_PROFILE }),
});

const SHAPE = {
  ...storageSettings.shape,
  ...authSettings.shape,
  ...corsSettings.shape,
  ...headerControlSettings.shape,
  ...latencySettings.shape,
  ...failureSettings.shape,
  ...rateLimitSettings.shape,
  ...adminSettings.shape,
  ...profileSettings.shape,
  ...configurationSettings.shape,
};

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
  /** `<tableName>Configs`: each tenant's enrollment configurations. */
  configurationsTableName: string;
  storageTimeoutMs: number;
  auth: AuthSettings;
  /** The tenant of requests that name none (DEFAULT_TENANT_ID), lower-case. */
  defaultTenantId: string;
  cors: CorsSettings;
  mock: MockSettings;
  admin: AdminSettings;
  /** Which behaviour to copy: Graph's documentation, or what the live Intune service was seen to do. */
  profile: 'documented' | 'intune';
  configurations: ConfigurationSettings;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Empty strings mean "not set", as in app settings where a blank value is common. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

/** Reads every setting from `env` (the process's environment, in the app) or throws a ConfigError naming each bad one. */
export function parseConfig(env: NodeJS.ProcessEnv): AppConfig {
  const values = withoutBlanks(env);
  const schema = z.object(SHAPE).superRefine((s, ctx) => {
    for (const slice of [storageSettings, authSettings, corsSettings, latencySettings, adminSettings]) slice.check?.(s, ctx, values);
  });
  const result = schema.safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${String(i.path[0] ?? 'settings')}: ${i.message}`);
    throw new ConfigError(`Invalid settings: ${problems.join('; ')}`);
  }
  const s = result.data;
  return {
    ...storageSettings.read(s),
    ...authSettings.read(s),
    cors: corsSettings.read(s),
    mock: { ...headerControlSettings.read(s), ...latencySettings.read(s), ...failureSettings.read(s), ...rateLimitSettings.read(s) },
    admin: adminSettings.read(s),
    ...profileSettings.read(s),
    configurations: {
      requireConfiguration: configurationSettings.read(s).requireConfiguration ?? s.MOCK_PROFILE === 'intune',
    },
  };
}

/** Every setting name the app reads, for the check that the Bicep sets the same names. */
export const SETTING_NAMES: readonly string[] = Object.keys(SHAPE);
