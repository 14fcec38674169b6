import type { ColumnType, DatasetProfile } from './profile';

/** What a consumer needs to read a registered version: column names, types and the target. */
export interface DatasetSchema {
  delimiter: string;
  target: string;
  task: 'classification' | 'regression';
  columns: { name: string; type: ColumnType; kind: 'numeric' | 'categorical' }[];
  /** Classification: the classes, in order of frequency. */
  classes?: string[];
}

export interface SchemaDrift {
  /** Version compared against (the previous registered version). */
  againstVersion: number;
  added: string[];
  removed: string[];
  retyped: { column: string; from: ColumnType; to: ColumnType }[];
  targetChanged?: { from: string; to: string };
  taskChanged?: { from: string; to: string };
  /** Classification only: classes that appeared / disappeared (informational, not drift by itself). */
  classesAdded?: string[];
  classesRemoved?: string[];
  /** True when columns were added, removed or retyped, or the target/task changed. */
  hasDrift: boolean;
}

export function schemaOf(profile: DatasetProfile): DatasetSchema {
  const s: DatasetSchema = {
    delimiter: profile.delimiter,
    target: profile.target.name,
    task: profile.target.task,
    columns: profile.columnProfiles.map((c) => ({ name: c.name, type: c.type, kind: c.kind })),
  };
  if (profile.target.classes) s.classes = profile.target.classes.map((c) => c.value);
  return s;
}

export function compareSchemas(prev: DatasetSchema, next: DatasetSchema, againstVersion: number): SchemaDrift {
  const before = new Map(prev.columns.map((c) => [c.name, c.type]));
  const after = new Map(next.columns.map((c) => [c.name, c.type]));
  const drift: SchemaDrift = {
    againstVersion,
    added: next.columns.filter((c) => !before.has(c.name)).map((c) => c.name),
    removed: prev.columns.filter((c) => !after.has(c.name)).map((c) => c.name),
    retyped: [],
    hasDrift: false,
  };
  for (const c of next.columns) {
    const from = before.get(c.name);
    // A column that was entirely missing has no type to drift from.
    if (from !== undefined && from !== c.type && from !== 'empty' && c.type !== 'empty') drift.retyped.push({ column: c.name, from, to: c.type });
  }
  if (prev.target !== next.target) drift.targetChanged = { from: prev.target, to: next.target };
  if (prev.task !== next.task) drift.taskChanged = { from: prev.task, to: next.task };
  if (prev.classes && next.classes) {
    const a = new Set(prev.classes);
    const b = new Set(next.classes);
    const added = next.classes.filter((c) => !a.has(c));
    const removed = prev.classes.filter((c) => !b.has(c));
    if (added.length) drift.classesAdded = added;
    if (removed.length) drift.classesRemoved = removed;
  }
  drift.hasDrift = drift.added.length > 0 || drift.removed.length > 0 || drift.retyped.length > 0 || !!drift.targetChanged || !!drift.taskChanged;
  return drift;
}

/** One line for messages and logs: "added [a], removed [b], retyped [c: integer -> string]". */
export function describeDrift(d: SchemaDrift): string {
  const parts: string[] = [];
  if (d.added.length) parts.push(`added [${d.added.join(', ')}]`);
  if (d.removed.length) parts.push(`removed [${d.removed.join(', ')}]`);
  if (d.retyped.length) parts.push(`retyped [${d.retyped.map((r) => `${r.column}: ${r.from} -> ${r.to}`).join(', ')}]`);
  if (d.targetChanged) parts.push(`target ${d.targetChanged.from} -> ${d.targetChanged.to}`);
  if (d.taskChanged) parts.push(`task ${d.taskChanged.from} -> ${d.taskChanged.to}`);
  return parts.length ? parts.join(', ') : 'no schema change';
}
