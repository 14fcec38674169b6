import { TableClient, TableEntity } from '@azure/data-tables';
import { ensureTable, tableClient } from '../storage/clients';

export type Phase = 'queued' | 'prepare' | 'automl' | 'register' | 'deploy' | 'benchmark' | 'decide' | 'completed' | 'failed';

export interface PhaseMark {
  phase: Phase;
  at: string;
  note?: string;
}

/** What operators see of a run (the durable instance adds runtimeStatus and timestamps). */
export interface RunRecord {
  runId: string;
  dataset: string;
  datasetVersion: number;
  phase: Phase;
  phases: PhaseMark[];
  createdAt: string;
  updatedAt: string;
  trigger?: string;
  options?: Record<string, unknown>;
  split?: { train: number; test: number; testByClass?: Record<string, number> };
  automl?: {
    trials: number;
    bestScore?: number;
    bestLearner?: string;
    primaryMetric?: string;
    elapsedSeconds?: number;
    leaderboardTop?: unknown[];
  };
  model?: { name: string; version: number };
  metrics?: Record<string, unknown>;
  deployment?: { name: string; scoringUri: string };
  benchmark?: Record<string, unknown>;
  decision?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export const RUNS_TABLE = 'runs';
const PK = 'run';
/** Table properties are limited to 64 KiB; JSON parts are stored as strings and checked. */
const JSON_FIELDS = ['phases', 'options', 'split', 'automl', 'model', 'metrics', 'deployment', 'benchmark', 'decision', 'error'] as const;

export class RunStore {
  private readonly table: TableClient;
  constructor(connectionString: string) {
    this.table = tableClient(connectionString, RUNS_TABLE);
  }

  /** Creates the record if absent (an activity may run twice); returns the stored record. */
  async open(run: Pick<RunRecord, 'runId' | 'dataset' | 'datasetVersion' | 'trigger' | 'options'>): Promise<RunRecord> {
    await ensureTable(this.table);
    const existing = await this.get(run.runId);
    if (existing) return existing;
    const now = new Date().toISOString();
    const rec: RunRecord = { ...run, phase: 'queued', phases: [{ phase: 'queued', at: now }], createdAt: now, updatedAt: now };
    try {
      await this.table.createEntity(toEntity(rec));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
    return (await this.get(run.runId))!;
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    await ensureTable(this.table);
    try {
      return fromEntity(await this.table.getEntity(PK, runId));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async list(limit = 50): Promise<RunRecord[]> {
    await ensureTable(this.table);
    const out: RunRecord[] = [];
    for await (const e of this.table.listEntities({ queryOptions: { filter: `PartitionKey eq '${PK}'` } })) out.push(fromEntity(e));
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).slice(0, limit);
  }

  /** Merges fields; entering a new phase appends a timestamped mark (once per phase). */
  async update(runId: string, patch: Partial<Omit<RunRecord, 'runId' | 'phases'>>, note?: string): Promise<RunRecord> {
    const cur = await this.get(runId);
    if (!cur) throw new Error(`run ${runId} not found`);
    const now = new Date().toISOString();
    const next: RunRecord = { ...cur, ...patch, updatedAt: now };
    if (patch.phase && patch.phase !== cur.phase && !cur.phases.some((p) => p.phase === patch.phase)) {
      next.phases = [...cur.phases, { phase: patch.phase, at: now, ...(note ? { note } : {}) }];
    }
    await this.table.upsertEntity(toEntity(next), 'Replace');
    return next;
  }
}

function toEntity(r: RunRecord): TableEntity<Record<string, unknown>> {
  const e: TableEntity<Record<string, unknown>> = {
    partitionKey: PK,
    rowKey: r.runId,
    dataset: r.dataset,
    datasetVersion: r.datasetVersion,
    phase: r.phase,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    trigger: r.trigger ?? '',
  };
  for (const f of JSON_FIELDS) {
    const v = (r as unknown as Record<string, unknown>)[f];
    if (v === undefined) continue;
    const s = JSON.stringify(v);
    // Azure Table string properties hold at most 32K UTF-16 characters.
    e[f] = s.length > 32000 ? JSON.stringify({ truncated: true, size: s.length }) : s;
  }
  return e;
}

function fromEntity(e: Record<string, unknown>): RunRecord {
  const r: Record<string, unknown> = {
    runId: e.rowKey,
    dataset: e.dataset,
    datasetVersion: e.datasetVersion,
    phase: e.phase,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    trigger: e.trigger || undefined,
  };
  for (const f of JSON_FIELDS) if (typeof e[f] === 'string') r[f] = JSON.parse(e[f] as string);
  if (!r.phases) r.phases = [];
  return r as unknown as RunRecord;
}
