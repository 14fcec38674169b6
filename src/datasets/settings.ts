import { DatasetSettingsError } from './errors';

export type DriftPolicy = 'warn' | 'reject';
export type SnapshotMode = 'stage-copy' | 'two-pass';
export type TrainabilityPolicy = 'reject' | 'warn';

/** Every setting the dataset drop zone reads, validated once into typed values. */
export interface DatasetSettings {
  /** DATASETS_CONTAINER: the drop zone (never modified by the app). Default `datasets`. */
  datasetsContainer: string;
  /** DATASETS_REGISTRY_CONTAINER: snapshots, profiles, schemas. Default `registry`. */
  registryContainer: string;
  /** DATASETS_TABLE: the registry table, one entity per version. Default `datasets`. */
  table: string;
  /** DEFAULT_TARGET_COLUMN: used when the blob has no `target` metadata. Default `y`. */
  defaultTarget: string;
  /** DATASET_MIN_ROWS: fewer data rows is TOO_FEW_ROWS. Default 10. */
  minRows: number;
  /** DATASET_MAX_ROWS: more data rows is TOO_MANY_ROWS. Default 10,000,000. */
  maxRows: number;
  /** DATASET_MAX_BYTES: larger blobs are TOO_LARGE (checked before and while reading). Default 2 GiB. */
  maxBytes: number;
  /** DATASET_MAX_COLUMNS: wider headers are TOO_MANY_COLUMNS. Default 1000. */
  maxColumns: number;
  /** DATASET_MAX_LINE_BYTES: a longer record is CSV_LINE_TOO_LONG. Default 1 MiB. */
  maxLineBytes: number;
  /** DATASET_DRIFT_POLICY: `warn` records schema drift, `reject` refuses the version. Default warn. */
  driftPolicy: DriftPolicy;
  /** DATASET_DISTINCT_CAP: exact distinct/top-value tracking per column up to this many values. Default 10,000. */
  distinctCap: number;
  /** DATASET_SNAPSHOT_MODE: `stage-copy` (one read, staged blob + server-side copy) or `two-pass`. */
  snapshotMode: SnapshotMode;
  /** DATASET_MAX_CLASSES: a classification target with more classes is TOO_MANY_CLASSES. Default 100 (AutoML's limit). */
  maxClasses: number;
  /** DATASET_MIN_CLASS_ROWS: a class with fewer rows is CLASS_TOO_SMALL. Default 2 (AutoML's least number of CV folds). */
  minClassRows: number;
  /** DATASET_TRAINABILITY_POLICY: `reject` (default) refuses what training would refuse; `warn` registers it with a warning. */
  trainabilityPolicy: TrainabilityPolicy;
}

export const DEFAULT_DATASET_SETTINGS: DatasetSettings = {
  datasetsContainer: 'datasets',
  registryContainer: 'registry',
  table: 'datasets',
  defaultTarget: 'y',
  minRows: 10,
  maxRows: 10_000_000,
  maxBytes: 2 * 1024 ** 3,
  maxColumns: 1000,
  maxLineBytes: 1024 * 1024,
  driftPolicy: 'warn',
  distinctCap: 10_000,
  snapshotMode: 'stage-copy',
  maxClasses: 100,
  minClassRows: 2,
  trainabilityPolicy: 'reject',
};

function int(env: NodeJS.ProcessEnv, key: string, dflt: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) throw new DatasetSettingsError(`${key} must be an integer >= ${min}, got "${raw}"`);
  return v;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, key: string, allowed: readonly T[], dflt: T): T {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = raw.trim().toLowerCase() as T;
  if (!allowed.includes(v)) throw new DatasetSettingsError(`${key} must be one of ${allowed.join('|')}, got "${raw}"`);
  return v;
}

function str(env: NodeJS.ProcessEnv, key: string, dflt: string): string {
  const raw = env[key];
  return raw === undefined || raw.trim() === '' ? dflt : raw.trim();
}

export function readDatasetSettings(env: NodeJS.ProcessEnv = process.env): DatasetSettings {
  const d = DEFAULT_DATASET_SETTINGS;
  const s: DatasetSettings = {
    datasetsContainer: str(env, 'DATASETS_CONTAINER', d.datasetsContainer),
    registryContainer: str(env, 'DATASETS_REGISTRY_CONTAINER', d.registryContainer),
    table: str(env, 'DATASETS_TABLE', d.table),
    defaultTarget: str(env, 'DEFAULT_TARGET_COLUMN', d.defaultTarget),
    minRows: int(env, 'DATASET_MIN_ROWS', d.minRows, 1),
    maxRows: int(env, 'DATASET_MAX_ROWS', d.maxRows, 1),
    maxBytes: int(env, 'DATASET_MAX_BYTES', d.maxBytes, 1),
    maxColumns: int(env, 'DATASET_MAX_COLUMNS', d.maxColumns, 2),
    maxLineBytes: int(env, 'DATASET_MAX_LINE_BYTES', d.maxLineBytes, 1024),
    driftPolicy: oneOf(env, 'DATASET_DRIFT_POLICY', ['warn', 'reject'] as const, d.driftPolicy),
    distinctCap: int(env, 'DATASET_DISTINCT_CAP', d.distinctCap, 10),
    snapshotMode: oneOf(env, 'DATASET_SNAPSHOT_MODE', ['stage-copy', 'two-pass'] as const, d.snapshotMode),
    maxClasses: int(env, 'DATASET_MAX_CLASSES', d.maxClasses, 2),
    minClassRows: int(env, 'DATASET_MIN_CLASS_ROWS', d.minClassRows, 1),
    trainabilityPolicy: oneOf(env, 'DATASET_TRAINABILITY_POLICY', ['reject', 'warn'] as const, d.trainabilityPolicy),
  };
  if (s.minRows > s.maxRows) throw new DatasetSettingsError(`DATASET_MIN_ROWS (${s.minRows}) exceeds DATASET_MAX_ROWS (${s.maxRows})`);
  return s;
}
