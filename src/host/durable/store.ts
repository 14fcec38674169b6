/**
 * The task hub in the app's storage account, modelled on DurableTask.AzureStorage:
 * - table `{hub}Instances`: one row per instance, the queryable status (derived from history);
 * - table `{hub}History`: partition = instance id; a `sentinel` row (execution id, episode count,
 *   pending outbox marker; its ETag serializes writers) and one row per committed episode holding that
 *   episode's history events and its outbox;
 * - queues `{hub}-control-00` (orchestration messages) and `{hub}-workitems` (activity work items);
 * - container `{hub}-largemessages` for payloads too large for a queue message or a table row.
 *
 * An episode commit is one entity-group transaction: sentinel (If-Match) + the new episode row. So a
 * commit either happened whole or not at all, and a second writer loses on the ETag.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { odata, TableClient, TableEntity, TransactionAction } from '@azure/data-tables';

type Entity = TableEntity<Record<string, unknown>>;
import type { HistoryEvent, RuntimeStatus } from './history';
import type { ControlEnvelope, InstanceStatus, Outbound, WorkItemMessage } from './messages';

/** Max characters of one string property (64 KiB of UTF-16, with headroom). */
const CHUNK = 30000;
/** Max chunks in one episode row (1 MiB entity limit). */
const MAX_CHUNKS = 14;
/** Above this, a queue message body goes to a blob (64 KiB limit, XML-escaped). */
const MAX_QUEUE_TEXT = 45000;

export class DurableStoreError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isConflict(err: unknown): boolean {
  const status = (err as { statusCode?: number })?.statusCode;
  return status === 409 || status === 412;
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

/** The sentinel row: where the history of the current execution stands. */
export interface Sentinel {
  executionId: string;
  /** Rows of the current history are keyed `${historyKey}~E{n}`; rewind starts a new key. */
  historyKey: string;
  episodes: number;
  name: string;
  runtimeStatus: RuntimeStatus;
  /** Episode whose outbox is not yet known to be sent, or -1. */
  pendingEpisode: number;
  /** Events that arrived while suspended (JSON array). */
  buffered: HistoryEvent[];
  etag?: string;
}

export interface EpisodeRecord {
  events: HistoryEvent[];
  outbound: Outbound[];
  instance: InstanceStatus;
}

export interface EntityRecord {
  exists: boolean;
  /** JSON text of the state. */
  state: string | null;
  /** Ids of the last requests applied (a redelivered request is recognised). */
  processed: string[];
  /** Messages to send (responses, signals) once this record is written. */
  outbox: Outbound[];
  lastModified: string;
  /** Blob holding a state too large for the row, if any. */
  stateBlob?: string;
  etag?: string;
}

export interface ReceivedMessage<T> {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  body: T;
}

export interface InstanceQuery {
  createdTimeFrom?: string;
  createdTimeTo?: string;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
}

function pad(n: number): string {
  return String(n).padStart(8, '0');
}

export function episodeRowKey(historyKey: string, episode: number): string {
  return `${historyKey}~E${pad(episode)}`;
}

/** Validates a task hub name as DurableTask.AzureStorage does (letters and digits, starts with a letter). */
export function validateHubName(hub: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(hub)) {
    throw new DurableStoreError('DURABLE_BAD_HUB_NAME', `Task hub name "${hub}" is invalid: use 3-45 letters or digits, starting with a letter.`);
  }
  return hub;
}

export class DurableStore {
  readonly instances: TableClient;
  readonly history: TableClient;
  readonly control: QueueClient;
  readonly workItems: QueueClient;
  readonly large: ContainerClient;

  constructor(
    connectionString: string,
    readonly hub: string,
  ) {
    validateHubName(hub);
    const opts = { allowInsecureConnection: true };
    this.instances = TableClient.fromConnectionString(connectionString, `${hub}Instances`, opts);
    this.history = TableClient.fromConnectionString(connectionString, `${hub}History`, opts);
    const qs = QueueServiceClient.fromConnectionString(connectionString);
    const lower = hub.toLowerCase();
    this.control = qs.getQueueClient(`${lower}-control-00`);
    this.workItems = qs.getQueueClient(`${lower}-workitems`);
    this.large = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(`${lower}-largemessages`);
  }

  async init(): Promise<void> {
    const ignoreExists = (err: unknown) => {
      if (!isConflict(err)) throw err;
    };
    await Promise.all([
      this.instances.createTable().catch(ignoreExists),
      this.history.createTable().catch(ignoreExists),
      this.control.createIfNotExists(),
      this.workItems.createIfNotExists(),
      this.large.createIfNotExists(),
    ]);
  }

  // ---- large payloads -------------------------------------------------------------------------

  private async putBlob(name: string, text: string): Promise<void> {
    await this.large.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
  }

  private async getBlob(name: string): Promise<string> {
    const buf = await this.large.getBlockBlobClient(name).downloadToBuffer();
    return buf.toString('utf8');
  }

  private async deleteBlobsUnder(prefix: string): Promise<void> {
    for await (const b of this.large.listBlobsFlat({ prefix })) {
      await this.large.deleteBlob(b.name).catch(() => undefined);
    }
  }

  /** A string property, or a blob reference when the text is too long for one. */
  private async textProps(field: string, text: string | null, blobName: string): Promise<Record<string, unknown>> {
    if (text === null) return { [field]: null, [`${field}Blob`]: null };
    if (text.length <= CHUNK) return { [field]: text, [`${field}Blob`]: null };
    await this.putBlob(blobName, text);
    return { [field]: null, [`${field}Blob`]: blobName };
  }

  private async readText(entity: Record<string, unknown>, field: string): Promise<string | null> {
    const blob = entity[`${field}Blob`];
    if (typeof blob === 'string' && blob) return this.getBlob(blob);
    const v = entity[field];
    return typeof v === 'string' ? v : null;
  }

  // ---- instances table ------------------------------------------------------------------------

  private async toInstanceEntity(s: InstanceStatus): Promise<Entity> {
    const base = `${encodeURIComponent(s.instanceId)}/${s.executionId}`;
    return {
      partitionKey: s.instanceId,
      rowKey: '',
      Name: s.name,
      Version: s.version ?? '',
      ExecutionId: s.executionId,
      RuntimeStatus: s.runtimeStatus,
      CreatedTime: s.createdTime,
      LastUpdatedTime: s.lastUpdatedTime,
      CompletedTime: s.completedTime ?? '',
      ParentInstanceId: s.parentInstanceId ?? '',
      ...(await this.textProps('Input', s.input, `${base}/input.json`)),
      ...(await this.textProps('Output', s.output, `${base}/output.json`)),
      ...(await this.textProps('CustomStatus', s.customStatus, `${base}/customstatus.json`)),
    };
  }

  private async fromInstanceEntity(e: Record<string, unknown>): Promise<InstanceStatus> {
    return {
      instanceId: String(e.partitionKey),
      name: String(e.Name ?? ''),
      version: e.Version ? String(e.Version) : undefined,
      executionId: String(e.ExecutionId ?? ''),
      runtimeStatus: String(e.RuntimeStatus) as RuntimeStatus,
      input: await this.readText(e, 'Input'),
      output: await this.readText(e, 'Output'),
      customStatus: await this.readText(e, 'CustomStatus'),
      createdTime: String(e.CreatedTime ?? ''),
      lastUpdatedTime: String(e.LastUpdatedTime ?? ''),
      completedTime: e.CompletedTime ? String(e.CompletedTime) : undefined,
      parentInstanceId: e.ParentInstanceId ? String(e.ParentInstanceId) : undefined,
    };
  }

  async getInstance(instanceId: string): Promise<(InstanceStatus & { etag: string }) | undefined> {
    try {
      const e = await this.instances.getEntity<Record<string, unknown>>(instanceId, '');
      return { ...(await this.fromInstanceEntity(e)), etag: String(e.etag) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async upsertInstance(s: InstanceStatus): Promise<void> {
    await this.instances.upsertEntity(await this.toInstanceEntity(s), 'Replace');
  }

  /** Writes a Pending row for a new instance; `etag` replaces an existing row only if unchanged. */
  async createPendingInstance(s: InstanceStatus, etag?: string): Promise<void> {
    const entity = await this.toInstanceEntity(s);
    if (etag) await this.instances.updateEntity(entity, 'Replace', { etag });
    else await this.instances.createEntity(entity);
  }

  async listInstances(q: InstanceQuery, pageSize: number, continuationToken?: string): Promise<{ instances: InstanceStatus[]; continuationToken?: string }> {
    const filters: string[] = [];
    if (q.createdTimeFrom) filters.push(odata`CreatedTime ge ${q.createdTimeFrom}`);
    if (q.createdTimeTo) filters.push(odata`CreatedTime le ${q.createdTimeTo}`);
    if (q.runtimeStatus && q.runtimeStatus.length > 0) {
      filters.push('(' + q.runtimeStatus.map((s) => odata`RuntimeStatus eq ${s}`).join(' or ') + ')');
    }
    if (q.instanceIdPrefix) {
      // Prefix match on the partition key: [prefix, prefix + U+FFFF).
      filters.push(odata`PartitionKey ge ${q.instanceIdPrefix}`);
      filters.push(odata`PartitionKey lt ${q.instanceIdPrefix + '\uffff'}`);
    }
    const iter = this.instances
      .listEntities<Record<string, unknown>>({ queryOptions: filters.length ? { filter: filters.join(' and ') } : undefined })
      .byPage({ maxPageSize: pageSize, continuationToken });
    const page = await iter.next();
    if (page.done || !page.value) return { instances: [] };
    const instances = await Promise.all(page.value.map((e) => this.fromInstanceEntity(e)));
    return { instances, continuationToken: page.value.continuationToken };
  }

  async deleteInstanceRow(instanceId: string): Promise<void> {
    await this.instances.deleteEntity(instanceId, '').catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }

  // ---- history table --------------------------------------------------------------------------

  async readSentinel(instanceId: string): Promise<Sentinel | undefined> {
    try {
      const e = await this.history.getEntity<Record<string, unknown>>(instanceId, 'sentinel');
      return {
        executionId: String(e.ExecutionId),
        historyKey: String(e.HistoryKey),
        episodes: Number(e.Episodes),
        name: String(e.Name ?? ''),
        runtimeStatus: String(e.RuntimeStatus) as RuntimeStatus,
        pendingEpisode: Number(e.PendingEpisode ?? -1),
        buffered: e.Buffered ? (JSON.parse(String(e.Buffered)) as HistoryEvent[]) : [],
        etag: String(e.etag),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private sentinelEntity(instanceId: string, s: Sentinel): Entity {
    const buffered = JSON.stringify(s.buffered);
    if (buffered.length > CHUNK) {
      throw new DurableStoreError('DURABLE_BUFFER_FULL', `Too many events buffered for suspended instance ${instanceId}.`);
    }
    return {
      partitionKey: instanceId,
      rowKey: 'sentinel',
      ExecutionId: s.executionId,
      HistoryKey: s.historyKey,
      Episodes: s.episodes,
      Name: s.name,
      RuntimeStatus: s.runtimeStatus,
      PendingEpisode: s.pendingEpisode,
      Buffered: buffered,
    };
  }

  private async episodeEntity(instanceId: string, historyKey: string, episode: number, rec: EpisodeRecord): Promise<Entity> {
    const text = JSON.stringify(rec);
    const entity: Entity = { partitionKey: instanceId, rowKey: episodeRowKey(historyKey, episode) };
    if (text.length > CHUNK * MAX_CHUNKS) {
      const name = `${encodeURIComponent(instanceId)}/history/${historyKey}/${pad(episode)}.json`;
      await this.putBlob(name, text);
      entity.Blob = name;
    } else {
      for (let i = 0, c = 0; i < text.length; i += CHUNK, c++) entity[`D${String(c).padStart(2, '0')}`] = text.slice(i, i + CHUNK);
    }
    return entity;
  }

  private async parseEpisode(e: Record<string, unknown>): Promise<EpisodeRecord> {
    if (typeof e.Blob === 'string' && e.Blob) return JSON.parse(await this.getBlob(e.Blob)) as EpisodeRecord;
    let text = '';
    for (let c = 0; ; c++) {
      const part = e[`D${String(c).padStart(2, '0')}`];
      if (typeof part !== 'string') break;
      text += part;
    }
    return JSON.parse(text) as EpisodeRecord;
  }

  /** The episodes of one history key, in order. */
  async readEpisodes(instanceId: string, historyKey: string): Promise<EpisodeRecord[]> {
    const lo = `${historyKey}~E`;
    const hi = `${historyKey}~F`;
    const out: { key: string; rec: EpisodeRecord }[] = [];
    const iter = this.history.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId} and RowKey ge ${lo} and RowKey lt ${hi}` },
    });
    for await (const e of iter) out.push({ key: String(e.rowKey), rec: await this.parseEpisode(e) });
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out.map((o) => o.rec);
  }

  async readEpisode(instanceId: string, historyKey: string, episode: number): Promise<EpisodeRecord | undefined> {
    try {
      const e = await this.history.getEntity<Record<string, unknown>>(instanceId, episodeRowKey(historyKey, episode));
      return this.parseEpisode(e);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Commits one episode atomically: the sentinel (created, or replaced if its ETag is unchanged) and
   * the episode row. Returns the sentinel's new ETag. Throws a 409/412 error if another writer won.
   */
  async commitEpisode(instanceId: string, sentinel: Sentinel, rec: EpisodeRecord): Promise<string> {
    const episodeRow = await this.episodeEntity(instanceId, sentinel.historyKey, sentinel.episodes, rec);
    const sentinelRow = this.sentinelEntity(instanceId, sentinel);
    const actions: TransactionAction[] = [
      sentinel.etag ? ['update', sentinelRow, 'Replace', { etag: sentinel.etag }] : ['create', sentinelRow],
      ['create', episodeRow],
    ];
    const res = await this.history.submitTransaction(actions);
    const sub = res.getResponseForEntity('sentinel');
    if (sub?.etag) return sub.etag;
    const fresh = await this.readSentinel(instanceId);
    return fresh?.etag ?? '';
  }

  /** Replaces the sentinel if unchanged (no new episode). Returns the new ETag. */
  async updateSentinel(instanceId: string, sentinel: Sentinel): Promise<string> {
    const row = this.sentinelEntity(instanceId, sentinel);
    const res = sentinel.etag ? await this.history.updateEntity(row, 'Replace', { etag: sentinel.etag }) : await this.history.createEntity(row);
    return String(res.etag);
  }

  /** Instances whose last committed episode may not have had its outbox sent. */
  async sentinelsWithPendingOutbox(): Promise<string[]> {
    const ids: string[] = [];
    const iter = this.history.listEntities<Record<string, unknown>>({
      queryOptions: { filter: "RowKey eq 'sentinel' and PendingEpisode ge 0", select: ['PartitionKey'] },
    });
    for await (const e of iter) ids.push(String(e.partitionKey));
    return ids;
  }

  /** Deletes all history rows and large payloads of an instance. Returns whether anything existed. */
  async deleteHistory(instanceId: string): Promise<boolean> {
    const keys: string[] = [];
    const iter = this.history.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId}`, select: ['RowKey'] },
    });
    for await (const e of iter) keys.push(String(e.rowKey));
    for (let i = 0; i < keys.length; i += 100) {
      const batch: TransactionAction[] = keys.slice(i, i + 100).map((rk) => ['delete', { partitionKey: instanceId, rowKey: rk }]);
      await this.history.submitTransaction(batch);
    }
    await this.deleteBlobsUnder(`${encodeURIComponent(instanceId)}/`);
    return keys.length > 0;
  }

  // ---- entities ------------------------------------------------------------------------------

  /** An entity's row (`entity` in its History partition): state, recent request ids, pending outbox. */
  async readEntity(entityId: string): Promise<EntityRecord> {
    try {
      const e = await this.history.getEntity<Record<string, unknown>>(entityId, 'entity');
      let outboxText = '';
      for (let c = 0; ; c++) {
        const part = e[`D${String(c).padStart(2, '0')}`];
        if (typeof part !== 'string') break;
        outboxText += part;
      }
      return {
        exists: e.Exists === true,
        state: await this.readText(e, 'State'),
        processed: e.Processed ? (JSON.parse(String(e.Processed)) as string[]) : [],
        outbox: outboxText ? (JSON.parse(outboxText) as Outbound[]) : [],
        lastModified: String(e.LastModified ?? ''),
        stateBlob: typeof e.StateBlob === 'string' && e.StateBlob ? e.StateBlob : undefined,
        etag: String(e.etag),
      };
    } catch (err) {
      if (isNotFound(err)) return { exists: false, state: null, processed: [], outbox: [], lastModified: '' };
      throw err;
    }
  }

  /** Writes the entity row if unchanged since `rec.etag` (created when absent). Returns the new ETag. */
  async writeEntity(entityId: string, rec: EntityRecord): Promise<string> {
    const outbox = JSON.stringify(rec.outbox);
    if (outbox.length > CHUNK * MAX_CHUNKS) {
      throw new DurableStoreError('DURABLE_ENTITY_OUTBOX_TOO_LARGE', `Entity ${entityId} produced too many messages in one batch.`);
    }
    const row: Entity = {
      partitionKey: entityId,
      rowKey: 'entity',
      Exists: rec.exists,
      Processed: JSON.stringify(rec.processed),
      LastModified: rec.lastModified,
      ...(await this.textProps('State', rec.state, `${encodeURIComponent(entityId)}/state-${Date.now()}.json`)),
    };
    if (rec.outbox.length > 0) {
      for (let i = 0, c = 0; i < outbox.length; i += CHUNK, c++) row[`D${String(c).padStart(2, '0')}`] = outbox.slice(i, i + CHUNK);
    }
    const res = rec.etag ? await this.history.updateEntity(row, 'Replace', { etag: rec.etag }) : await this.history.createEntity(row);
    // A large state lives in a blob per write; the previous one is no longer referenced.
    const newBlob = typeof row.StateBlob === 'string' ? row.StateBlob : undefined;
    if (rec.stateBlob && rec.stateBlob !== newBlob) await this.large.deleteBlob(rec.stateBlob).catch(() => undefined);
    rec.stateBlob = newBlob;
    return String(res.etag);
  }

  // ---- queues ---------------------------------------------------------------------------------

  private async encode(body: unknown, id: string): Promise<string> {
    const text = JSON.stringify(body);
    if (text.length <= MAX_QUEUE_TEXT) return text;
    const name = `messages/${id}.json`;
    await this.putBlob(name, text);
    return JSON.stringify({ $blob: name });
  }

  private async decode<T>(text: string): Promise<T> {
    const v = JSON.parse(text) as { $blob?: string };
    if (v && typeof v.$blob === 'string') return JSON.parse(await this.getBlob(v.$blob)) as T;
    return v as T;
  }

  async sendControl(message: ControlEnvelope, visibleAt?: Date): Promise<void> {
    const delaySec = visibleAt ? Math.ceil((visibleAt.getTime() - Date.now()) / 1000) : 0;
    // Queue messages can stay invisible for at most 7 days; a later timer is re-sent when it surfaces.
    const visibilityTimeout = Math.max(0, Math.min(delaySec, 7 * 24 * 3600 - 60));
    await this.control.sendMessage(await this.encode(message, message.id), {
      visibilityTimeout: visibilityTimeout || undefined,
      messageTimeToLive: -1,
    });
  }

  async sendWorkItem(message: WorkItemMessage): Promise<void> {
    await this.workItems.sendMessage(await this.encode(message, message.id), { messageTimeToLive: -1 });
  }

  async send(o: Outbound): Promise<void> {
    if (o.queue === 'control') await this.sendControl(o.message, o.visibleAt ? new Date(o.visibleAt) : undefined);
    else await this.sendWorkItem(o.message);
  }

  async receive<T>(queue: QueueClient, max: number, visibilitySec: number): Promise<ReceivedMessage<T>[]> {
    const res = await queue.receiveMessages({ numberOfMessages: Math.max(1, Math.min(32, max)), visibilityTimeout: visibilitySec });
    const out: ReceivedMessage<T>[] = [];
    for (const m of res.receivedMessageItems) {
      let body: T;
      try {
        body = await this.decode<T>(m.messageText);
      } catch {
        // Not ours or corrupt: remove it so it cannot block the queue.
        await queue.deleteMessage(m.messageId, m.popReceipt).catch(() => undefined);
        continue;
      }
      out.push({ messageId: m.messageId, popReceipt: m.popReceipt, dequeueCount: m.dequeueCount, body });
    }
    return out;
  }

  async deleteMessage(queue: QueueClient, m: { messageId: string; popReceipt: string }): Promise<void> {
    await queue.deleteMessage(m.messageId, m.popReceipt).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /** Extends a message's invisibility; returns the new pop receipt. */
  async renew(queue: QueueClient, m: { messageId: string; popReceipt: string }, visibilitySec: number): Promise<string> {
    const res = await queue.updateMessage(m.messageId, m.popReceipt, undefined, visibilitySec);
    return String(res.popReceipt);
  }
}
