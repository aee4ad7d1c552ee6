// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { refuseUnresolvedKeyVaultReference, settingsSlice, splitList } from '../settingsSlice';

/** Tenant ids are GUIDs, compared and kept lower-case. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant of requests that name none; rows written before tenants existed belong to it. */
export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000000';

/** An entry of AUTH_API_KEYS: the key callers send, and the tenant it acts for (undefined: the default tenant). */
export interface ApiKey {
  key: string;
  tenantId: string | undefined;
}

export type AuthSettings =
  { mode: 'dev' } | { mode: 'apikey'; apiKeys: ApiKey[] } | { mode: 'jwt'; jwksUri: string; issuers: string[]; audiences: string[] };

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

/**
 * `key` or `key@tenantId`, split at the last `@`: a key may hold an `@` itself only when a tenant
 * follows. The tenant part must be a GUID, so a typo cannot silently put a key in a tenant of its own.
 */
function parseApiKey(entry: string): ApiKey | undefined {
  const at = entry.lastIndexOf('@');
  if (at < 0) return { key: entry, tenantId: undefined };
  const key = entry.slice(0, at).trim();
  const tenantId = entry.slice(at + 1).trim();
  if (key === '' || !GUID.test(tenantId)) return undefined;
  return { key, tenantId: tenantId.toLowerCase() };
}

const shape = {
  AUTH_MODE: z.enum(['dev', 'apikey', 'jwt']).default('dev'),
  AUTH_API_KEYS: z.string().optional(),
  AUTH_JWKS_URI: z.string().trim().optional(),
  AUTH_ISSUER: z.string().optional(),
  AUTH_AUDIENCE: z.string().optional(),
  DEFAULT_TENANT_ID: z
    .string()
    .trim()
    .regex(GUID, 'a tenant id is a GUID, such as 00000000-0000-0000-0000-000000000000')
    .transform((id) => id.toLowerCase())
    .default(DEFAULT_TENANT_ID),
};

/** Who may call (docs/auth.md), and which tenant a request acts for when it names none. */
export const authSettings = settingsSlice({
  shape,
  check(s, ctx) {
    refuseUnresolvedKeyVaultReference('AUTH_API_KEYS', s.AUTH_API_KEYS, ctx);
    if (s.AUTH_MODE === 'apikey') {
      const entries = splitList(s.AUTH_API_KEYS);
      if (entries.length === 0)
        ctx.addIssue({ code: 'custom', path: ['AUTH_API_KEYS'], message: 'AUTH_MODE=apikey needs at least one key' });
      // An unresolved reference holds an '@' of its own; it is refused above, once.
      if (/^\s*@Microsoft\.KeyVault\(/i.test(s.AUTH_API_KEYS ?? '')) return;
      entries.forEach((entry, i) => {
        // The message names the entry by its place: the setting holds secrets.
        if (parseApiKey(entry) === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['AUTH_API_KEYS'],
            message: `entry ${i + 1} has an '@' but what follows its last '@' is not a tenant id (a GUID): use key or key@tenantId`,
          });
        }
      });
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
  },
  read(s): { auth: AuthSettings; defaultTenantId: string } {
    const defaultTenantId = s.DEFAULT_TENANT_ID;
    switch (s.AUTH_MODE) {
      case 'apikey':
        return { auth: { mode: 'apikey', apiKeys: splitList(s.AUTH_API_KEYS).map((entry) => parseApiKey(entry)!) }, defaultTenantId };
      case 'jwt':
        return {
          auth: { mode: 'jwt', jwksUri: s.AUTH_JWKS_URI!, issuers: splitList(s.AUTH_ISSUER), audiences: splitList(s.AUTH_AUDIENCE) },
          defaultTenantId,
        };
      default:
        return { auth: { mode: 'dev' }, defaultTenantId };
    }
  },
});
