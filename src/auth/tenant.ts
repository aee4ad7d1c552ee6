import { unauthorized, type GraphError } from '../graph/errors';
import { GUID } from './settings';

/**
 * Which tenant a request acts for (docs/auth.md, "Tenants"). Graph never lets one tenant see another's
 * data, so every request acts for exactly one: the token's `tid` in jwt mode, the key's tenant in apikey
 * mode, and in dev mode the `tid` of a JWT-shaped token, else the default tenant (DEFAULT_TENANT_ID).
 */

/** Graph's answer for a token whose tenant is missing or not a tenant id. */
export const invalidTenant = (): GraphError => unauthorized('Access token validation failure. Invalid tenant.');

/** A `tid` as the tenant id it names (lower-case), or a 401 when it is not a GUID. */
export function tenantOf(tid: unknown): string {
  if (typeof tid !== 'string' || !GUID.test(tid)) throw invalidTenant();
  return tid.toLowerCase();
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The `tid` of a dev-mode token when the token is JWT-shaped (three base64url parts whose middle one
 * is a JSON object with a string `tid`), decoded and not verified: dev mode verifies nothing. Undefined
 * for any other token, which then acts for the default tenant; a 401 when the `tid` is not a GUID.
 */
export function devTokenTenant(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const tid = (payload as Record<string, unknown>).tid;
  return typeof tid === 'string' ? tenantOf(tid) : undefined;
}
