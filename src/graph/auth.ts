import { timingSafeEqual, createHash } from 'node:crypto';
import type { AppConfig } from '../config';
import { unauthorized } from './errors';

export type Access = 'read' | 'write';

/** Reads the bearer token as Graph does: a missing, empty or non-Bearer Authorization header is a 401. */
export function bearerToken(authorization: string | null): string {
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(authorization?.trim() ?? '');
  const token = match?.[1]?.trim();
  if (!token) throw unauthorized('Access token is empty.');
  return token;
}

/** Hashing first makes the comparison constant-time whatever the lengths are. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Throws a Graph-shaped 401 unless the request may go on. */
export function authenticate(authorization: string | null, auth: AppConfig['auth']): void {
  const token = bearerToken(authorization);
  if (auth.mode === 'dev') return;
  // Compare against every key so the time taken does not tell which key, if any, nearly matched.
  let ok = false;
  for (const key of auth.apiKeys) ok = sameSecret(token, key) || ok;
  if (!ok) throw unauthorized('Access token validation failure. Invalid audience.');
}
