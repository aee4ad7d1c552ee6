/**
 * Assignment rows as Table Storage keeps them: PartitionKey = the configuration's partition (keys.ts),
 * RowKey = the assignment id. The target is kept as JSON text because Table Storage has no nested values;
 * copies of the target fields $filter reaches sit beside it.
 */

/** A target as the store keeps it: JSON with its `@odata.type` and the type's own fields (the resource knows them). */
export interface TargetData {
  '@odata.type': string;
  groupId?: string | null;
}

export interface AssignmentData {
  target: TargetData | null;
  source: string;
  sourceId: string | null;
}

export interface NewAssignment extends AssignmentData {
  configurationId: string;
  id: string;
  invitationId: string | null;
  createdDateTime: string;
}

export interface StoredAssignment extends NewAssignment {
  etag: string;
}

export type AssignmentEntity = {
  partitionKey: string;
  rowKey: string;
  /** The generation the row belongs to (partition.ts). */
  gen: string;
  invitationId?: string;
  target: string;
  targetType: string;
  targetGroupId?: string;
  source: string;
  sourceId?: string;
  createdDateTime: string;
  etag?: string;
};

export function toEntity(partitionKey: string, a: NewAssignment, gen: string): AssignmentEntity {
  const entity: AssignmentEntity = {
    partitionKey,
    rowKey: a.id,
    gen,
    target: JSON.stringify(a.target),
    targetType: a.target?.['@odata.type'] ?? '',
    source: a.source,
    createdDateTime: a.createdDateTime,
  };
  if (a.invitationId !== null) entity.invitationId = a.invitationId;
  if (a.sourceId !== null) entity.sourceId = a.sourceId;
  if (a.target?.groupId != null) entity.targetGroupId = a.target.groupId;
  return entity;
}

const WRITTEN = ['invitationId', 'target', 'targetType', 'targetGroupId', 'source', 'sourceId', 'createdDateTime'] as const;

/** Whether a stored row holds exactly the properties of a write (storage adds etag, timestamp and metadata). */
export function holdsSameWrite(stored: AssignmentEntity, written: AssignmentEntity): boolean {
  return WRITTEN.every((k) => stored[k] === written[k]);
}

export function fromEntity(configurationId: string, e: AssignmentEntity): StoredAssignment {
  return {
    configurationId,
    id: e.rowKey,
    invitationId: e.invitationId ?? null,
    target: JSON.parse(e.target) as TargetData | null,
    source: e.source,
    sourceId: e.sourceId ?? null,
    createdDateTime: e.createdDateTime,
    etag: e.etag ?? '',
  };
}

/** `eq` conditions of a $filter, on the properties that support it. */
export interface AssignmentFilter {
  source?: string;
  sourceId?: string;
  groupId?: string;
}

export const hasFilter = (f: AssignmentFilter): boolean => f.source !== undefined || f.sourceId !== undefined || f.groupId !== undefined;
