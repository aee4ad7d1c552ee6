import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { v4 as uuidv4 } from 'uuid';
import * as z from 'zod';
import type { AppConfig } from '../config';
import { representation, seedItem } from '../assignments/handlers';
import { getStore, scopeOf, type StoredAssignment } from '../assignments/store';
import { badRequest, GraphError } from '../graph/errors';

/**
 * Seeding (docs/admin.md): {"assignments": [{configurationId, id?, target, source?, sourceId?}]}, each
 * validated as a create, stored through the store's create transaction (so the $count shards and the
 * generation marker stay right). Idempotent by id: an id that exists is answered as stored, not written
 * again. A file item without an id gets one derived from its content, so restarts do not duplicate it.
 */

export const MAX_SEED_ITEMS = 1000;

/** The seed's envelope; each item is then validated as a create (seedItem). */
export const seedSchema = z.strictObject({ assignments: z.array(z.unknown()) });

function deterministicId(item: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(item), 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function seed(config: AppConfig, body: unknown, from: 'request' | 'file'): Promise<Array<Record<string, unknown>>> {
  const parsed = seedSchema.safeParse(body);
  if (!parsed.success) throw badRequest('The seed must be {"assignments": [...]} and nothing else.');
  const items = parsed.data.assignments;
  if (items.length > MAX_SEED_ITEMS) throw badRequest(`A seed holds at most ${MAX_SEED_ITEMS} assignments.`);
  const assignments = items.map((item) => seedItem(item, from === 'file' ? deterministicId(item) : uuidv4()));
  const store = getStore(config);
  const out: Array<Record<string, unknown>> = [];
  const byConfiguration = new Map<string, typeof assignments>();
  for (const a of assignments) byConfiguration.set(a.configurationId, [...(byConfiguration.get(a.configurationId) ?? []), a]);
  const stored = new Map<string, StoredAssignment>();
  for (const [configurationId, items] of byConfiguration) {
    for (const s of await store.seed(scopeOf(configurationId), items)) stored.set(`${configurationId}\n${s.id}`, s);
  }
  for (const a of assignments) {
    const s = stored.get(`${a.configurationId}\n${a.id}`);
    if (s) out.push({ configurationId: s.configurationId, ...representation(s) });
  }
  return out;
}

let seeded: Promise<void> | undefined;

/** The file's own fault (unreadable, not JSON, not a valid seed): retrying cannot help. */
const isFileFault = (err: unknown): boolean =>
  err instanceof SyntaxError || (err instanceof GraphError && err.status < 500) || (err as NodeJS.ErrnoException)?.syscall !== undefined;

/**
 * Loads MOCK_SEED_FILE once per process; requests wait for it. A bad file is logged once and the app
 * serves on; a load that storage failed (unreachable, 503) is logged and tried again by the next request.
 */
export function seedFromFile(config: AppConfig): Promise<void> {
  if (!config.admin.seedFile) return Promise.resolve();
  seeded ??= (async () => {
    const text = readFileSync(config.admin.seedFile!, 'utf8');
    const stored = await seed(config, JSON.parse(text) as unknown, 'file');
    console.info(`MOCK_SEED_FILE: ${stored.length} assignment(s) present.`);
  })().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (isFileFault(err)) {
      console.error(`MOCK_SEED_FILE (${config.admin.seedFile}) was not loaded: ${message}`);
      return;
    }
    console.error(`MOCK_SEED_FILE (${config.admin.seedFile}) could not be stored yet (${message}); the next request tries again.`);
    seeded = undefined;
  });
  return seeded;
}
