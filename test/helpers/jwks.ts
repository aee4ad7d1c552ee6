import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/**
 * A stand-in for Entra ID's signing keys: key pairs generated in the test, a JWKS served from
 * 127.0.0.1 on a free port, and tokens signed with jose. Nothing here touches the internet.
 */

export const ISSUER = 'https://login.microsoftonline.com/00000000-0000-0000-0000-00000000aaaa/v2.0';
export const AUDIENCE = 'api://graph-mock';
export const CLIENT_APP = '11111111-2222-3333-4444-555555555555';
/** The tenant of ISSUER, as Entra puts it in every access token's `tid`. */
export const TENANT = '00000000-0000-0000-0000-00000000aaaa';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface JwksServer {
  uri: string;
  /** How many times the JWKS was fetched. */
  hits(): number;
  publish(...keys: SigningKey[]): void;
  /** Answer with this status (and no key set) instead of 200, to stand for a failing key endpoint. */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startJwksServer(...keys: SigningKey[]): Promise<JwksServer> {
  const published: JWK[] = keys.map((k) => k.publicJwk);
  let hits = 0;
  let failure: number | undefined;
  const server = http.createServer((req, res) => {
    hits++;
    if (failure !== undefined) {
      res.writeHead(failure, { 'content-type': 'text/plain' }).end('key endpoint down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/discovery/v2.0/keys`,
    hits: () => hits,
    publish: (...more) => published.push(...more.map((k) => k.publicJwk)),
    failWith: (status) => {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** From new Date(), as jose checks lifetimes: tests may move Date.now() to steer jose's key-set cache. */
const nowSeconds = () => Math.floor(new Date().getTime() / 1000);

/**
 * An Entra-style access token. Claims default to a valid delegated token for ISSUER/AUDIENCE with
 * write permission; `claims` overrides them, and an undefined value removes the claim.
 */
export async function accessToken(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSeconds();
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + 3600,
    appid: CLIENT_APP,
    tid: TENANT,
    sub: 'user-subject',
    scp: 'DeviceManagementConfiguration.ReadWrite.All',
    ...claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token, `alg: none`, built by hand because jose refuses to make one. */
export function unsignedToken(kid: string, claims: Record<string, unknown> = {}): string {
  const now = nowSeconds();
  const payload = {
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + 3600,
    scp: 'DeviceManagementConfiguration.ReadWrite.All',
    ...claims,
  };
  return `${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url(payload)}.`;
}

export { nowSeconds };
