import { timingSafeEqual, createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as jose, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { forbidden, serviceUnavailable, unauthorized } from '../graph/errors';
import type { ApiKey, AuthSettings } from './settings';
import { devTokenTenant, tenantOf } from './tenant';

/**
 * Who may call, in the three modes of AUTH_MODE:
 * - dev: any non-empty Bearer token (local use; the app warns at start-up);
 * - apikey: the token must be one of AUTH_API_KEYS, for automation that cannot get Entra tokens;
 * - jwt: an access token signed by a key from AUTH_JWKS_URI, for AUTH_ISSUER and AUTH_AUDIENCE,
 *   carrying Graph's permissions for this API in `scp` (delegated) or `roles` (application).
 * Nothing here logs or echoes a token: answers use fixed, Graph-worded messages.
 */

/** `authenticated`: any known caller (the $batch envelope; each item is then authorized on its own). */
export type Access = 'read' | 'write' | 'authenticated';

/** The caller of a request that passed authentication, and the tenant it acts for. */
export type Principal = (
  | {
      kind: 'dev' | 'apikey';
      /** A stable, non-secret id: a hash of the token (dev) or of the API key (apikey). */
      callerId: string;
      /** A key (or, in dev mode, any token) grants every permission. */
      permissions: 'all';
    }
  | {
      kind: 'jwt';
      /** `app:<appid or azp>` (the client application, as Graph throttles), else `sub:<sub>`. */
      callerId: string;
      /** delegated: the permissions came from `scp`; application: from `roles`. */
      permissionType: 'delegated' | 'application';
      permissions: readonly string[];
    }
) & {
  /** A GUID, lower-case (src/auth/tenant.ts). */
  tenantId: string;
};

/** Graph's permissions for enrollment configuration assignments, most privileged first. */
export const WRITE_PERMISSIONS: readonly string[] = [
  'DeviceManagementServiceConfig.ReadWrite.All',
  'DeviceManagementConfiguration.ReadWrite.All',
];
export const READ_PERMISSIONS: readonly string[] = [
  'DeviceManagementServiceConfig.Read.All',
  'DeviceManagementServiceConfig.ReadWrite.All',
  'DeviceManagementConfiguration.Read.All',
  'DeviceManagementConfiguration.ReadWrite.All',
];

/** Asymmetric algorithms only: no `none`, and no HS*, which with a public JWKS would let anyone sign. */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** How far exp and nbf may be off: clocks drift, and Entra itself allows for a few minutes. */
export const CLOCK_TOLERANCE_SECONDS = 60;

/**
 * The key set's fetching policy. An unknown `kid` (a key rollover) refetches at most once per
 * cooldown, so tokens with made-up kids cannot make the app hammer the key endpoint; keys are
 * refetched anyway after cacheMaxAge, so a key withdrawn from the JWKS stops being trusted within it.
 */
export const JWKS_OPTIONS = { cooldownDuration: 30_000, cacheMaxAge: 60 * 60_000, timeoutDuration: 5_000 };

/** Reads the bearer token as Graph does: a missing, empty or non-Bearer Authorization header is a 401. */
export function bearerToken(authorization: string | null): string {
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(authorization?.trim() ?? '');
  const token = match?.[1]?.trim();
  if (!token) throw unauthorized('Access token is empty.');
  return token;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Enough of a hash to tell callers apart in logs and per-caller state, never the secret itself. */
function fingerprintOf(digest: Buffer): string {
  return digest.toString('hex').slice(0, 16);
}

/**
 * A credential's fingerprint (callers here, the journal's redacted Authorization header). A caller sends
 * the same token request after request: the last one's fingerprint is kept, not hashed again.
 */
let lastFingerprinted: { secret: string; fingerprint: string } | undefined;
export function fingerprint(secret: string): string {
  if (lastFingerprinted?.secret !== secret) lastFingerprinted = { secret, fingerprint: fingerprintOf(sha256(secret)) };
  return lastFingerprinted.fingerprint;
}

/** Throws Graph's 403 unless the caller holds one of the permissions the access needs. */
export function authorize(principal: Principal, access: Access): void {
  if (principal.permissions === 'all' || access === 'authenticated') return;
  const required = access === 'write' ? WRITE_PERMISSIONS : READ_PERMISSIONS;
  const held = new Set(principal.permissions.map((p) => p.toLowerCase()));
  if (required.some((p) => held.has(p.toLowerCase()))) return;
  const [what, onRequest] = principal.permissionType === 'delegated' ? ['scope', 'Scopes'] : ['role', 'Roles'];
  throw forbidden(
    `Missing ${what} permissions on the request. API requires one of '${required.join(', ')}'. ` +
      `${onRequest} on the request '${principal.permissions.join(', ')}'`,
  );
}

/** The key endpoint failed (unreachable, timed out, not a JWKS): the server's fault, not the token's. */
class KeySetUnavailable extends Error {
  override name = 'KeySetUnavailable';
}

/**
 * Checks callers in the configured mode (AUTH_MODE). In jwt mode it owns the signing keys, fetched on
 * the first token and cached (JWKS_OPTIONS), so one app instance shares them across its requests.
 */
export class Authenticator {
  #getKey: JWTVerifyGetKey | undefined;
  /** AUTH_API_KEYS' digests, in their order, made once rather than on every request. */
  readonly #keyDigests: readonly Buffer[];

  constructor(
    private readonly auth: AuthSettings,
    private readonly defaultTenantId: string,
  ) {
    this.#keyDigests = auth.mode === 'apikey' ? auth.apiKeys.map((entry) => sha256(entry.key)) : [];
  }

  /** The caller and its tenant; throws a Graph-shaped 401 (or 503) unless the caller is known. */
  async authenticate(authorization: string | null): Promise<Principal> {
    const token = bearerToken(authorization);
    const auth = this.auth;
    switch (auth.mode) {
      case 'dev':
        return {
          kind: 'dev',
          callerId: `dev:${fingerprint(token)}`,
          permissions: 'all',
          tenantId: devTokenTenant(token) ?? this.defaultTenantId,
        };
      case 'apikey': {
        // Digests of equal length compare in constant time; every key is compared, so the time taken
        // does not tell which key, if any, nearly matched.
        const digest = sha256(token);
        let matched: ApiKey | undefined;
        auth.apiKeys.forEach((entry, i) => {
          if (timingSafeEqual(digest, this.#keyDigests[i]!)) matched ??= entry;
        });
        if (!matched) throw unauthorized('Access token validation failure. Invalid audience.');
        return {
          kind: 'apikey',
          callerId: `key:${fingerprintOf(digest)}`,
          permissions: 'all',
          tenantId: matched.tenantId ?? this.defaultTenantId,
        };
      }
      case 'jwt':
        return this.#verifyAccessToken(token, auth);
    }
  }

  /** Authentication then authorization, as the pipeline runs them for a route that needs a token. */
  async admit(authorization: string | null, access: Access): Promise<Principal> {
    const principal = await this.authenticate(authorization);
    authorize(principal, access);
    return principal;
  }

  #signingKeys(uri: string): JWTVerifyGetKey {
    if (this.#getKey) return this.#getKey;
    const remote = createRemoteJWKSet(new URL(uri), JWKS_OPTIONS);
    this.#getKey = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        // No usable key for the token's kid and alg (after the refetch jose does on an unknown kid) is the token's problem.
        if (err instanceof jose.JWKSNoMatchingKey || err instanceof jose.JWKSMultipleMatchingKeys || err instanceof jose.JOSENotSupported) {
          throw err;
        }
        throw new KeySetUnavailable('The signing keys could not be fetched', { cause: err });
      }
    };
    return this.#getKey;
  }

  async #verifyAccessToken(token: string, auth: Extract<AuthSettings, { mode: 'jwt' }>): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#signingKeys(auth.jwksUri), {
        algorithms: ALLOWED_ALGORITHMS,
        issuer: auth.issuers,
        audience: auth.audiences,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw tokenRejected(err);
    }
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter((s) => s.length > 0) : [];
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : undefined;
    if (scopes.length === 0 && roles === undefined) {
      throw unauthorized('Either scp or roles claim need to be present in the token.');
    }
    return {
      kind: 'jwt',
      callerId: callerIdOf(payload, token),
      permissionType: scopes.length > 0 ? 'delegated' : 'application',
      permissions: scopes.length > 0 ? scopes : (roles ?? []),
      // Entra's tokens always carry the tenant; a token without one is not a tenant's.
      tenantId: tenantOf(payload.tid),
    };
  }
}

function callerIdOf(payload: JWTPayload, token: string): string {
  const app = [payload.appid, payload.azp].find((v): v is string => typeof v === 'string' && v.length > 0);
  if (app) return `app:${app}`;
  if (typeof payload.sub === 'string' && payload.sub.length > 0) return `sub:${payload.sub}`;
  return `jwt:${fingerprint(token)}`;
}

/**
 * jose's reasons, in Graph's words; nothing of jose's own text reaches the caller. Anything that is not
 * jose's verdict on the token (a bug of ours) comes back unchanged, for the handler's 500 and the log.
 */
function tokenRejected(err: unknown): unknown {
  if (err instanceof KeySetUnavailable) {
    const unavailable = serviceUnavailable();
    unavailable.cause = err.cause;
    return unavailable;
  }
  if (err instanceof jose.JWTExpired) return unauthorized('Lifetime validation failed, the token is expired.');
  if (err instanceof jose.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return unauthorized('Access token validation failure. Invalid audience.');
    if (err.claim === 'iss') return unauthorized('Access token validation failure. Invalid issuer.');
    if (err.claim === 'nbf') return unauthorized('Lifetime validation failed, the token is not yet valid.');
  }
  if (err instanceof jose.JOSEError) return unauthorized('Access token validation failure.');
  return err;
}

/** Log text with the request's bearer token cut out, should an error message ever carry it. */
export function redactToken(text: string, authorization: string | null): string {
  const token = /^Bearer[ \t]+(\S.*)$/i.exec(authorization?.trim() ?? '')?.[1]?.trim();
  // Very short dev tokens ("t") are no secret, and replacing them would garble the message.
  return token && token.length >= 6 ? text.split(token).join('[redacted]') : text;
}
