// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { onOff, positiveInt, refuseUnresolvedKeyVaultReference, settingsSlice } from '../settingsSlice';

/** The most entries MOCK_JOURNAL_MAX_ENTRIES may keep per tenant: pruning lists the keys of all of them. */
export const MAX_JOURNAL_ENTRIES = 100_000;

/** The platform sets these on every App Service and Functions app; their presence means "running in Azure". */
export const AZURE_PLATFORM_VARIABLES = ['WEBSITE_SITE_NAME', 'WEBSITE_INSTANCE_ID'] as const;

/** The /__admin endpoints, the request journal and the seed (docs/admin.md). MOCK_ADMIN_KEY comes from the Key Vault. */
export const adminSettings = settingsSlice({
  shape: {
    MOCK_ADMIN: onOff.default('off'),
    MOCK_ADMIN_KEY: z.string().optional(),
    MOCK_JOURNAL: onOff.default('on'),
    MOCK_JOURNAL_MAX_ENTRIES: positiveInt.max(MAX_JOURNAL_ENTRIES).default(1000),
    MOCK_ENFORCE_RETRY_AFTER: onOff.default('off'),
    MOCK_SEED_FILE: z.string().trim().min(1).optional(),
  },
  check(s, ctx, env) {
    refuseUnresolvedKeyVaultReference('MOCK_ADMIN_KEY', s.MOCK_ADMIN_KEY, ctx);
    if (s.MOCK_ADMIN === 'on' && !s.MOCK_ADMIN_KEY && AZURE_PLATFORM_VARIABLES.some((v) => env[v] !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['MOCK_ADMIN'],
        message:
          'is on in Azure without MOCK_ADMIN_KEY, which would let anyone reset or seed the data; set MOCK_ADMIN_KEY (from the Key Vault) or MOCK_ADMIN=off',
      });
    }
  },
  read: (s) => ({
    /** Whether /__admin/* is served (MOCK_ADMIN=on); off, it answers like any unknown path. */
    enabled: s.MOCK_ADMIN === 'on',
    /** When set, /__admin/* needs `Authorization: Bearer <key>`. */
    key: s.MOCK_ADMIN_KEY,
    // Kept only while /__admin is served: nothing could read it otherwise.
    journal: s.MOCK_ADMIN === 'on' && s.MOCK_JOURNAL === 'on',
    journalMaxEntries: s.MOCK_JOURNAL_MAX_ENTRIES,
    enforceRetryAfter: s.MOCK_ENFORCE_RETRY_AFTER === 'on',
    seedFile: s.MOCK_SEED_FILE,
  }),
});

export type AdminSettings = ReturnType<typeof adminSettings.read>;
