import type { ConfigurationGate } from '../assignments/gate';
import { NotStored, type ConfigurationStore } from '../store';
import { refusalFor } from './defaults';
import { changed, isConfigurationIdShape } from './entity';
import { configurationOf, missingConfiguration } from './plans';
import type { ConfigurationSettings } from './settings';

/**
 * What the assignments resource asks of the configurations: whether the tenant has the configuration
 * (only with MOCK_REQUIRE_CONFIGURATION; off, any id is taken, as the original document's POST does), the
 * defaults' refusal of assignment writes, and the version an assign action moves.
 */
export function configurationGate(store: ConfigurationStore, settings: ConfigurationSettings): ConfigurationGate {
  return {
    async check(tenantId, configurationId) {
      if (!settings.requireConfiguration) return;
      if (!isConfigurationIdShape(configurationId) || !(await store.get(tenantId, configurationId))) {
        throw missingConfiguration(configurationId);
      }
    },
    refusal: (tenantId, configurationId) => refusalFor(tenantId, configurationId, 'assign'),
    /**
     * Decided (the sources are silent): an assign action replaces the configuration's assignments, which
     * is a change of the configuration, so its version goes up by one and lastModifiedDateTime moves;
     * a single assignment's create, PATCH or DELETE does not. Nothing moves for an id with no configuration,
     * and finding that out costs no wait: an id of another shape is not looked up at all (the original
     * document's `demo-configuration`), and one of the shape is read beside the replacement.
     */
    async assign(tenantId, configurationId, replace) {
      if (!isConfigurationIdShape(configurationId)) return replace();
      // Both settle before the answer, so a failed read never answers while the replacement still runs.
      const [read, replaced] = await Promise.allSettled([store.get(tenantId, configurationId), replace()]);
      if (replaced.status === 'rejected') throw replaced.reason;
      if (read.status === 'rejected') throw read.reason;
      if (!read.value) return;
      const now = new Date();
      try {
        await store.update(tenantId, configurationId, (row) => {
          const stored = configurationOf(row);
          return { ...stored, ...changed(stored, now) };
        });
      } catch (err) {
        // Deleted since it was read: nothing left to move.
        if (!(err instanceof NotStored)) throw err;
      }
    },
  };
}
