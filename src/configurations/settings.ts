import { onOff, settingsSlice } from '../settingsSlice';

/**
 * MOCK_REQUIRE_CONFIGURATION: whether assignments belong to a configuration the tenant has, as in Graph.
 * On, any read or write of assignments under a configuration id the tenant does not have is Graph's 404.
 * Off, any configuration id is accepted, as the original document's POST (and the README's quick start)
 * does. Unset, it follows MOCK_PROFILE: on under `intune`, off under `documented`.
 */
export const configurationSettings = settingsSlice({
  shape: { MOCK_REQUIRE_CONFIGURATION: onOff.optional() },
  read: (s) => ({
    /** undefined: MOCK_PROFILE decides (src/config.ts). */
    requireConfiguration: s.MOCK_REQUIRE_CONFIGURATION === undefined ? undefined : s.MOCK_REQUIRE_CONFIGURATION === 'on',
  }),
});

export interface ConfigurationSettings {
  /** Assignments under a configuration the tenant does not have are a 404. */
  requireConfiguration: boolean;
}
