import fc from 'fast-check';
import {
  afterDelete,
  applyChanges,
  nextPriority,
  orderOf,
  priorityKind,
  renumber,
  setPriority,
  type PriorityItem,
} from '../../src/configurations/priority';
import { GraphError } from '../../src/graph/errors';

/** Priority orders: one per kind, 1..k with no duplicate and no gap, defaults at 0 outside them. */

const item = (id: string, kind: string, priority: number, isDefault = false): PriorityItem => ({ id, kind, priority, isDefault });

function graphError(run: () => unknown): GraphError {
  try {
    run();
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error('expected a GraphError');
}

/** The tenant's list after setPriority, as the ids of a kind in order. */
const idsAfter = (items: PriorityItem[], id: string, n: number, kind = 'limit') =>
  orderOf(applyChanges(items, setPriority(items, id, n)), kind).map((i) => `${i.id}:${i.priority}`);

describe('priorityKind', () => {
  it('gives restrictions per platform and notifications per platform their own orders', () => {
    const kind = (type: string, platformType?: string) => priorityKind({ '@odata.type': `#microsoft.graph.${type}`, platformType });
    expect(kind('deviceEnrollmentLimitConfiguration')).toBe('limit');
    expect(kind('deviceEnrollmentPlatformRestrictionConfiguration', 'ios')).toBe('singlePlatformRestriction:ios');
    expect(kind('deviceEnrollmentPlatformRestrictionConfiguration', 'android')).not.toBe(
      kind('deviceEnrollmentPlatformRestrictionConfiguration', 'ios'),
    );
    expect(kind('deviceEnrollmentNotificationConfiguration', 'windows')).toBe('enrollmentNotifications:windows');
    expect(kind('windows10EnrollmentCompletionPageConfiguration')).toBe('windows10EnrollmentCompletionPage');
    expect(kind('deviceEnrollmentPlatformRestrictionsConfiguration')).not.toBe(kind('deviceEnrollmentLimitConfiguration'));
  });
});

describe('placing and removing', () => {
  const list = [item('d', 'limit', 0, true), item('a', 'limit', 1), item('b', 'limit', 2), item('e', 'esp', 1)];

  it('a new configuration goes last among its kind; the first of a kind gets 1', () => {
    expect(nextPriority(list, 'limit')).toBe(3);
    expect(nextPriority(list, 'esp')).toBe(2);
    expect(nextPriority(list, 'windowsHelloForBusiness')).toBe(1);
  });

  it('a delete moves the ones after it up, and touches no other kind', () => {
    expect(afterDelete(list, 'a')).toEqual([{ id: 'b', priority: 1 }]);
    expect(afterDelete(list, 'b')).toEqual([]);
    expect(afterDelete(list, 'd')).toEqual([]);
  });

  it('renumber repairs a duplicate or a gap left by a race, keeping the sequence (ties by id)', () => {
    const raced = [item('x', 'limit', 1), item('w', 'limit', 1), item('z', 'limit', 4)];
    // w keeps 1 (it already has it), so only x and z change.
    expect(renumber(raced, 'limit')).toEqual([
      { id: 'x', priority: 2 },
      { id: 'z', priority: 3 },
    ]);
  });
});

describe('setPriority', () => {
  const list = [item('d', 'limit', 0, true), item('a', 'limit', 1), item('b', 'limit', 2), item('c', 'limit', 3), item('e', 'esp', 1)];

  it('moves up and down, the others closing up around it', () => {
    expect(idsAfter(list, 'c', 1)).toEqual(['c:1', 'a:2', 'b:3']);
    expect(idsAfter(list, 'a', 3)).toEqual(['b:1', 'c:2', 'a:3']);
    expect(idsAfter(list, 'a', 2)).toEqual(['b:1', 'a:2', 'c:3']);
  });

  it('changes only what moves, and never another kind or the default', () => {
    const changes = setPriority(list, 'c', 2);
    expect(changes).toEqual([
      { id: 'c', priority: 2 },
      { id: 'b', priority: 3 },
    ]);
  });

  it('beyond the last place, places it last', () => {
    expect(idsAfter(list, 'a', 99)).toEqual(['b:1', 'c:2', 'a:3']);
    expect(setPriority(list, 'c', 99)).toEqual([]);
  });

  it('refuses 0 and negative values, the current value, and any default', () => {
    expect(graphError(() => setPriority(list, 'a', 0)).message).toMatch(/it must be 1 or more/);
    expect(graphError(() => setPriority(list, 'a', -3)).status).toBe(400);
    expect(graphError(() => setPriority(list, 'b', 2)).message).toBe("The configuration 'b' already has priority 2.");
    expect(graphError(() => setPriority(list, 'd', 1)).message).toMatch(/'d' is a default configuration/);
  });
});

/** A tenant's configurations driven by random creates, deletes and setPriority calls, as the store would apply them. */
describe('any sequence of creates, deletes and setPriority', () => {
  const KINDS = ['limit', 'esp', 'singlePlatformRestriction:ios'];
  type Op = { op: 'create'; kind: number } | { op: 'delete'; pick: number } | { op: 'move'; pick: number; to: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('create' as const), kind: fc.nat({ max: KINDS.length - 1 }) }),
    fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('move' as const), pick: fc.nat(), to: fc.integer({ min: -2, max: 12 }) }),
  );

  function assertContiguous(items: PriorityItem[]): void {
    for (const kind of KINDS) {
      const priorities = items.filter((i) => i.kind === kind && !i.isDefault).map((i) => i.priority);
      expect([...priorities].sort((a, b) => a - b)).toEqual(priorities.map((_, i) => i + 1));
    }
    for (const d of items.filter((i) => i.isDefault)) expect(d.priority).toBe(0);
  }

  it('keeps every kind 1..k, unique, and the defaults at 0', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let items: PriorityItem[] = KINDS.map((kind) => item(`default-${kind}`, kind, 0, true));
        let next = 0;
        for (const o of ops) {
          const created = items.filter((i) => !i.isDefault);
          if (o.op === 'create') {
            const kind = KINDS[o.kind]!;
            items = [...items, item(`c${next++}`, kind, nextPriority(items, kind))];
          } else if (created.length > 0 && o.op === 'delete') {
            const gone = created[o.pick % created.length]!;
            items = applyChanges(
              items.filter((i) => i.id !== gone.id),
              afterDelete(items, gone.id),
            );
          } else if (created.length > 0 && o.op === 'move') {
            const moved = created[o.pick % created.length]!;
            const k = orderOf(items, moved.kind).length;
            try {
              items = applyChanges(items, setPriority(items, moved.id, o.to));
              expect(items.find((i) => i.id === moved.id)!.priority).toBe(Math.min(o.to, k));
            } catch (e) {
              // Only the refusals Graph gives: below 1, or the current value.
              expect(e).toBeInstanceOf(GraphError);
              expect(o.to < 1 || o.to === moved.priority).toBe(true);
            }
          }
          assertContiguous(items);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a move keeps the relative order of the others', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10 }), fc.nat(), fc.integer({ min: 1, max: 12 }), (k, pick, to) => {
        const items = Array.from({ length: k }, (_, i) => item(`i${i}`, 'limit', i + 1));
        const moved = items[pick % k]!;
        fc.pre(to !== moved.priority);
        const after = orderOf(applyChanges(items, setPriority(items, moved.id, to)), 'limit').map((i) => i.id);
        expect(after.filter((id) => id !== moved.id)).toEqual(items.map((i) => i.id).filter((id) => id !== moved.id));
      }),
    );
  });
});
