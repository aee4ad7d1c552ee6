/**
 * A dev-mode token that names its tenant: JWT-shaped (three base64url parts, the middle one a JSON
 * object with `tid`), unsigned, as dev mode reads it without verifying anything.
 */
export function devToken(tenantId: string, claims: Record<string, unknown> = {}): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ tid: tenantId, ...claims })}.`;
}
