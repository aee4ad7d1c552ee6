/**
 * The loopback certificate of `npm start -- --https` (the idea of `func start --useHttps`): made once
 * with the `selfsigned` library, kept in .certs/ (git-ignored) and reused while it is valid, so a
 * client told to trust it once keeps trusting it.
 *
 * One self-signed certificate, not a CA: trusting it lets a client trust exactly this server and
 * nothing else (its basicConstraints say it can sign no other certificate).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface DevCertificate {
  certFile: string;
  keyFile: string;
  /** Made by this call (false: an existing one was reused). */
  created: boolean;
  /** SHA-256 fingerprint, as browsers and `openssl x509 -fingerprint -sha256` show it. */
  fingerprint: string;
  validTo: Date;
}

const DNS_NAMES = ['localhost'];
const IPS = ['127.0.0.1', '::1'];
/** Renewed this long before it expires, so it never expires during a working session. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

function reusable(certFile: string, keyFile: string): X509Certificate | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) return undefined;
    if (new Date(cert.validTo).getTime() - Date.now() < RENEW_BEFORE_MS) return undefined;
    if (![...DNS_NAMES.map((n) => cert.checkHost(n)), ...IPS.map((ip) => cert.checkIP(ip))].every(Boolean)) return undefined;
    return cert;
  } catch {
    return undefined; // unreadable or not PEM: make a new one
  }
}

export async function ensureDevCertificate(dir: string): Promise<DevCertificate> {
  const certFile = path.join(dir, 'localhost-cert.pem');
  const keyFile = path.join(dir, 'localhost-key.pem');
  const existing = reusable(certFile, keyFile);
  if (existing) return { certFile, keyFile, created: false, fingerprint: existing.fingerprint256, validTo: new Date(existing.validTo) };

  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost (graph-enrollment-assignments-mock)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    // 365 days: within what browsers and Apple platforms accept for a server certificate (398).
    notAfterDate: new Date(notBeforeDate.getTime() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      // An EC key signs the handshake; it encrypts nothing (so no keyEncipherment).
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...DNS_NAMES.map((value) => ({ type: 2 as const, value })), ...IPS.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, pems.cert);
  const cert = new X509Certificate(pems.cert);
  return { certFile, keyFile, created: true, fingerprint: cert.fingerprint256, validTo: new Date(cert.validTo) };
}
