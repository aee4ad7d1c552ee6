// Sends one request with Kiota's FetchRequestAdapter and its default middleware (RetryHandler first),
// and prints what happened as JSON: the final status and body, and every attempt that went out.
//
// It runs in a Node process of its own because Kiota ships ES modules only, which jest's CommonJS
// module system cannot load (jest supports require(esm) from Node 24.9). That is also how a user's
// script runs Kiota: unmodified, under Node's own ESM loader.
//
//   node kiota-client.mjs '{"baseUrl":"http://127.0.0.1:7071/beta","path":"/invitations/...","method":"POST","headers":{},"body":{}}'
import {
  BaseBearerTokenAuthenticationProvider,
  AllowedHostsValidator,
  HttpMethod,
  RequestInformation,
} from '@microsoft/kiota-abstractions';
import { FetchRequestAdapter, KiotaClientFactory } from '@microsoft/kiota-http-fetchlibrary';

const input = JSON.parse(process.argv[2]);

/** The network below Kiota's middleware: each call is one attempt that reached the server. */
const attempts = [];
const countingFetch = async (url, init) => {
  const headers = new Headers(init?.headers);
  const attempt = {
    at: Date.now(),
    clientRequestId: headers.get('client-request-id'),
    retryAttempt: headers.get('retry-attempt'),
    authorization: headers.get('authorization'),
  };
  const response = await fetch(url, init);
  attempts.push({ ...attempt, status: response.status, retryAfter: response.headers.get('retry-after') });
  return response;
};

const tokens = {
  getAuthorizationToken: async () => input.token,
  getAllowedHostsValidator: () => new AllowedHostsValidator(),
};
const adapter = new FetchRequestAdapter(
  new BaseBearerTokenAuthenticationProvider(tokens),
  undefined,
  undefined,
  KiotaClientFactory.create(countingFetch),
);
adapter.baseUrl = input.baseUrl;

const request = new RequestInformation(HttpMethod[input.method], `{+baseurl}${input.path}`);
for (const [name, value] of Object.entries(input.headers ?? {})) request.headers.add(name, value);
if (input.body !== undefined) {
  request.headers.tryAdd('Content-Type', 'application/json');
  request.content = new TextEncoder().encode(JSON.stringify(input.body));
}

const started = Date.now();
let result;
try {
  const body = await adapter.sendPrimitive(request, 'ArrayBuffer', undefined);
  result = { ok: true, body: body ? JSON.parse(new TextDecoder().decode(body)) : undefined };
} catch (err) {
  result = { ok: false, error: err?.message ?? String(err), status: err?.responseStatusCode };
}
process.stdout.write(JSON.stringify({ ...result, elapsedMs: Date.now() - started, startedAt: started, attempts }));
