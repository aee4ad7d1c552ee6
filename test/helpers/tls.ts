import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  /** PEM certificate for 127.0.0.1, self-signed: it is its own CA, so a client trusts it through NODE_EXTRA_CA_CERTS. */
  certFile: string;
  keyFile: string;
  remove(): void;
}

/**
 * A throwaway certificate for the runner's https mode, made with the openssl CLI (Node can make keys but
 * not X.509 certificates). Made per run so no private key is ever committed.
 */
export function createTestCertificate(): TestCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'runner-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not make a test certificate with the openssl CLI: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return { certFile, keyFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
