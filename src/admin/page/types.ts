/** What the admin endpoints answer (docs/admin.md), as the page reads it. */

export interface Entry {
  id: string;
  receivedDateTime: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  bodyTruncated?: boolean;
  response: { status: number; headers: Record<string, string>; body?: unknown; bodyTruncated?: boolean };
  durationMs: number;
  requestId: string | null;
  clientRequestId: string | null;
  tenantId: string;
  principal: { kind: string; callerId: string } | null;
  attempt: number;
  retryAfterViolation: boolean;
}

export interface Tenants {
  defaultTenantId: string;
  value: string[];
}

export interface TenantState {
  tenantId: string;
  configurations: Array<{ id: string; kind: string; data: Record<string, unknown> }>;
  assignments: Array<{ configurationId: string; count: number; value: Array<Record<string, unknown>> }>;
}
