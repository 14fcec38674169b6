/**
 * Deployment records in Table storage (table `deployments`, one partition, row key = deployment name),
 * and the champion flag. Keys live in the record (server side) and are only read through `keys()` /
 * `champion()`; `Deployment` values never carry them. Promotion flips the flags of the new and the old
 * champion in one entity-group transaction guarded by ETags, so readers see exactly one champion.
 */
import { TableClient, TableTransaction } from '@azure/data-tables';
import { ensureTable, tableClient } from '../storage/clients';
import { InputSchema, parseInputSchema, SchemaHints } from '../contract/schema';
import { DeploymentKeys } from './keys';
import { Deployment, DeploymentStatus, DeployError, ModelSource } from './target';

export const DEPLOYMENTS_TABLE = 'deployments';
const PARTITION = 'deployment';

/** The full record (server side): a Deployment plus its keys and what is needed to restart it. */
export interface DeploymentRecord extends Deployment {
  keys: DeploymentKeys;
  instanceId: string;
  hints?: SchemaHints;
}

interface Entity {
  partitionKey: string;
  rowKey: string;
  etag?: string;
  modelName: string;
  modelVersion: string;
  status: DeploymentStatus;
  url: string;
  port: number;
  pid: number;
  champion: boolean;
  createdAt: string;
  updatedAt: string;
  target: string;
  schema: string;
  model: string;
  hints?: string;
  primaryKey: string;
  secondaryKey: string;
  instanceId: string;
  error?: string;
}

/**
 * Profile hints only document; keep them to a sane size (at most 200 values of 100 characters per
 * field, halved until the whole fits in 100,000 characters).
 */
export function compactHints(hints: SchemaHints | undefined): SchemaHints | undefined {
  if (!hints) return undefined;
  let maxValues = 200;
  for (;;) {
    const fields: SchemaHints['fields'] = {};
    for (const [k, h] of Object.entries(hints.fields ?? {})) {
      fields[k] = { ...h, values: h.values?.slice(0, maxValues).map((v) => String(v).slice(0, 100)) };
      if (!fields[k].values) delete fields[k].values;
      if (typeof fields[k].example === 'string') fields[k].example = (fields[k].example as string).slice(0, 200);
      if (fields[k].description) fields[k].description = fields[k].description!.slice(0, 500);
    }
    const out = { ...hints, fields };
    if (JSON.stringify(out).length < 100000 || maxValues === 0) return out;
    maxValues = Math.floor(maxValues / 2);
  }
}

/**
 * A Table string property holds at most 32K UTF-16 characters (an entity 1 MiB): long JSON is split
 * over `name`, `name_1`, `name_2`, ... with the count in `name_parts`.
 */
const CHUNK = 30000;
const MAX_CHUNKS = 12;

function putJson(target: Record<string, unknown>, name: string, value: unknown): void {
  const text = JSON.stringify(value);
  const parts = Math.max(1, Math.ceil(text.length / CHUNK));
  if (parts > MAX_CHUNKS) {
    throw new DeployError(422, 'RECORD_TOO_LARGE', `the deployment's ${name} (${text.length} characters) is too large to record`);
  }
  for (let i = 0; i < parts; i++) target[i === 0 ? name : `${name}_${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
  target[`${name}_parts`] = parts;
}

function getJson(source: Record<string, unknown>, name: string): string | undefined {
  const first = source[name];
  if (typeof first !== 'string') return undefined;
  const parts = Number(source[`${name}_parts`] ?? 1);
  let text = first;
  for (let i = 1; i < parts; i++) text += String(source[`${name}_${i}`] ?? '');
  return text;
}

function toEntity(r: DeploymentRecord): Entity {
  const e: Entity = {
    partitionKey: PARTITION,
    rowKey: r.name,
    modelName: r.modelName,
    modelVersion: r.modelVersion,
    status: r.status,
    url: r.url,
    port: r.port,
    pid: r.pid,
    champion: r.champion,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    target: r.target,
    schema: '',
    model: JSON.stringify(r.model),
    primaryKey: r.keys.primary,
    secondaryKey: r.keys.secondary,
    instanceId: r.instanceId,
  };
  putJson(e as unknown as Record<string, unknown>, 'schema', r.schema);
  const hints = compactHints(r.hints);
  if (hints) putJson(e as unknown as Record<string, unknown>, 'hints', hints);
  if (r.error) e.error = r.error.slice(0, 2000);
  return e;
}

function fromEntity(e: Entity): DeploymentRecord & { etag?: string } {
  const r: DeploymentRecord & { etag?: string } = {
    name: e.rowKey,
    modelName: e.modelName,
    modelVersion: String(e.modelVersion),
    status: e.status,
    url: e.url ?? '',
    port: Number(e.port ?? 0),
    pid: Number(e.pid ?? 0),
    champion: e.champion === true,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    target: e.target ?? 'local',
    schema: parseInputSchema(getJson(e as unknown as Record<string, unknown>, 'schema') ?? '') as InputSchema,
    model: JSON.parse(e.model) as ModelSource,
    keys: { primary: e.primaryKey ?? '', secondary: e.secondaryKey ?? '' },
    instanceId: e.instanceId ?? '',
    etag: e.etag,
  };
  const hints = getJson(e as unknown as Record<string, unknown>, 'hints');
  if (hints) r.hints = JSON.parse(hints);
  if (e.error) r.error = e.error;
  return r;
}

/** The public view: everything but the keys and restart internals. */
export function publicView(r: DeploymentRecord): Deployment {
  const { keys: _k, instanceId: _i, hints: _h, ...rest } = r as DeploymentRecord & { etag?: string };
  delete (rest as { etag?: string }).etag;
  return rest;
}

export class DeploymentStore {
  readonly table: TableClient;

  constructor(connectionString: string, tableName = DEPLOYMENTS_TABLE) {
    this.table = tableClient(connectionString, tableName);
  }

  private async client(): Promise<TableClient> {
    return ensureTable(this.table);
  }

  async get(name: string): Promise<(DeploymentRecord & { etag?: string }) | undefined> {
    const t = await this.client();
    try {
      return fromEntity(await t.getEntity<Entity>(PARTITION, name));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async list(): Promise<DeploymentRecord[]> {
    const t = await this.client();
    const out: DeploymentRecord[] = [];
    for await (const e of t.listEntities<Entity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      out.push(fromEntity(e as Entity));
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  /** Inserts a new record; DeployError 409 when the name is taken (unless `replaceEtag` names the record to replace). */
  async create(r: DeploymentRecord, replaceEtag?: string): Promise<void> {
    const t = await this.client();
    try {
      if (replaceEtag) await t.updateEntity(toEntity(r), 'Replace', { etag: replaceEtag });
      else await t.createEntity(toEntity(r));
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 409 || code === 412) throw new DeployError(409, 'DEPLOYMENT_EXISTS', `deployment '${r.name}' already exists`);
      throw err;
    }
  }

  /**
   * Merges the given fields into a record (always bumps updatedAt). Only those properties are sent
   * (Merge), so a concurrent promote's champion flag is never overwritten with a stale value.
   */
  async update(name: string, fields: Partial<Omit<DeploymentRecord, 'name' | 'champion'>>): Promise<void> {
    const t = await this.client();
    const patch: { partitionKey: string; rowKey: string; [k: string]: unknown } = {
      partitionKey: PARTITION,
      rowKey: name,
      updatedAt: new Date().toISOString(),
    };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      if (k === 'keys') {
        patch.primaryKey = (v as DeploymentKeys).primary;
        patch.secondaryKey = (v as DeploymentKeys).secondary;
      } else if (k === 'schema') putJson(patch, 'schema', v);
      else if (k === 'model') patch.model = JSON.stringify(v);
      else if (k === 'hints') putJson(patch, 'hints', compactHints(v as SchemaHints));
      else if (k === 'error') patch.error = String(v).slice(0, 2000);
      else patch[k] = v;
    }
    try {
      await t.updateEntity(patch, 'Merge', { etag: '*' });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment '${name}'`);
      throw err;
    }
  }

  /** Clears a record's champion flag (retiring the champion by force). */
  async clearChampion(name: string): Promise<void> {
    const t = await this.client();
    await t.updateEntity({ partitionKey: PARTITION, rowKey: name, champion: false, updatedAt: new Date().toISOString() }, 'Merge');
  }

  /** The champion of a model lineage (the model/dataset name), with its key; undefined when it has none. */
  async champion(lineage: string): Promise<DeploymentRecord | undefined> {
    return (await this.champions()).find((r) => r.modelName === lineage);
  }

  /** Every lineage's champion (at most one per model name), with keys. */
  async champions(): Promise<DeploymentRecord[]> {
    const t = await this.client();
    const out: DeploymentRecord[] = [];
    for await (const e of t.listEntities<Entity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}' and champion eq true` } })) {
      out.push(fromEntity(e as Entity));
    }
    return out.sort((a, b) => a.modelName.localeCompare(b.modelName));
  }

  /**
   * Makes `name` the champion of its lineage (its model name) and clears the flag on that lineage's
   * previous champion, in one transaction; other lineages are untouched. The new champion must be
   * running. Returns the previous champion's name.
   */
  async promote(name: string): Promise<{ champion: string; previous?: string }> {
    const t = await this.client();
    for (let attempt = 0; ; attempt++) {
      const all = await this.listWithEtags();
      const next = all.find((r) => r.name === name);
      if (!next) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment '${name}'`);
      if (next.status !== 'running') throw new DeployError(409, 'NOT_RUNNING', `deployment '${name}' is ${next.status}, not running`);
      const previous = all.filter((r) => r.champion && r.name !== name && r.modelName === next.modelName);
      if (next.champion && !previous.length) return { champion: name };
      const now = new Date().toISOString();
      const tx = new TableTransaction();
      tx.updateEntity({ partitionKey: PARTITION, rowKey: name, champion: true, updatedAt: now }, 'Merge', { etag: next.etag });
      for (const p of previous) {
        tx.updateEntity({ partitionKey: PARTITION, rowKey: p.name, champion: false, updatedAt: now }, 'Merge', { etag: p.etag });
      }
      try {
        await t.submitTransaction(tx.actions);
        return { champion: name, previous: previous[0]?.name };
      } catch (err) {
        // Someone changed one of the records meanwhile: read again and retry.
        const code = (err as { statusCode?: number }).statusCode;
        if ((code === 412 || code === 409) && attempt < 5) continue;
        throw err;
      }
    }
  }

  private async listWithEtags(): Promise<(DeploymentRecord & { etag?: string })[]> {
    const t = await this.client();
    const out: (DeploymentRecord & { etag?: string })[] = [];
    for await (const e of t.listEntities<Entity>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      out.push(fromEntity(e as Entity));
    }
    return out;
  }
}
