import type { app as appType, HttpHandler, HttpMethod } from '@azure/functions';
import { getConfig } from './config';

// Parse the settings when the host loads the app, so a bad setting stops start-up with its name.
// Every function file imports this module, and the module cache runs this once per process.
if (getConfig().auth.mode === 'dev') {
  console.warn(
    'AUTH_MODE=dev: any non-empty Bearer token is accepted. Use it only locally; set AUTH_MODE=apikey or jwt for a shared endpoint.',
  );
}

/** Hands a function to the host. Anonymous: the app checks Graph-style bearer tokens itself. */
export function register(app: typeof appType, fn: { name: string; route: string; methods: HttpMethod[]; handler: HttpHandler }): void {
  app.http(fn.name, { route: fn.route, methods: fn.methods, authLevel: 'anonymous', handler: fn.handler });
}
