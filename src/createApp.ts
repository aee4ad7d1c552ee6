import type { HttpMethod } from '@azure/functions';
import { mountAdmin, type MountedAdmin } from './admin';
import { SeedFile } from './admin/seed';
import { assignmentsResource } from './assignments';
import { Authenticator } from './auth/auth';
import type { AppConfig } from './config';
import { configurationsResource, defaultRows } from './configurations';
import { mockControls } from './controls/controls';
import { MockState } from './controls/state';
import { assembleVersions } from './graph/model';
import type { Route } from './pipeline/context';
import { createPipeline, type RequestHandler } from './pipeline/pipeline';
import type { Resource } from './resource';
import { serviceOpenApi, serviceRoutes } from './service/routes';
import { ConfigurationStore, createStores, type AssignmentStore } from './store';

/**
 * The composition root: builds the whole app from its settings, once. Everything with state lives on
 * the app it belongs to (the store and its table client, the journal, the rate limiter, the attempt
 * counter, the signing keys, the seed file's load), never in a module, so two apps with different
 * settings can run side by side in one process, as the tests do. The Functions registration
 * (src/functions/graph.ts) and the tests both call createApp.
 */

/** The methods the host hands to the one function: everything it serves, so the app answers 405 itself. */
export const HOST_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export interface App {
  settings: AppConfig;
  /** Answers one request: what the host calls, and what a $batch item re-enters. */
  handle: RequestHandler;
  /** Every row of the route table, in no particular order. */
  routes: readonly Route[];
  /** The admin, when MOCK_ADMIN=on mounts it. */
  admin: MountedAdmin | undefined;
  store: AssignmentStore;
  /** Each tenant's enrollment configurations. */
  configurations: ConfigurationStore;
  /** Resolves once the work that goes on after answers is done (removing replaced rows, pruning the journal). */
  idle(): Promise<void>;
}

export function createApp(settings: AppConfig): App {
  const stores = createStores(settings, defaultRows);
  const store = stores.assignments;
  const state = new MockState(settings.mock, stores.table(settings.stateTableName));
  const configurations = configurationsResource(stores, settings.configurations);
  // The configurations first: where both declare a type (the configuration base), the model keeps the
  // first declaration's property order, and theirs is Graph's.
  const resources: Resource[] = [configurations, assignmentsResource(store, configurations.gate)];
  const admin = settings.admin.enabled
    ? mountAdmin(settings, {
        store,
        // Built without the tenants' defaults, so reading a tenant's configurations for the page never stores any.
        configurations: new ConfigurationStore(stores.configurations.table),
        state,
        journalTable: () => stores.table(settings.journalTableName),
      })
    : undefined;
  const seedFile =
    settings.admin.seedFile === undefined ? undefined : new SeedFile(settings.admin.seedFile, store, settings.defaultTenantId);

  const models = assembleVersions(resources.map((r) => r.model));
  const routes: Route[] = [
    ...resources.flatMap((r) => r.routes),
    ...serviceRoutes({ models, ping: () => store.ping(), described: () => ({ routes, openapi: openapi() }) }),
    ...(admin?.routes ?? []),
  ];
  const openapi = () => [...resources.map((r) => r.openapi()), serviceOpenApi, ...(admin ? [admin.openapi] : [])];

  const handle = createPipeline({
    settings,
    routes,
    authenticator: new Authenticator(settings.auth, settings.defaultTenantId),
    journal: admin?.journal,
    controls: [...(admin?.controls ?? []), mockControls(settings.mock, state)],
    ready: seedFile && (() => seedFile.ready()),
  });
  const idle = async () => {
    await Promise.all([store.idle(), admin?.requestJournal?.settled()]);
  };
  return { settings, handle, routes, admin, store, configurations: stores.configurations, idle };
}
