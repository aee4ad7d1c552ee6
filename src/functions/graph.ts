import { app } from '@azure/functions';
import { parseConfig } from '../config';
import { createApp, HOST_METHODS } from '../createApp';

/**
 * The registration, and nothing else: the host gets exactly one function, `graph`, on `{*path}` for
 * every method, and the app routes itself (src/pipeline/router.ts).
 *
 * Why one function. The host does not rank routes by specificity: it sorts functions by name (ordinal,
 * case-insensitive) and the first whose template and methods match wins (../shared/functions-host/README.md;
 * azure-functions-host#3153, #9876). With one function per operation, a catch-all for Graph's 404/405
 * (or any `{id}` template) would shadow every function whose name sorts after it, and which routes work
 * would depend on the names. test/unit/host-routing.test.ts replays every route's paths through the
 * host's own rule over the registered metadata. What the host owns before any function: `/admin/...`
 * (its admin API) and `/runtime/webhooks/...`.
 *
 * The settings are read when the host loads the app, so a bad setting stops start-up with its name.
 */
const settings = parseConfig(process.env);
if (settings.auth.mode === 'dev') {
  console.warn(
    'AUTH_MODE=dev: any non-empty Bearer token is accepted. Use it only locally; set AUTH_MODE=apikey or jwt for a shared endpoint.',
  );
}

// Anonymous: the app checks Graph-style bearer tokens itself.
app.http('graph', { route: '{*path}', methods: HOST_METHODS, authLevel: 'anonymous', handler: createApp(settings).handle });
