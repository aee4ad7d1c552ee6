import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { v4 as uuidv4 } from 'uuid';
// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { representation, seedItem } from '../assignments/handlers';
import { GUID } from '../auth/settings';
import { badRequest, GraphError } from '../graph/errors';
import type { AssignmentStore, NewAssignment, StoredAssignment } from '../store';

/**
 * Seeding (docs/admin.md): {"assignments": [{tenantId?, configurationId, id?, target, source?, sourceId?}]},
 * each validated as a create, stored through the store's create (so the $count shards and the
 * generation marker stay right), in the item's tenant or the default tenant. Idempotent by id: an id
 * that exists is answered as stored, not written again. A file item without an id gets one derived from
 * its content, so restarts do not duplicate it.
 */

export const MAX_SEED_ITEMS = 1000;

/** The seed's envelope; each item is then validated as a create (seedItem). */
export const seedSchema = z.strictObject({ assignments: z.array(z.unknown()) });

function deterministicId(item: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(item), 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An item's tenant: its `tenantId` (a GUID, kept lower-case), else the default tenant; the rest is the create. */
function tenantOfItem(item: unknown, defaultTenantId: string): { tenantId: string; rest: unknown } {
  if (typeof item !== 'object' || item === null || Array.isArray(item) || !('tenantId' in item))
    return { tenantId: defaultTenantId, rest: item };
  const { tenantId, ...rest } = item as Record<string, unknown>;
  if (typeof tenantId !== 'string' || !GUID.test(tenantId))
    throw badRequest("A seed assignment's 'tenantId' must be a tenant id (a GUID).");
  return { tenantId: tenantId.toLowerCase(), rest };
}

export async function seed(
  store: AssignmentStore,
  defaultTenantId: string,
  body: unknown,
  from: 'request' | 'file',
): Promise<Array<Record<string, unknown>>> {
  const parsed = seedSchema.safeParse(body);
  if (!parsed.success) throw badRequest('The seed must be {"assignments": [...]} and nothing else.');
  const items = parsed.data.assignments;
  if (items.length > MAX_SEED_ITEMS) throw badRequest(`A seed holds at most ${MAX_SEED_ITEMS} assignments.`);
  // Every item is validated before anything is stored.
  const seeded = items.map((item) => {
    const { tenantId, rest } = tenantOfItem(item, defaultTenantId);
    return { tenantId, assignment: seedItem(rest, from === 'file' ? deterministicId(item) : uuidv4()) };
  });
  // Each configuration's items in as few transactions as fit (the store's seed); answered in the order given.
  const byScope = new Map<string, { tenantId: string; configurationId: string; items: NewAssignment[] }>();
  for (const { tenantId, assignment } of seeded) {
    const key = `${tenantId}\n${assignment.configurationId}`;
    const group = byScope.get(key) ?? { tenantId, configurationId: assignment.configurationId, items: [] };
    group.items.push(assignment);
    byScope.set(key, group);
  }
  const stored = new Map<string, StoredAssignment>();
  for (const [key, { tenantId, configurationId, items: group }] of byScope) {
    for (const s of await store.seed({ tenantId, configurationId }, group)) stored.set(`${key}\n${s.id}`, s);
  }
  return seeded.flatMap(({ tenantId, assignment }) => {
    const s = stored.get(`${tenantId}\n${assignment.configurationId}\n${assignment.id}`);
    return s ? [{ tenantId, configurationId: s.configurationId, ...representation(s) }] : [];
  });
}

/** The file's own fault (unreadable, not JSON, not a valid seed): retrying cannot help. */
const isFileFault = (err: unknown): boolean =>
  err instanceof SyntaxError || (err instanceof GraphError && err.status < 500) || (err as NodeJS.ErrnoException)?.syscall !== undefined;

/**
 * MOCK_SEED_FILE, loaded once per app before the first request is served. A bad file is logged once
 * and the app serves on; a load that storage failed (unreachable, 503) is logged and tried again by
 * the next request.
 */
export class SeedFile {
  #loaded: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly store: AssignmentStore,
    private readonly defaultTenantId: string,
  ) {}

  /** Resolves once the file is stored, or given up on; never rejects. */
  ready(): Promise<void> {
    this.#loaded ??= (async () => {
      const text = readFileSync(this.file, 'utf8');
      const stored = await seed(this.store, this.defaultTenantId, JSON.parse(text) as unknown, 'file');
      console.info(`MOCK_SEED_FILE: ${stored.length} assignment(s) present.`);
    })().catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (isFileFault(err)) {
        console.error(`MOCK_SEED_FILE (${this.file}) was not loaded: ${message}`);
        return;
      }
      console.error(`MOCK_SEED_FILE (${this.file}) could not be stored yet (${message}); the next request tries again.`);
      this.#loaded = undefined;
    });
    return this.#loaded;
  }
}
