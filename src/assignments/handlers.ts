import { createHash } from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { readJsonObject } from '../graph/body';
import { badRequest, GraphError, notFound } from '../graph/errors';
import { graphHandler, type GraphRequest } from '../graph/handler';
import { applySelect, nextLink, parseQuery, type QueryRules } from '../graph/query';
import { isWellFormedText, keyLiteral, keySegment } from './paths';
import { assignmentProperties, type GraphVersion } from './model';
import {
  ASSIGNMENT_TYPE,
  MAX_STRING_LENGTH,
  normaliseTarget,
  parseWith,
  schemasFor,
  targetView,
  type AssignmentTarget,
  type CreateAssignmentInput,
  type UpdateAssignmentInput,
} from './schema';
import { getStore, invalidContinuation, scopeOf, type AssignmentFilter, type StoredAssignment } from './store';

/**
 * The assignments resource: plain handlers that the route table hands to app.http and that tests call
 * directly with real HttpRequest objects. The same handlers serve both paths Graph has for the
 * collection (through an invitation's invitedUser, and Intune's deviceManagement) and both versions
 * (beta and v1.0, each with its own schema from model.ts); all address the configuration's partition.
 */

interface CollectionAddress {
  configurationId: string;
  invitationId: string | null;
  /** The collection's path in an @odata.context URL, as Graph writes it for the path the client used. */
  contextPath: string;
}

function collectionAddress(g: GraphRequest): CollectionAddress {
  const params = g.params;
  const configurationId = keySegment(params, 'deviceEnrollmentConfigurationId');
  if (params.invitationsId !== undefined) {
    const invitationId = keySegment(params, 'invitationsId');
    return {
      configurationId,
      invitationId,
      contextPath: `invitations${keyLiteral(invitationId)}/invitedUser/deviceEnrollmentConfigurations${keyLiteral(configurationId)}/assignments`,
    };
  }
  return {
    configurationId,
    invitationId: null,
    contextPath: `deviceManagement/deviceEnrollmentConfigurations${keyLiteral(configurationId)}/assignments`,
  };
}

/** The URL of the collection the request addressed, as the client wrote it (for Location). */
function collectionUrl(g: GraphRequest, itemSegments = 0): string {
  const url = new URL(g.request.url);
  const segments = url.pathname.split('/').filter((s) => s.length > 0);
  return `${url.origin}/${segments.slice(0, segments.length - itemSegments).join('/')}`;
}

/** $select and $filter reach the properties the version's assignment type has. */
function queryRules(version: GraphVersion, collection: boolean): QueryRules {
  const names = assignmentProperties(schemasFor(version).model).map((p) => p.name);
  return {
    selectable: names,
    filterable: [...names.filter((n) => n !== 'target'), 'target/groupId'],
    collection,
  };
}

/** An assignment as a version shows it: only that version's properties (v1.0 has target only). */
export function representation(a: StoredAssignment, version: GraphVersion = 'beta'): Record<string, unknown> {
  const model = schemasFor(version).model;
  const out: Record<string, unknown> = { '@odata.type': `#${ASSIGNMENT_TYPE}`, '@odata.etag': a.etag, id: a.id };
  for (const { name } of assignmentProperties(model)) {
    out[name] = name === 'target' ? targetView(model, a.target as AssignmentTarget | null) : a[name as 'source' | 'sourceId'];
  }
  return out;
}

function parseBody<K extends 'create' | 'update' | 'assign'>(g: GraphRequest, which: K, body: unknown) {
  const schemas = schemasFor(g.version);
  return parseWith(schemas[which], body, which === 'assign' ? 'assign' : undefined, schemas.targetTypeNames);
}

function newAssignment(address: CollectionAddress, input: CreateAssignmentInput): Omit<StoredAssignment, 'etag'> {
  return {
    configurationId: address.configurationId,
    id: uuidv4(),
    invitationId: address.invitationId,
    target: normaliseTarget(input.target),
    source: input.source ?? 'direct',
    sourceId: input.sourceId ?? null,
    createdDateTime: new Date().toISOString(),
  };
}

/** What makes two creates the same request: where they create and what (not the id or time the server adds). */
function fingerprintOf(a: Omit<StoredAssignment, 'etag'>): string {
  const content = JSON.stringify([a.invitationId, a.target, a.source, a.sourceId]);
  return createHash('sha256').update(content, 'utf8').digest('base64');
}

// ---- $skiptoken: the table's opaque continuation token, wrapped and checked ----

/**
 * The SDK's token is base64 of JSON with the next partition and row keys, in the service's own encoding.
 * The keys go into the storage URL, so they must be encodable: a "\ud800" escape used to reach the SDK's
 * encodeURIComponent and come back as a 503.
 */
const continuationKey = z.string().min(1).max(2048).refine(isWellFormedText);
const continuationSchema = z.strictObject({
  nextPartitionKey: continuationKey,
  nextRowKey: continuationKey.optional(),
});

function encodeSkipToken(continuation: string): string {
  return Buffer.from(continuation, 'base64').toString('base64url');
}

function decodeSkipToken(token: string): string {
  if (!/^[A-Za-z0-9_-]{1,8192}$/.test(token)) throw invalidContinuation();
  const continuation = Buffer.from(token, 'base64url');
  let decoded: unknown;
  try {
    decoded = JSON.parse(continuation.toString('latin1'));
  } catch {
    throw invalidContinuation();
  }
  if (!continuationSchema.safeParse(decoded).success) throw invalidContinuation();
  return continuation.toString('base64');
}

function ifMatchOf(g: GraphRequest): string | undefined {
  return g.request.headers.get('if-match')?.trim() || undefined;
}

// ---- the collection ----

export const createAssignment = graphHandler(
  async (g) => {
    const address = collectionAddress(g);
    refuseUnderIntuneProfile(g, 'POST', address.configurationId);
    const input = parseBody(g, 'create', await readJsonObject(g.request)) as CreateAssignmentInput;
    const assignment = newAssignment(address, input);
    // SDKs keep client-request-id across retries: with one, a retry answers what the first attempt stored.
    const clientRequestId = g.request.headers.get('client-request-id')?.trim();
    const idempotency = clientRequestId ? { clientRequestId, fingerprint: fingerprintOf(assignment) } : undefined;
    const stored = await getStore(g.config).create(scopeOf(address.configurationId), assignment, idempotency);
    return {
      status: 201,
      headers: { Location: `${collectionUrl(g)}/${encodeURIComponent(stored.id)}`, ETag: stored.etag },
      body: { '@odata.context': `${g.serviceRoot}/$metadata#${address.contextPath}/$entity`, ...representation(stored, g.version) },
    };
  },
  { access: 'write' },
);

export const listAssignments = graphHandler(
  async (g) => {
    const address = collectionAddress(g);
    const query = parseQuery(g.request.url, queryRules(g.version, true), ASSIGNMENT_TYPE);
    // No stored value is longer, and an overlong one would only make the storage query's URL too long.
    for (const [property, value] of Object.entries(query.filter)) {
      if (value.length > MAX_STRING_LENGTH) {
        throw badRequest(`The value compared with '${property}' in $filter is longer than the maximum of ${MAX_STRING_LENGTH} characters.`);
      }
    }
    const filter: AssignmentFilter = {
      source: query.filter.source,
      sourceId: query.filter.sourceId,
      groupId: query.filter['target/groupId'],
    };
    const store = getStore(g.config);
    const continuation = query.skipToken === undefined ? undefined : decodeSkipToken(query.skipToken);
    const page = await store.list(scopeOf(address.configurationId), { top: query.top, continuation, filter, count: query.count });
    const count = page.count;
    const selectSuffix = query.select ? `(${query.select.join(',')})` : '';
    const body: Record<string, unknown> = { '@odata.context': `${g.serviceRoot}/$metadata#${address.contextPath}${selectSuffix}` };
    if (count !== undefined) body['@odata.count'] = count;
    if (page.continuation !== undefined) body['@odata.nextLink'] = nextLink(g.request.url, encodeSkipToken(page.continuation));
    body.value = page.items.map((a) => applySelect(representation(a, g.version), query.select));
    return { status: 200, body };
  },
  { access: 'read' },
);

/**
 * GET .../assignments/$count: the number as text/plain. No ConsistencyLevel needed: Graph requires
 * `eventual` only for directory (Entra ID) objects (learn.microsoft.com/graph/aad-advanced-queries);
 * Intune resources are not directory objects.
 */
export const countAssignments = graphHandler(
  async (g) => {
    const address = collectionAddress(g);
    const query = parseQuery(g.request.url, queryRules(g.version, true), ASSIGNMENT_TYPE);
    const filter: AssignmentFilter = {
      source: query.filter.source,
      sourceId: query.filter.sourceId,
      groupId: query.filter['target/groupId'],
    };
    const count = await getStore(g.config).count(scopeOf(address.configurationId), filter);
    return { status: 200, text: { contentType: 'text/plain; charset=utf-8', body: String(count) } };
  },
  { access: 'read' },
);

// ---- one assignment ----

function itemAddress(g: GraphRequest): CollectionAddress & { id: string } {
  return { ...collectionAddress(g), id: keySegment(g.params, 'enrollmentConfigurationAssignmentId') };
}

const missing = (id: string) => notFound(`No enrollmentConfigurationAssignment with id '${id}' exists in this configuration.`);

function entityResponse(g: GraphRequest, address: CollectionAddress, a: StoredAssignment, select?: string[]) {
  const selectSuffix = select ? `(${select.join(',')})` : '';
  return {
    status: 200,
    headers: { ETag: a.etag },
    body: {
      '@odata.context': `${g.serviceRoot}/$metadata#${address.contextPath}${selectSuffix}/$entity`,
      ...applySelect(representation(a, g.version), select),
    },
  };
}

export const getAssignment = graphHandler(
  async (g) => {
    const address = itemAddress(g);
    const { select } = parseQuery(g.request.url, queryRules(g.version, false), ASSIGNMENT_TYPE);
    const found = await getStore(g.config).get(scopeOf(address.configurationId), address.id);
    if (!found) throw missing(address.id);
    return entityResponse(g, address, found, select);
  },
  { access: 'read' },
);

export const updateAssignment = graphHandler(
  async (g) => {
    const address = itemAddress(g);
    const input = parseBody(g, 'update', await readJsonObject(g.request)) as UpdateAssignmentInput;
    if (input.id !== undefined && input.id !== address.id) {
      throw badRequest("The property 'id' cannot be changed: it must be left out or equal the id in the request path.");
    }
    const updated = await getStore(g.config).update(
      scopeOf(address.configurationId),
      address.id,
      (current) => ({
        ...current,
        target: input.target === undefined ? current.target : normaliseTarget(input.target),
        source: input.source ?? current.source,
        sourceId: input.sourceId === undefined ? current.sourceId : input.sourceId,
      }),
      ifMatchOf(g),
    );
    return entityResponse(g, address, updated);
  },
  { access: 'write' },
);

export const deleteAssignment = graphHandler(
  async (g) => {
    const address = itemAddress(g);
    refuseUnderIntuneProfile(g, 'DELETE', address.configurationId, address.id);
    // Storage checks If-Match atomically: a mismatch comes back as 412, a missing entity as 404.
    const deleted = await getStore(g.config).delete(scopeOf(address.configurationId), address.id, ifMatchOf(g));
    if (!deleted) throw missing(address.id);
    return { status: 204 };
  },
  { access: 'write' },
);

/**
 * MOCK_PROFILE=intune: the live service was seen to refuse POST on the collection
 * (msgraph-beta-sdk-dotnet#130) and DELETE on an item (Microsoft365DSC#3892) with OData's routing
 * error, in Graph's envelope; the assign action is the only write that works. docs/profiles.md.
 */
function refuseUnderIntuneProfile(g: GraphRequest, verb: 'POST' | 'DELETE', configurationId: string, id?: string): void {
  if (g.config.profile !== 'intune') return;
  const template = id === undefined ? '~/singleton/navigation/key/navigation' : '~/singleton/navigation/key/navigation/key';
  const request = `/StatelessOnboardingService/deviceManagement/deviceEnrollmentConfigurations('${configurationId}')/assignments${id === undefined ? '' : `('${id}')`}`;
  throw new GraphError(
    400,
    'No method match route template',
    `No OData route exists that match template ${template} with http verb ${verb} for request ${request}.`,
  );
}

// ---- the assign action ----

export const assignConfiguration = graphHandler(
  async (g) => {
    const address = collectionAddress(g);
    // Every item is validated before anything is written.
    const input = parseBody(g, 'assign', await readJsonObject(g.request)) as {
      enrollmentConfigurationAssignments: CreateAssignmentInput[];
    };
    const replacements = input.enrollmentConfigurationAssignments.map((item) => newAssignment(address, item));
    await getStore(g.config).replaceAll(scopeOf(address.configurationId), replacements);
    return { status: 204 };
  },
  { access: 'write' },
);

/**
 * One seed item (POST /__admin/seed, MOCK_SEED_FILE), validated exactly as a create is, with its own
 * configurationId and, if given, its id; without one the id is `defaultId`.
 */
export function seedItem(item: unknown, defaultId: string): Omit<StoredAssignment, 'etag'> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw badRequest('Each seed assignment must be a JSON object.');
  const { configurationId, ...rest } = item as Record<string, unknown>;
  if (
    typeof configurationId !== 'string' ||
    configurationId.length === 0 ||
    configurationId.length > MAX_STRING_LENGTH ||
    configurationId.startsWith('~')
  ) {
    throw badRequest("Each seed assignment needs a 'configurationId': a string of 1 to 1024 characters not starting with '~'.");
  }
  const input = parseWith(schemasFor('beta').create, rest, 'create', schemasFor('beta').targetTypeNames) as CreateAssignmentInput & {
    id?: string | null;
  };
  const id = input.id ?? defaultId;
  if (id.length === 0 || id.startsWith('~')) throw badRequest("A seed assignment's 'id' must be non-empty and not start with '~'.");
  return { ...newAssignment({ configurationId, invitationId: null, contextPath: '' }, input), id };
}
