import { createHmac, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { StorageSettings } from '../config';

/**
 * Table Storage's REST protocol, spoken directly over node:http: the few operations the store uses
 * (point read, insert, replace, query page, entity-group transaction, create table), signed with the
 * account key (SharedKeyLite), a SAS, or a managed identity's bearer token.
 *
 * Why not @azure/data-tables: its per-request pipeline (operation specs, mappers, policies, a pipeline
 * built anew for every transaction, a sub-pipeline per operation in it) cost the function more CPU per
 * create than everything else the app does together (bench/README.md). The wire format here is the
 * SDK's, byte for byte where it matters (the transaction's body, the entity JSON and its type
 * annotations, the continuation token), so rows and `$skiptoken`s stay readable both ways; tests and
 * the bench still use the SDK as the independent client.
 */

/** The service version the SDK sends; 2019-02-02 is the first that takes bearer tokens. */
const SERVICE_VERSION = '2019-02-02';
const STORAGE_SCOPE = 'https://storage.azure.com/.default';
/**
 * Azurite's development account, as `UseDevelopmentStorage=true` means it. The key is the emulator's
 * published one (the same in every copy of Azurite and every Azure SDK), not a secret.
 */
const DEVELOPMENT_ACCOUNT = 'devstoreaccount1';
const DEVELOPMENT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** What storage answered with an error status, or why no answer came (statusCode undefined). */
export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface EntityKey {
  partitionKey: string;
  rowKey: string;
}
/** A row as the store writes and reads it: the keys, the ETag when read, and primitive properties. */
export interface Entity extends EntityKey {
  etag?: string;
  [property: string]: unknown;
}

/** One operation of an entity-group transaction (the shapes @azure/data-tables takes, so call sites read the same). */
export type TableAction =
  | readonly ['create', Entity]
  | readonly ['update', Entity, ('Replace' | 'Merge')?, { etag?: string }?]
  | readonly ['delete', EntityKey, { etag?: string }?];

export interface TransactionResult {
  /** Each operation's answer, in the order sent. */
  subResponses: { status: number; etag?: string }[];
}

/** One request to the account: the path is under the endpoint, the query included. */
interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Authorize = (headers: Record<string, string>, path: string) => void | Promise<void>;

/**
 * Retries of one request on a dropped connection or a busy service: few and short on purpose, so a
 * caller waiting on a dead storage account gets a 503 with Retry-After in a few seconds and retries on
 * its own schedule, rather than hanging.
 */
const MAX_RETRIES = 2;
const RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 500;
const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

const JSON_NO_METADATA = 'application/json;odata=nometadata';
const JSON_MINIMAL_METADATA = 'application/json;odata=minimalmetadata';

function connectionStringParts(connectionString: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const pair of connectionString.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  return parts;
}

/** How many signatures of the current second are kept: a create's transaction always signs `/$batch`, a read its row's path. */
const SIGNATURES_KEPT = 64;

function sharedKeyLite(account: string, key: KeyObject): Authorize {
  // A signature covers only the date, to the second, and the resource: within one second every
  // transaction signs the same text, so the HMAC is computed once and reused.
  let second = '';
  let signatures = new Map<string, string>();
  return (headers, path) => {
    const date = new Date().toUTCString();
    headers['x-ms-date'] = date;
    if (date !== second) {
      second = date;
      signatures = new Map();
    }
    let signature = signatures.get(path);
    if (signature === undefined) {
      signature = createHmac('sha256', key).update(`${date}\n/${account}${path}`, 'utf8').digest('base64');
      if (signatures.size < SIGNATURES_KEPT) signatures.set(path, signature);
    }
    headers.authorization = `SharedKeyLite ${account}:${signature}`;
  };
}

/** A bearer token kept until two minutes before it expires, refreshed in the background once the credential says so. */
function bearer(credential: TokenCredential): Authorize {
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  const refresh = (): Promise<AccessToken> =>
    (pending ??= credential
      .getToken(STORAGE_SCOPE)
      .then((token) => {
        if (!token) throw new StorageError('The credential gave no token for storage.', undefined);
        current = token;
        return token;
      })
      .finally(() => {
        pending = undefined;
      }));
  return async (headers) => {
    const now = Date.now();
    let token = current;
    if (!token || token.expiresOnTimestamp - now < 120_000) token = await refresh();
    else if (token.refreshAfterTimestamp !== undefined && now >= token.refreshAfterTimestamp) refresh().catch(() => undefined);
    headers.authorization = `Bearer ${token.token}`;
  };
}

/**
 * @azure/identity (with MSAL) is most of the code the app would load at start-up, and only managed
 * identity storage needs it: it is required on first use, and the deployment bundle keeps it in a file
 * of its own, so a cold start with a connection string never reads it.
 */
function identityCredential(storage: Extract<StorageSettings, { kind: 'identity' }>): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose (above)
  const { DefaultAzureCredential, ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
  if (storage.clientId) return new ManagedIdentityCredential({ clientId: storage.clientId });
  if (storage.managedIdentity) return new ManagedIdentityCredential();
  return new DefaultAzureCredential();
}

const escapeKey = (key: string) => encodeURIComponent(key.replace(/'/g, "''"));
const entityPath = (table: string, k: EntityKey) =>
  `/${table}(PartitionKey='${escapeKey(k.partitionKey)}',RowKey='${escapeKey(k.rowKey)}')`;

const EDM: Record<string, string> = {
  Binary: 'Edm.Binary',
  Boolean: 'Edm.Boolean',
  DateTime: 'Edm.DateTime',
  Double: 'Edm.Double',
  Guid: 'Edm.Guid',
  Int32: 'Edm.Int32',
  Int64: 'Edm.Int64',
  String: 'Edm.String',
};

/** An entity as the service's JSON, with the type annotations the SDK writes (Date, bigint, bytes, `{ value, type }`). */
export function serializeEntity(entity: Entity): string {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries<unknown>(entity)) {
    if (name === 'etag' || name === 'timestamp' || value === undefined) continue;
    const key = name === 'partitionKey' ? 'PartitionKey' : name === 'rowKey' ? 'RowKey' : name;
    if (value instanceof Date) {
      out[key] = value.toISOString();
      out[`${key}@odata.type`] = EDM.DateTime;
    } else if (typeof value === 'bigint') {
      out[key] = value.toString();
      out[`${key}@odata.type`] = EDM.Int64;
    } else if (value instanceof Uint8Array) {
      out[key] = Buffer.from(value).toString('base64');
      out[`${key}@odata.type`] = EDM.Binary;
    } else if (value !== null && typeof value === 'object') {
      const typed = value as { value?: unknown; type?: string };
      const type = typed.type && EDM[typed.type];
      if (!type || typed.value === undefined) throw new TypeError(`Property ${name} has no Table Storage type.`);
      out[key] = typed.value;
      out[`${key}@odata.type`] = type;
    } else out[key] = value;
  }
  return JSON.stringify(out);
}

/** The service's JSON as an entity, typed as the SDK types it (DateTime as Date, Int64 as bigint, Binary as bytes). */
export function deserializeEntity(json: Record<string, unknown>): Entity {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key.includes('@odata.') || (key.startsWith('odata.') && key !== 'odata.etag')) continue;
    const name =
      key === 'PartitionKey'
        ? 'partitionKey'
        : key === 'RowKey'
          ? 'rowKey'
          : key === 'odata.etag'
            ? 'etag'
            : key === 'Timestamp'
              ? 'timestamp'
              : key;
    const type = json[`${key}@odata.type`];
    if (type === EDM.DateTime) out[name] = new Date(value as string);
    else if (type === EDM.Int64) out[name] = BigInt(value as string);
    else if (type === EDM.Binary) out[name] = Buffer.from(value as string, 'base64');
    else if (type === EDM.Guid) out[name] = { value, type: 'Guid' };
    else out[name] = value;
  }
  return out as unknown as Entity;
}

/** The SDK's continuation token: base64 of `{ nextPartitionKey, nextRowKey }`. */
function encodeContinuation(nextPartitionKey: string | undefined, nextRowKey: string | undefined): string | undefined {
  if (!nextPartitionKey) return undefined;
  return Buffer.from(JSON.stringify({ nextPartitionKey, ...(nextRowKey ? { nextRowKey } : {}) }), 'latin1').toString('base64');
}

function decodeContinuation(token: string): { nextPartitionKey: string; nextRowKey?: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('latin1')) as { nextPartitionKey?: unknown; nextRowKey?: unknown };
    if (typeof parsed.nextPartitionKey === 'string' && (parsed.nextRowKey === undefined || typeof parsed.nextRowKey === 'string')) {
      return { nextPartitionKey: parsed.nextPartitionKey, nextRowKey: parsed.nextRowKey };
    }
  } catch {
    // not base64 JSON: answered below as storage answers a continuation it does not know
  }
  throw new StorageError('The continuation token is not valid.', 400, 'InvalidInput');
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The error storage sent: its OData error body (JSON), else its x-ms-error-code header. */
function errorOf(status: number, headers: http.IncomingHttpHeaders, body: string): StorageError {
  let code = header(headers, 'x-ms-error-code');
  let message = `Storage answered ${status}.`;
  try {
    const error = (JSON.parse(body) as { 'odata.error'?: { code?: string; message?: { value?: string } } })['odata.error'];
    code = error?.code ?? code;
    message = error?.message?.value ?? message;
  } catch {
    // a body that is not JSON (a proxy's page, a HEAD-like answer): the status and header say enough
  }
  return new StorageError(message, status, code);
}

/**
 * One storage account: its endpoint, its credentials and one keep-alive connection pool that every
 * table of the app shares.
 */
export class TableAccount {
  readonly #transport: typeof http | typeof https;
  readonly #agent: http.Agent;
  readonly #host: string;
  readonly #port: number;
  /** The endpoint's path (`/devstoreaccount1` for Azurite, empty for Azure) and its origin, for the transaction's sub-requests. */
  readonly #basePath: string;
  readonly #origin: string;
  readonly #query: string;
  readonly #authorize: Authorize | undefined;

  constructor(endpoint: string, auth: { authorize?: Authorize; sas?: string }) {
    const url = new URL(endpoint);
    const secure = url.protocol === 'https:';
    this.#transport = secure ? https : http;
    this.#agent = new this.#transport.Agent({ keepAlive: true });
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port) || (secure ? 443 : 80);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#origin = url.origin;
    this.#query = auth.sas ? auth.sas.replace(/^\?/, '') : '';
    this.#authorize = auth.authorize;
  }

  /** From the app's storage settings: a connection string (Azurite, keys, a SAS) or a table service URI with a managed identity. */
  static from(storage: StorageSettings): TableAccount {
    if (storage.kind === 'identity') return new TableAccount(storage.tableServiceUri, { authorize: bearer(identityCredential(storage)) });
    const parts = connectionStringParts(storage.connectionString);
    if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
      return new TableAccount(`http://127.0.0.1:10002/${DEVELOPMENT_ACCOUNT}`, {
        authorize: sharedKeyLite(DEVELOPMENT_ACCOUNT, createSecretKey(Buffer.from(DEVELOPMENT_KEY, 'base64'))),
      });
    }
    const account = parts.get('accountname');
    const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
    const endpoint =
      parts.get('tableendpoint') ?? (account && `${protocol}://${account}.table.${parts.get('endpointsuffix') ?? 'core.windows.net'}`);
    const key = parts.get('accountkey');
    const sas = parts.get('sharedaccesssignature');
    if (!endpoint || !((account && key) || sas)) {
      throw new Error('The storage connection string needs AccountName and AccountKey, or TableEndpoint and SharedAccessSignature.');
    }
    if (account && key)
      return new TableAccount(endpoint, { authorize: sharedKeyLite(account, createSecretKey(Buffer.from(key, 'base64'))) });
    return new TableAccount(endpoint, { sas });
  }

  /** The full URL of a path under the endpoint (a transaction names its operations by URL). */
  url(path: string): string {
    return `${this.#origin}${this.#basePath}${path}`;
  }

  /**
   * One request, retried a couple of times on a dropped connection or a busy answer. Answers every
   * status; throws only when no answer came (StorageError without a status) or the signal fired.
   */
  async request(call: Call, signal: AbortSignal): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await this.#once({ ...call, headers: { ...call.headers } }, signal);
      } catch (err) {
        if (signal.aborted) throw new StorageError('Storage did not answer in time.', undefined, undefined, { cause: err });
        failure = err;
      }
      if (answer && !RETRIED_STATUSES.has(answer.status)) return answer;
      if (attempt >= MAX_RETRIES) {
        if (answer) return answer;
        throw new StorageError('Storage could not be reached.', undefined, undefined, { cause: failure });
      }
      const backoff = Math.min(MAX_RETRY_DELAY_MS, RETRY_DELAY_MS * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      try {
        await sleep(backoff, undefined, { signal });
      } catch (err) {
        throw new StorageError('Storage did not answer in time.', undefined, undefined, { cause: err });
      }
    }
  }

  async #once({ method, path, headers, body }: Call, signal: AbortSignal): Promise<Answer> {
    const fullPath = `${this.#basePath}${path}`;
    headers['x-ms-version'] = SERVICE_VERSION;
    headers.dataserviceversion ??= '3.0';
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    // The signed resource is the path without the query (SharedKeyLite for the Table service).
    const queryAt = fullPath.indexOf('?');
    await this.#authorize?.(headers, queryAt < 0 ? fullPath : fullPath.slice(0, queryAt));
    const query = this.#query ? `${queryAt < 0 ? '?' : '&'}${this.#query}` : '';
    return new Promise<Answer>((resolve, reject) => {
      const req = this.#transport.request(
        { host: this.#host, port: this.#port, method, path: fullPath + query, headers, agent: this.#agent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          // A connection that dies mid-answer: no end, and not always an error.
          res.on('close', () => {
            if (!res.complete) reject(new Error('The connection closed before the whole answer came.'));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** One table of an account: the operations the store uses, each one request (with its retries). */
export class TableRest {
  constructor(
    readonly account: TableAccount,
    readonly name: string,
  ) {}

  /** Creates the table; one that exists already is fine. */
  async createTable(signal: AbortSignal): Promise<void> {
    const body = JSON.stringify({ TableName: this.name });
    const a = await this.account.request(
      {
        method: 'POST',
        path: '/Tables',
        headers: { 'content-type': JSON_NO_METADATA, accept: JSON_MINIMAL_METADATA, prefer: 'return-no-content' },
        body,
      },
      signal,
    );
    if (a.status >= 300 && a.status !== 409) throw errorOf(a.status, a.headers, a.body);
  }

  async getEntity(key: EntityKey, signal: AbortSignal): Promise<Entity> {
    const a = await this.account.request(
      { method: 'GET', path: entityPath(this.name, key), headers: { accept: JSON_MINIMAL_METADATA } },
      signal,
    );
    if (a.status !== 200) throw errorOf(a.status, a.headers, a.body);
    const entity = deserializeEntity(JSON.parse(a.body) as Record<string, unknown>);
    entity.etag ??= header(a.headers, 'etag');
    return entity;
  }

  /** Inserts a row; its ETag. */
  async insert(entity: Entity, signal: AbortSignal): Promise<{ etag: string | undefined }> {
    const a = await this.account.request(
      {
        method: 'POST',
        path: `/${this.name}`,
        headers: { 'content-type': JSON_NO_METADATA, accept: JSON_MINIMAL_METADATA, prefer: 'return-no-content' },
        body: serializeEntity(entity),
      },
      signal,
    );
    if (a.status >= 300) throw errorOf(a.status, a.headers, a.body);
    return { etag: header(a.headers, 'etag') };
  }

  /** Replaces a row under an ETag (`*`: whatever is stored, but it must exist); its new ETag. */
  async replace(entity: Entity, etag: string, signal: AbortSignal): Promise<{ etag: string | undefined }> {
    const a = await this.account.request(
      {
        method: 'PUT',
        path: entityPath(this.name, entity),
        headers: { 'content-type': 'application/json', accept: 'application/json', 'if-match': etag },
        body: serializeEntity(entity),
      },
      signal,
    );
    if (a.status >= 300) throw errorOf(a.status, a.headers, a.body);
    return { etag: header(a.headers, 'etag') };
  }

  /** One page of a query, with the SDK's continuation token for the next one. */
  async query(
    options: { filter?: string; select?: string[]; top: number; continuation?: string },
    signal: AbortSignal,
  ): Promise<{ items: Entity[]; continuation?: string }> {
    let q = `?$top=${options.top}`;
    if (options.select?.length) q += `&$select=${encodeURIComponent(options.select.join(','))}`;
    if (options.filter) q += `&$filter=${encodeURIComponent(options.filter)}`;
    if (options.continuation !== undefined) {
      const next = decodeContinuation(options.continuation);
      q += `&NextPartitionKey=${encodeURIComponent(next.nextPartitionKey)}`;
      if (next.nextRowKey !== undefined) q += `&NextRowKey=${encodeURIComponent(next.nextRowKey)}`;
    }
    const a = await this.account.request(
      { method: 'GET', path: `/${this.name}()${q}`, headers: { accept: JSON_MINIMAL_METADATA } },
      signal,
    );
    if (a.status !== 200) throw errorOf(a.status, a.headers, a.body);
    const value = (JSON.parse(a.body) as { value?: Record<string, unknown>[] }).value ?? [];
    return {
      items: value.map(deserializeEntity),
      continuation: encodeContinuation(
        header(a.headers, 'x-ms-continuation-nextpartitionkey'),
        header(a.headers, 'x-ms-continuation-nextrowkey'),
      ),
    };
  }

  /**
   * One entity-group transaction: all the operations or none. A refused operation throws its error,
   * whose message starts with the operation's index (`1:The specified entity already exists.`).
   */
  async transaction(actions: readonly TableAction[], signal: AbortSignal): Promise<TransactionResult> {
    const batch = `batch_${randomUUID()}`;
    const changeset = `changeset_${randomUUID()}`;
    const parts = [`--${batch}\r\ncontent-type: multipart/mixed; boundary=${changeset}\r\n\r\n`];
    for (const action of actions) parts.push(this.#subRequest(changeset, action));
    const body = `${parts.join('\r\n')}\r\n--${changeset}--\r\n--${batch}--\r\n`;
    const a = await this.account.request(
      {
        method: 'POST',
        path: '/$batch',
        headers: {
          accept: 'application/json',
          dataserviceversion: '3.0;',
          maxdataserviceversion: '3.0;NetFx',
          'content-type': `multipart/mixed; boundary=${batch}`,
          'accept-charset': 'UTF-8',
        },
        body,
      },
      signal,
    );
    if (a.status < 200 || a.status >= 300) throw errorOf(a.status, a.headers, a.body);
    const subResponses: TransactionResult['subResponses'] = [];
    const answers = a.body.split('--changesetresponse_');
    for (const part of answers.slice(1, -1)) {
      const status = Number(/HTTP\/1\.1 (\d+)/.exec(part)?.[1]);
      if (!Number.isInteger(status)) throw new StorageError('A transaction answer could not be read.', undefined);
      const json = /\{(.*)\}/s.exec(part);
      if (json) throw errorOf(status, {}, json[0]);
      subResponses.push({ status, etag: /ETag: (.*)/i.exec(part)?.[1]?.trim() });
    }
    return { subResponses };
  }

  #subRequest(changeset: string, action: TableAction): string {
    const head = `--${changeset}\r\ncontent-type: application/http\r\ncontent-transfer-encoding: binary\r\n`;
    const line = (method: string, path: string, headers: string[], body?: string) =>
      [head, `${method} ${this.account.url(path)} HTTP/1.1`, ...headers, '\r\n', ...(body === undefined ? [] : [body])].join('\r\n');
    switch (action[0]) {
      case 'create':
        return line(
          'POST',
          `/${this.name}`,
          [`Content-Type: ${JSON_NO_METADATA}`, `Accept: ${JSON_MINIMAL_METADATA}`, 'DataServiceVersion: 3.0', 'Prefer: return-no-content'],
          serializeEntity(action[1]),
        );
      case 'update':
        return line(
          action[2] === 'Merge' ? 'PATCH' : 'PUT',
          entityPath(this.name, action[1]),
          ['Content-Type: application/json', 'DataServiceVersion: 3.0', 'Accept: application/json', `If-Match: ${action[3]?.etag ?? '*'}`],
          serializeEntity(action[1]),
        );
      case 'delete':
        return line('DELETE', entityPath(this.name, action[1]), [
          `Accept: ${JSON_MINIMAL_METADATA}`,
          'DataServiceVersion: 3.0',
          `If-Match: ${action[2]?.etag ?? '*'}`,
        ]);
    }
  }
}

/**
 * A `$filter` with its values quoted as OData literals: strings in single quotes (quotes doubled),
 * dates as `datetime'…'`, numbers and booleans as they are. The same rules as the SDK's `odata` tag: a
 * value right after a `'` in the template is taken as already quoted.
 */
export function odata(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const before = strings[i]!;
    let literal: unknown = value;
    if (typeof value === 'string') {
      literal = value.replace(/'/g, "''");
      if (before !== '' && !before.trim().endsWith("'")) literal = `'${literal as string}'`;
    } else if (value instanceof Date) literal = `datetime'${value.toISOString()}'`;
    out += String(literal) + strings[i + 1]!;
  });
  return out;
}
