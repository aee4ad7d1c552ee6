import type { app as appType } from '@azure/functions';
import { getConfig } from './config';
import type { RouteDefinition } from './routes';

// Parse the settings when the host loads the app, so a bad setting stops start-up with its name.
// Every function file imports this module, and the module cache runs this once per process.
if (getConfig().auth.mode === 'dev') {
  console.warn(
    'AUTH_MODE=dev: any non-empty Bearer token is accepted. Use it only locally; set AUTH_MODE=apikey or jwt for a shared endpoint.',
  );
}

/** Hands each route to the host. Anonymous: the app checks Graph-style bearer tokens itself. */
export function register(app: typeof appType, routes: RouteDefinition[]): void {
  for (const r of routes) {
    app.http(r.name, { route: r.route, methods: r.methods, authLevel: 'anonymous', handler: r.handler });
  }
}
