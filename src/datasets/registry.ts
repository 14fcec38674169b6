/**
 * The dataset registry: one Table entity per version (PartitionKey = dataset name, RowKey = v000001...)
 * and, for registered versions, an immutable folder `{registry}/datasets/{name}/v{n}/` holding
 * data.csv (the accepted bytes), profile.json and schema.json.
 *
 * Version numbers are claimed with conditional inserts (409 on a taken RowKey), so concurrent
 * registrations never share a number, and the claim carries the content hash, so a concurrent
 * registration of the same bytes finds it instead of claiming the next number.
 *
 * Entity size: Table properties are limited to 64 KiB and entities to 1 MiB; the entity keeps a
 * summary (counts, hash, class balance, drift) with long strings clipped, the full profile and
 * schema live in blobs.
 */
import { TableClient } from '@azure/data-tables';
import { ContainerClient } from '@azure/storage-blob';
import { containerClient, ensureContainer, ensureTable, isConflict, tableClient, versionRowKey } from '../storage/clients';
import type { DatasetRejectCode } from './errors';
import type { ClassBalance } from './profile';
import type { DatasetSchema, SchemaDrift } from './schema';
import type { DatasetStorage } from './storage';

export type DatasetStatus = 'registering' | 'registered' | 'rejected';

export interface DatasetVersion {
  name: string;
  version: number;
  status: DatasetStatus;
  /** sha256 of the uploaded bytes; null when unknown (a file over DATASET_MAX_BYTES is not read to the end). */
  sha256: string | null;
  bytes: number;
  rows: number | null;
  columns: number | null;
  target: string;
  task: 'classification' | 'regression' | null;
  delimiter: string | null;
  classBalance: ClassBalance[] | null;
  /** Column names and types (also in schema.json); null for rejections before the header was read. */
  schema: DatasetSchema | null;
  /** Drift against the previous registered version; null for a first version or a rejection before profiling. */
  drift: SchemaDrift | null;
  reason: { code: DatasetRejectCode; message: string; line?: number; column?: number; columnName?: string } | null;
  /** The drop blob this version came from (never modified by the app). */
  source: { container: string; blobName: string; etag: string };
  /** Blob paths inside the registry container (registered versions only). */
  snapshot: { container: string; data: string; profile: string; schema: string } | null;
  /** The training run this version started; set by the orchestration starter (null until then). */
  runId: string | null;
  eventPublished: boolean;
  createdAt: string;
  updatedAt: string;
}

interface DatasetEntity {
  partitionKey: string;
  rowKey: string;
  version: number;
  status: DatasetStatus;
  sha256?: string;
  bytes: number | { value: string; type: 'Int64' };
  rows?: number | { value: string; type: 'Int64' };
  columns?: number;
  target: string;
  task?: string;
  delimiter?: string;
  classBalanceJson?: string;
  schemaJson?: string;
  driftJson?: string;
  hasDrift?: boolean;
  reasonCode?: string;
  reasonMessage?: string;
  reasonLine?: number;
  reasonColumn?: number;
  reasonColumnName?: string;
  sourceContainer: string;
  blobName: string;
  sourceEtag: string;
  snapshotContainer?: string;
  snapshotPrefix?: string;
  runId?: string;
  eventPublished: boolean;
  createdAt: string;
  updatedAt: string;
  etag?: string;
}

/** Table string properties hold 32K UTF-16 characters; stay under it with room for the rest. */
const MAX_PROP_CHARS = 30_000;

function clipJson(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const s = JSON.stringify(value);
  return s.length <= MAX_PROP_CHARS ? s : undefined;
}

function clip(s: string, n = 2000): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** The entity's summary of class balance: the 50 largest classes are plenty to read and keep it small. */
function summarizeBalance(b: ClassBalance[] | null): ClassBalance[] | null {
  return b ? b.slice(0, 50) : null;
}

export function snapshotPrefix(name: string, version: number): string {
  return `datasets/${name}/v${version}/`;
}

export type NewVersion = Omit<DatasetVersion, 'version' | 'createdAt' | 'updatedAt'>;

export type ClaimResult = { claimed: true; version: DatasetVersion; etag: string } | { claimed: false; existing: DatasetVersion; etag: string };

export class DatasetRegistry {
  readonly table: TableClient;
  readonly blobs: ContainerClient;

  /** `storage`: a connection string, or clients from storageFromEnv (identity-based connections). */
  constructor(storage: string | DatasetStorage, opts: { table?: string; registryContainer?: string } = {}) {
    if (typeof storage === 'string') {
      this.table = tableClient(storage, opts.table ?? 'datasets');
      this.blobs = containerClient(storage, opts.registryContainer ?? 'registry');
    } else {
      this.table = storage.table(opts.table ?? 'datasets');
      this.blobs = storage.blobService.getContainerClient(opts.registryContainer ?? 'registry');
    }
  }

  async ensure(): Promise<void> {
    await ensureTable(this.table);
    await ensureContainer(this.blobs);
  }

  /** Every version of a dataset, oldest first. */
  async versions(name: string): Promise<DatasetVersion[]> {
    await ensureTable(this.table);
    const out: DatasetVersion[] = [];
    const filter = `PartitionKey eq '${name.replace(/'/g, "''")}'`;
    for await (const e of this.table.listEntities<DatasetEntity>({ queryOptions: { filter } })) out.push(fromEntity(e));
    return out.sort((a, b) => a.version - b.version);
  }

  /** Latest version of every dataset (whatever its status), by name. */
  async latest(): Promise<{ latest: DatasetVersion; latestRegistered: number | null; versions: number }[]> {
    await ensureTable(this.table);
    const byName = new Map<string, DatasetVersion[]>();
    for await (const e of this.table.listEntities<DatasetEntity>()) {
      const v = fromEntity(e);
      const list = byName.get(v.name) ?? [];
      list.push(v);
      byName.set(v.name, list);
    }
    return [...byName.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, list]) => {
        list.sort((a, b) => a.version - b.version);
        const reg = list.filter((v) => v.status === 'registered');
        return { latest: list[list.length - 1], latestRegistered: reg.length ? reg[reg.length - 1].version : null, versions: list.length };
      });
  }

  async get(name: string, version: number): Promise<{ version: DatasetVersion; etag: string } | undefined> {
    await ensureTable(this.table);
    try {
      const e = await this.table.getEntity<DatasetEntity>(name, versionRowKey(version));
      return { version: fromEntity(e), etag: e.etag! };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /**
   * Claims the next version number for new content, unless a version with the same identity exists
   * (same sha256; or, when the hash is unknown, same source blob name, ETag and reason): then that one is
   * returned. `build` receives the previous versions so the caller can compute drift against them.
   */
  async claim(name: string, build: (previous: DatasetVersion[]) => NewVersion | Promise<NewVersion>): Promise<ClaimResult> {
    await ensureTable(this.table);
    for (let attempt = 0; attempt < 50; attempt++) {
      const previous = await this.versions(name);
      const draft = await build(previous);
      // A version whose snapshot path was taken by another writer holds no bytes: it matches nothing.
      const same = previous.find(
        (v) =>
          v.reason?.code !== 'SNAPSHOT_CONFLICT' &&
          (draft.sha256
            ? v.sha256 === draft.sha256
            : v.sha256 === null && v.source.blobName === draft.source.blobName && v.source.etag === draft.source.etag && v.reason?.code === draft.reason?.code),
      );
      if (same) {
        const got = await this.get(name, same.version);
        if (got) return { claimed: false, existing: got.version, etag: got.etag };
      }
      const version = previous.reduce((m, v) => Math.max(m, v.version), 0) + 1;
      const now = new Date().toISOString();
      const full: DatasetVersion = { ...draft, version, createdAt: now, updatedAt: now };
      try {
        const res = await this.table.createEntity(toEntity(full));
        return { claimed: true, version: full, etag: res.etag! };
      } catch (err) {
        if (!isConflict(err)) throw err;
        // Someone else took this number: look again (they may have registered the same bytes).
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (attempt + 1)));
      }
    }
    throw new Error(`could not claim a version for dataset ${name} after 50 attempts`);
  }

  /** Updates a version only if it has not changed since `etag` (412 otherwise). */
  async update(name: string, version: number, patch: Partial<DatasetVersion>, etag: string | '*'): Promise<string> {
    const partial = toEntity({ name, version, ...patch } as DatasetVersion, true);
    const res = await this.table.updateEntity({ ...partial, updatedAt: new Date().toISOString() }, 'Merge', { etag });
    return res.etag!;
  }

  /** Records the training run a version started (the orchestration starter calls this). */
  async setRunId(name: string, version: number, runId: string): Promise<void> {
    await this.update(name, version, { runId }, '*');
  }

  async readJson<T>(path: string): Promise<T> {
    const buf = await this.blobs.getBlobClient(path).downloadToBuffer();
    return JSON.parse(buf.toString('utf8')) as T;
  }

  /** The immutable snapshot (data.csv) of a registered version, streamed. */
  async openSnapshot(v: DatasetVersion): Promise<NodeJS.ReadableStream> {
    if (!v.snapshot) throw new Error(`dataset ${v.name} v${v.version} has no snapshot`);
    return (await this.blobs.getBlobClient(v.snapshot.data).download()).readableStreamBody!;
  }

  /** The profile (profile.json) of a registered version. */
  async readProfile<T>(v: DatasetVersion): Promise<T> {
    if (!v.snapshot) throw new Error(`dataset ${v.name} v${v.version} has no snapshot`);
    return this.readJson<T>(v.snapshot.profile);
  }
}

function toEntity(v: DatasetVersion, partial = false): DatasetEntity {
  const e: Record<string, unknown> = {
    partitionKey: v.name,
    rowKey: versionRowKey(v.version),
  };
  const set = (k: string, val: unknown): void => {
    if (val !== undefined && val !== null) e[k] = val;
  };
  set('version', v.version);
  set('status', v.status);
  set('sha256', v.sha256);
  // Int64 explicitly: a plain JSON number is Edm.Int32 to the Table service, and files pass 2 GiB.
  set('bytes', v.bytes === undefined || v.bytes === null ? undefined : { value: String(v.bytes), type: 'Int64' });
  set('rows', v.rows === undefined || v.rows === null ? undefined : { value: String(v.rows), type: 'Int64' });
  set('columns', v.columns);
  set('target', v.target);
  set('task', v.task);
  set('delimiter', v.delimiter);
  if (v.classBalance !== undefined) set('classBalanceJson', clipJson(summarizeBalance(v.classBalance)));
  if (v.schema !== undefined) set('schemaJson', clipJson(v.schema));
  if (v.drift !== undefined) {
    set('driftJson', clipJson(v.drift));
    set('hasDrift', v.drift ? v.drift.hasDrift : undefined);
  }
  if (v.reason) {
    set('reasonCode', v.reason.code);
    set('reasonMessage', clip(v.reason.message));
    set('reasonLine', v.reason.line);
    set('reasonColumn', v.reason.column);
    set('reasonColumnName', v.reason.columnName !== undefined ? clip(v.reason.columnName, 200) : undefined);
  }
  if (v.source) {
    set('sourceContainer', v.source.container);
    set('blobName', clip(v.source.blobName, 1024));
    set('sourceEtag', v.source.etag);
  }
  if (v.snapshot) {
    set('snapshotContainer', v.snapshot.container);
    set('snapshotPrefix', snapshotPrefix(v.name, v.version));
  }
  set('runId', v.runId);
  set('eventPublished', v.eventPublished);
  set('createdAt', v.createdAt);
  set('updatedAt', v.updatedAt);
  void partial;
  return e as unknown as DatasetEntity;
}

function parseJson<T>(s: string | undefined): T | null {
  if (!s) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}

/** Int64 properties come back as {value: string, type: 'Int64'}; older rows may hold plain numbers. */
function int64(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && 'value' in (v as object)) return Number((v as { value: string }).value);
  return Number(v);
}

function fromEntity(e: DatasetEntity): DatasetVersion {
  const prefix = e.snapshotPrefix;
  return {
    name: e.partitionKey,
    version: e.version,
    status: e.status,
    sha256: e.sha256 ?? null,
    bytes: int64(e.bytes) ?? 0,
    rows: int64(e.rows),
    columns: e.columns ?? null,
    target: e.target,
    task: (e.task as DatasetVersion['task']) ?? null,
    delimiter: e.delimiter ?? null,
    classBalance: parseJson<ClassBalance[]>(e.classBalanceJson),
    schema: parseJson<DatasetSchema>(e.schemaJson),
    drift: parseJson<SchemaDrift>(e.driftJson),
    reason: e.reasonCode
      ? {
          code: e.reasonCode as DatasetRejectCode,
          message: e.reasonMessage ?? '',
          ...(e.reasonLine !== undefined ? { line: e.reasonLine } : {}),
          ...(e.reasonColumn !== undefined ? { column: e.reasonColumn } : {}),
          ...(e.reasonColumnName !== undefined ? { columnName: e.reasonColumnName } : {}),
        }
      : null,
    source: { container: e.sourceContainer, blobName: e.blobName, etag: e.sourceEtag },
    snapshot:
      prefix && e.snapshotContainer
        ? { container: e.snapshotContainer, data: `${prefix}data.csv`, profile: `${prefix}profile.json`, schema: `${prefix}schema.json` }
        : null,
    runId: e.runId ?? null,
    eventPublished: e.eventPublished ?? false,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}
