import type { app as appType } from '@azure/functions';
import { getConfig } from './config';
import type { RouteDefinition } from './routes';

// Parse the settings when the host loads the app, so a bad setting stops start-up with its name.
getConfig();

/** Hands each route to the host. Anonymous: the app checks Graph-style bearer tokens itself. */
export function register(app: typeof appType, routes: RouteDefinition[]): void {
  for (const r of routes) {
    app.http(r.name, { route: r.route, methods: r.methods, authLevel: 'anonymous', handler: r.handler });
  }
}
