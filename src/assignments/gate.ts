import type { GraphError } from '../graph/errors';
import type { Scope } from '../store';

/**
 * What the assignments need of the configuration they belong to. The configurations resource provides
 * it and the composition root hands it in, so this resource does not import that one.
 */
export interface ConfigurationGate {
  /** Graph's 404 when the tenant has no such configuration and MOCK_REQUIRE_CONFIGURATION asks for one. */
  check(tenantId: string, configurationId: string): Promise<void>;
  /** Why the configuration refuses assignment writes, if it does (a tenant's default applies to everyone). */
  refusal(tenantId: string, configurationId: string): GraphError | undefined;
  /**
   * An assign action: `replace` replaces the set, and the configuration's version and lastModifiedDateTime
   * move after it, if the configuration exists (looked up beside the replacement).
   */
  assign(tenantId: string, configurationId: string, replace: () => Promise<void>): Promise<void>;
}

/** Any configuration id is taken as it is: an app without the configurations resource. */
export const OPEN_GATE: ConfigurationGate = {
  check: () => Promise.resolve(),
  refusal: () => undefined,
  assign: (_tenantId, _configurationId, replace) => replace(),
};

/**
 * A read with the configuration's check beside it (one wait for both): the check's 404 wins over
 * whatever the read found, since the collection the read looked at does not exist.
 */
export async function beside<T>(check: Promise<void>, read: Promise<T>): Promise<T> {
  const [checked, value] = await Promise.allSettled([check, read]);
  if (checked.status === 'rejected') throw checked.reason;
  if (value.status === 'rejected') throw value.reason;
  return value.value;
}

/** Before a write: the configuration's refusal, then (with MOCK_REQUIRE_CONFIGURATION) that it exists. */
export async function writable(gate: ConfigurationGate, scope: Scope): Promise<void> {
  const refused = gate.refusal(scope.tenantId, scope.configurationId);
  if (refused) throw refused;
  await gate.check(scope.tenantId, scope.configurationId);
}
