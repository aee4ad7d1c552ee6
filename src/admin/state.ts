import { representation } from '../assignments/handlers';
import type { AssignmentStore, Scope } from '../store';
import type { ConfigurationStore } from '../store/configurations';
import type { Journal } from './journal';

/**
 * What the admin page shows of the stored data: which tenants there are, and a tenant's configurations
 * and assignments as stored now. Read through the stores the composition root builds, never through a
 * resource's handlers, and never writing: looking at the mock must not change it.
 */

/** Assignments shown per configuration; the count says how many there are in all. */
export const ASSIGNMENTS_SHOWN = 50;
/** Configurations listed at once: a tenant with thousands is read a few at a time, not all in one burst. */
const CONCURRENT_LISTS = 8;

export interface StateParts {
  store: AssignmentStore;
  configurations: ConfigurationStore;
  journal: Journal | undefined;
  defaultTenantId: string;
}

/** Every tenant the mock holds anything for (configurations, assignments, journal entries), the default tenant first. */
export async function tenantsOf(parts: StateParts): Promise<string[]> {
  const [configured, assigned, journaled] = await Promise.all([
    parts.configurations.tenants(),
    parts.store.scopes(),
    parts.journal?.tenants() ?? [],
  ]);
  const others = new Set([...configured, ...assigned.map((s) => s.tenantId), ...journaled]);
  others.delete(parts.defaultTenantId);
  return [parts.defaultTenantId, ...[...others].sort()];
}

export interface ConfigurationAssignments {
  configurationId: string;
  count: number;
  /** The first ASSIGNMENTS_SHOWN, as Graph's beta represents them. */
  value: Array<Record<string, unknown>>;
}

export interface TenantState {
  tenantId: string;
  configurations: Array<{ id: string; kind: string; data: Record<string, unknown> }>;
  /** Only configurations that hold assignments now. */
  assignments: ConfigurationAssignments[];
}

/** A tenant's configurations and, per configuration, its assignments. */
export async function stateOf(parts: StateParts, tenantId: string): Promise<TenantState> {
  const [configurations, scopes] = await Promise.all([parts.configurations.all(tenantId), parts.store.scopes(tenantId)]);
  const queue = [...scopes].sort((a, b) => a.configurationId.localeCompare(b.configurationId));
  const listed = new Map<string, ConfigurationAssignments>();
  const next = async (): Promise<void> => {
    for (let scope = queue.shift(); scope; scope = queue.shift())
      listed.set(scope.configurationId, await assignmentsOf(parts.store, scope));
  };
  await Promise.all(Array.from({ length: CONCURRENT_LISTS }, next));
  return {
    tenantId,
    configurations: configurations.map(({ id, kind, data }) => ({ id, kind, data })).sort((a, b) => a.id.localeCompare(b.id)),
    assignments: [...listed.values()]
      .filter((c) => c.count > 0 || c.value.length > 0)
      .sort((a, b) => a.configurationId.localeCompare(b.configurationId)),
  };
}

async function assignmentsOf(store: AssignmentStore, scope: Scope): Promise<ConfigurationAssignments> {
  const page = await store.list(scope, { top: ASSIGNMENTS_SHOWN, filter: {}, count: true });
  return {
    configurationId: scope.configurationId,
    count: page.count ?? page.items.length,
    value: page.items.map((a) => representation(a)),
  };
}
