import { badRequest } from '../graph/errors';
import { defaultRefusal } from './defaults';
import { localTypeName } from './types';

/**
 * Priorities: which configurations compete with which, and how an order stays 1..k. Intune keeps one
 * priority order per kind of configuration, each shown as its own list in the admin center: device
 * limit restrictions, device type restrictions, each platform's restrictions, Enrollment Status Pages,
 * Windows Hello for Business, co-management settings, each platform's enrollment notifications and
 * Windows Restore. A user gets, per kind, the assigned configuration with the lowest value; the
 * default (priority 0) applies when none does, so it sits outside the order. docs/configurations.md
 * says where each of these comes from.
 *
 * Everything here is a pure function from a tenant's (id, kind, priority) list to the priorities that
 * must change, so the store can write them in one batch and repair an order after a race (renumber).
 */

export interface PriorityItem {
  id: string;
  /** priorityKind() of the configuration. */
  kind: string;
  priority: number;
  /** The tenant's defaults: always 0, in no order, never moved. */
  isDefault?: boolean;
}

export interface PriorityChange {
  id: string;
  priority: number;
}

/** The order a configuration competes in, from its type and, for per-platform kinds, its platform. */
export function priorityKind(configuration: { '@odata.type': string; platformType?: unknown }): string {
  const type = localTypeName(configuration['@odata.type']);
  const platform = typeof configuration.platformType === 'string' ? configuration.platformType : 'allPlatforms';
  switch (type) {
    case 'deviceEnrollmentLimitConfiguration':
      return 'limit';
    case 'deviceEnrollmentPlatformRestrictionsConfiguration':
      return 'platformRestrictions';
    case 'deviceEnrollmentPlatformRestrictionConfiguration':
      return `singlePlatformRestriction:${platform}`;
    case 'deviceEnrollmentWindowsHelloForBusinessConfiguration':
      return 'windowsHelloForBusiness';
    case 'windows10EnrollmentCompletionPageConfiguration':
      return 'windows10EnrollmentCompletionPage';
    case 'deviceComanagementAuthorityConfiguration':
      return 'deviceComanagementAuthority';
    case 'deviceEnrollmentNotificationConfiguration':
      return `enrollmentNotifications:${platform}`;
    case 'windowsRestoreDeviceEnrollmentConfiguration':
      return 'windowsRestore';
    default:
      return type;
  }
}

/** A kind's order: its configurations (defaults excluded) by priority, ties by id so every instance agrees. */
export function orderOf(items: readonly PriorityItem[], kind: string): PriorityItem[] {
  return items
    .filter((i) => i.kind === kind && !i.isDefault)
    .sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Where a new configuration of `kind` goes: last among its kind. */
export function nextPriority(items: readonly PriorityItem[], kind: string): number {
  return orderOf(items, kind).reduce((max, i) => Math.max(max, i.priority), 0) + 1;
}

function numbered(order: readonly PriorityItem[]): PriorityChange[] {
  return order.flatMap((item, index) => (item.priority === index + 1 ? [] : [{ id: item.id, priority: index + 1 }]));
}

/**
 * The changes that make a kind's order 1..k again, keeping its sequence: after a delete, or to repair
 * an order that two instances wrote at once (a duplicate or a gap).
 */
export function renumber(items: readonly PriorityItem[], kind: string): PriorityChange[] {
  return numbered(orderOf(items, kind));
}

/** The changes a delete needs: the ones after it move up. */
export function afterDelete(items: readonly PriorityItem[], deletedId: string): PriorityChange[] {
  const deleted = items.find((i) => i.id === deletedId);
  if (!deleted || deleted.isDefault) return [];
  return renumber(
    items.filter((i) => i.id !== deletedId),
    deleted.kind,
  );
}

/**
 * setPriority(n): the configuration moves to place n of its kind's order and the others close up
 * around it, so the order stays 1..k. n beyond k places it last (Intune's own tools set priorities
 * carried over from another tenant, where the count differs). Refused with Graph's 400: a default
 * (always 0), n below 1 (0 is the defaults' place), and n equal to the current priority, which Intune
 * refuses too (Microsoft365DSC sets a priority only when it differs, for that reason).
 */
export function setPriority(items: readonly PriorityItem[], id: string, requested: number): PriorityChange[] {
  const item = items.find((i) => i.id === id);
  if (!item) throw new Error(`setPriority: no configuration ${id} in the list`);
  if (item.isDefault) throw defaultRefusal('setPriority', id);
  if (!Number.isInteger(requested) || requested < 1) {
    throw badRequest(`Invalid value ${requested} for parameter 'priority': it must be 1 or more; 0 belongs to the default configuration.`);
  }
  if (requested === item.priority) {
    throw badRequest(`The configuration '${id}' already has priority ${requested}.`);
  }
  const others = orderOf(items, item.kind).filter((i) => i.id !== id);
  const place = Math.min(requested, others.length + 1);
  const order = [...others.slice(0, place - 1), item, ...others.slice(place - 1)];
  return numbered(order);
}

/** A list with changes applied, for callers that keep the list in memory (and for tests). */
export function applyChanges<T extends PriorityItem>(items: readonly T[], changes: readonly PriorityChange[]): T[] {
  const next = new Map(changes.map((c) => [c.id, c.priority]));
  return items.map((i) => (next.has(i.id) ? { ...i, priority: next.get(i.id)! } : i));
}
