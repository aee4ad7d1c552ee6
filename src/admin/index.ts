import type { AppConfig } from '../config';
import type { MockState } from '../controls/state';
import type { OpenApiContribution } from '../graph/openapi';
import type { Route } from '../pipeline/context';
import type { Control, Stage } from '../pipeline/pipeline';
import type { AssignmentStore, Table } from '../store';
import type { ConfigurationStore } from '../store/configurations';
import { Journal } from './journal';
import { adminOpenApi } from './openapi';
import { journalStage, retryAfterEnforcement } from './recording';
import { adminRoutes } from './routes';

/**
 * The admin, mounted as its own router (WireMock's shape): what MOCK_ADMIN=on adds to the app. The
 * serving core knows nothing of it; the composition root (src/createApp.ts) hands its routes, its
 * journal stage and its one control to the pipeline, and its shapes to the OpenAPI document.
 */
export interface MountedAdmin {
  routes: Route[];
  /** The pipeline's journal stage, when MOCK_JOURNAL=on. */
  journal: Stage | undefined;
  /** MOCK_ENFORCE_RETRY_AFTER, when on: the first of the mock controls. */
  controls: Control[];
  openapi: OpenApiContribution;
  /** The journal itself, for tests and benchmarks that wait for its pruning. */
  requestJournal: Journal | undefined;
}

export function mountAdmin(
  settings: AppConfig,
  parts: { store: AssignmentStore; configurations: ConfigurationStore; state: MockState; journalTable: () => Table },
): MountedAdmin {
  const journal = settings.admin.journal
    ? new Journal(parts.journalTable(), settings.admin.journalMaxEntries, settings.defaultTenantId)
    : undefined;
  return {
    routes: adminRoutes({
      store: parts.store,
      configurations: parts.configurations,
      journal,
      state: parts.state,
      defaultTenantId: settings.defaultTenantId,
      key: settings.admin.key,
    }),
    journal: journal && journalStage(journal, settings),
    controls: journal && settings.admin.enforceRetryAfter ? [retryAfterEnforcement(journal)] : [],
    openapi: adminOpenApi,
    requestJournal: journal,
  };
}
