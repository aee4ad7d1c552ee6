import type { TableClient } from '@azure/data-tables';
import { getConfig, type AppConfig } from '../config';
import { GraphError, preconditionFailed, serviceUnavailable } from '../graph/errors';
import { createTableClient, storageErrorCode, storageStatus } from '../storage/tables';
import type { AssignmentFields, AssignmentTarget } from './schema';

/**
 * Assignments in Azure Table Storage: PartitionKey = the deviceEnrollmentConfigurationId, RowKey = the
 * assignment id. The target is kept as JSON text because Table Storage has no nested values.
 */

export interface StoredAssignment extends AssignmentFields {
  configurationId: string;
  id: string;
  invitationId: string | null;
  createdDateTime: string;
  etag: string;
}

interface AssignmentEntity {
  partitionKey: string;
  rowKey: string;
  invitationId?: string;
  target: string;
  source: string;
  sourceId?: string;
  createdDateTime: string;
  etag?: string;
}

function toEntity(a: Omit<StoredAssignment, 'etag'>): AssignmentEntity {
  const entity: AssignmentEntity = {
    partitionKey: a.configurationId,
    rowKey: a.id,
    target: JSON.stringify(a.target),
    source: a.source,
    createdDateTime: a.createdDateTime,
  };
  if (a.invitationId !== null) entity.invitationId = a.invitationId;
  if (a.sourceId !== null) entity.sourceId = a.sourceId;
  return entity;
}

function fromEntity(e: AssignmentEntity): StoredAssignment {
  return {
    configurationId: e.partitionKey,
    id: e.rowKey,
    invitationId: e.invitationId ?? null,
    target: JSON.parse(e.target) as AssignmentTarget,
    source: e.source as AssignmentFields['source'],
    sourceId: e.sourceId ?? null,
    createdDateTime: e.createdDateTime,
    etag: e.etag ?? '',
  };
}

/** Errors that mean "storage is not there right now": the caller should retry later. */
function isTransient(err: unknown): boolean {
  const status = storageStatus(err);
  if (status === undefined) return true; // connection refused, reset, DNS, aborted by our timeout
  return status === 408 || status === 429 || status >= 500;
}

export class AssignmentStore {
  #tableReady: Promise<void> | undefined;

  constructor(
    private readonly client: TableClient,
    private readonly timeoutMs: number,
  ) {}

  /** Created once per process; a failed attempt is forgotten so the next request tries again. */
  #ensureTable(): Promise<void> {
    this.#tableReady ??= this.client.createTable({ abortSignal: AbortSignal.timeout(this.timeoutMs) }).catch((err: unknown) => {
      this.#tableReady = undefined;
      throw err;
    });
    return this.#tableReady;
  }

  /** Runs one storage operation with a deadline, turning storage failures into Graph errors. */
  async #run<T>(operation: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      await this.#ensureTable();
      return await operation(AbortSignal.timeout(this.timeoutMs));
    } catch (err) {
      if (err instanceof GraphError) throw err;
      const code = storageErrorCode(err);
      if (code === 'TableNotFound') {
        // Someone deleted the table under us: create it again on the next request.
        this.#tableReady = undefined;
        throw serviceUnavailable(1);
      }
      if (code === 'UpdateConditionNotSatisfied' || storageStatus(err) === 412) throw preconditionFailed();
      if (isTransient(err)) throw serviceUnavailable();
      throw err;
    }
  }

  async create(a: Omit<StoredAssignment, 'etag'>): Promise<StoredAssignment> {
    const response = await this.#run((abortSignal) => this.client.createEntity(toEntity(a), { abortSignal }));
    return { ...a, etag: response.etag ?? '' };
  }

  async get(configurationId: string, id: string): Promise<StoredAssignment | undefined> {
    return this.#run(async (abortSignal) => {
      try {
        return fromEntity(await this.client.getEntity<AssignmentEntity>(configurationId, id, { abortSignal }));
      } catch (err) {
        if (storageStatus(err) === 404 && storageErrorCode(err) !== 'TableNotFound') return undefined;
        throw err;
      }
    });
  }

  /** Answers when the table can be reached: for /health. */
  async ping(): Promise<void> {
    await this.#run(async (abortSignal) => {
      const pages = this.client.listEntities({ abortSignal }).byPage({ maxPageSize: 1 });
      await pages.next();
    });
  }
}

let store: AssignmentStore | undefined;

/** The process's one store and TableClient, created on first use. */
export function getStore(config: AppConfig = getConfig()): AssignmentStore {
  store ??= new AssignmentStore(createTableClient(config), config.storageTimeoutMs);
  return store;
}
