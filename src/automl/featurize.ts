/**
 * Featurization "auto": infers each column's type, decides what to do with it (and records why in the
 * guardrails), and produces the FeatureStep lists of the fitted pipeline for the two learner families:
 *  - 'tree': raw numerics (median-imputed), ordinal codes for categoricals, frequency for high cardinality;
 *  - 'linear': numerics imputed and standardised, one-hot for categoricals, frequency for high cardinality.
 * Everything here is unsupervised (no target), so one featurization serves every CV fold without leakage.
 * The feature matrix is computed exactly as the scorer computes it (float32 values), column-major.
 */
import { AutoMLError } from './errors';
import type { FeatureStep, InputColumn, Task } from './pipeline';
import { binaryAuc, pearson } from './metrics';
import { getColumn, isMissingToken, RawColumn, Table } from './table';

export type ColumnKind = 'numeric' | 'categorical' | 'boolean' | 'high_cardinality' | 'dropped';

export interface ColumnPlan {
  name: string;
  kind: ColumnKind;
  /** Why a column was dropped, or what was done to it. */
  note?: string;
  /** Categories in sorted order ('' first when missing values occur). */
  categories?: string[];
  /** Per category frequency (share of rows), for high cardinality. */
  frequency?: Record<string, number>;
  /** Rows the frequencies were counted on (high cardinality). */
  rows?: number;
  median?: number;
  mean?: number;
  std?: number;
  missing: number;
}

export type GuardrailStatus = 'passed' | 'done' | 'alerted';
export interface Guardrail {
  check: string;
  status: GuardrailStatus;
  description: string;
  items: { column?: string; detail: string; action: string }[];
}

export interface TargetInfo {
  task: Task;
  classes: string[];
  /** Class index per row (classification) or the value (regression). */
  y: Float64Array;
  /** Rows of the table that have a target value. */
  rows: Int32Array;
}

export interface FeatureSet {
  steps: FeatureStep[];
  names: string[];
  nFeat: number;
  /** Column-major float32 features: X[f * n + i]. */
  X: Float32Array;
}

const HIGH_CARD = 64;
const MAX_CLASSES = 100;

export function detectTarget(table: Table, target: string, task?: Task): TargetInfo {
  const col = getColumn(table, target);
  // Rows with a target: not empty and not a missing marker (NA, null, ...); a numeric target also
  // needs a number.
  const missingCode = col.dict.map((v) => isMissingToken(v));
  const present: number[] = [];
  for (let i = 0; i < table.nRows; i++) {
    const empty = col.nonNumeric === 0 ? Number.isNaN(col.numeric[i]) : col.codes![i] < 0 || missingCode[col.codes![i]];
    if (!empty) present.push(i);
  }
  if (present.length === 0) throw new AutoMLError('TARGET_EMPTY', `target column "${target}" has no values`);
  const numericTarget = col.nonNumeric === 0;
  if (!task) {
    if (!numericTarget) task = 'binary';
    else {
      let integer = true;
      for (const i of present) if (!Number.isInteger(col.numeric[i])) integer = false;
      const distinct = col.codes ? new Set(present.map((i) => col.codes![i])).size : Infinity;
      task = integer && distinct <= 10 ? 'binary' : 'regression';
    }
    if (task === 'binary') {
      const distinct = new Set(present.map((i) => col.codes![i])).size;
      if (distinct > 2) task = 'multiclass';
    }
  }
  const rows = Int32Array.from(present);
  if (task === 'regression') {
    if (!numericTarget) {
      throw new AutoMLError('TARGET_NOT_NUMERIC', `regression needs a numeric target, but "${target}" has text values such as "${col.nonNumericExamples[0]}"`);
    }
    const y = Float64Array.from(rows, (i) => col.numeric[i]);
    return { task, classes: [], y, rows };
  }
  const labels = present.map((i) => col.dict[col.codes![i]]);
  const classes = [...new Set(labels)].sort();
  if (classes.length < 2) {
    throw new AutoMLError('ONE_CLASS', `target column "${target}" has a single class ("${classes[0]}"): nothing to learn`);
  }
  if (classes.length > MAX_CLASSES) {
    throw new AutoMLError(
      'BAD_OPTION',
      `target column "${target}" has ${classes.length} classes; at most ${MAX_CLASSES} are supported (use task regression for a numeric target)`,
    );
  }
  if (task === 'binary' && classes.length > 2) task = 'multiclass';
  if (task === 'multiclass' && classes.length === 2) task = 'binary';
  const idx = new Map(classes.map((c, k) => [c, k]));
  const y = Float64Array.from(labels, (l) => idx.get(l)!);
  return { task, classes, y, rows };
}

/** Median (of an evenly spaced sample of at most 200k values: an imputation value, not a statistic). */
function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  const cap = 200_000;
  const s = values.length <= cap ? values.slice() : Float64Array.from({ length: cap }, (_, k) => values[Math.floor((k * values.length) / cap)]);
  s.sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Decides each feature column's kind; fills guardrails. `rows` are the rows used (target present). */
export function planColumns(table: Table, target: TargetInfo, targetName: string, guardrails: Guardrail[]): ColumnPlan[] {
  const n = target.rows.length;
  const plans: ColumnPlan[] = [];
  const missingItems: Guardrail['items'] = [];
  const highCardItems: Guardrail['items'] = [];
  const droppedItems: Guardrail['items'] = [];
  const textItems: Guardrail['items'] = [];
  for (const col of table.columns) {
    if (col.name === targetName) continue;
    const plan = planColumn(col, target.rows);
    if (plan.kind === 'dropped') droppedItems.push({ column: col.name, detail: plan.note!, action: 'dropped' });
    else {
      if (plan.missing > 0) {
        missingItems.push({
          column: col.name,
          detail: `${plan.missing} of ${n} values missing (${((100 * plan.missing) / n).toFixed(1)}%)`,
          action: plan.kind === 'numeric' ? `imputed with the median (${fmt(plan.median!)})` : 'missing kept as its own category',
        });
      }
      if (plan.kind === 'high_cardinality') {
        const kept = frequentCategories(plan, n).length;
        highCardItems.push({
          column: col.name,
          detail: `${plan.categories!.length} distinct values`,
          action: kept >= 2 ? `frequency encoding; the ${kept} categories seen on ${MIN_CATEGORY_ROWS}+ rows also kept as categories` : 'frequency encoding',
        });
      }
      if (plan.kind === 'numeric' && col.nonNumeric > 0) {
        textItems.push({
          column: col.name,
          detail: `${col.nonNumeric} non-numeric values in a numeric column (e.g. "${col.nonNumericExamples[0]}")`,
          action: 'treated as missing',
        });
      }
    }
    plans.push(plan);
  }
  const leakItems = leakageCheck(table, target, plans);
  guardrails.push(
    {
      check: 'missing_feature_values_imputation',
      status: missingItems.length || textItems.length ? 'done' : 'passed',
      description: 'Missing values in features are imputed (numeric) or kept as a category (text).',
      items: [...missingItems, ...textItems],
    },
    {
      check: 'high_cardinality_feature_detection',
      status: highCardItems.length ? 'done' : 'passed',
      description: `Text columns with more than ${HIGH_CARD} distinct values are frequency-encoded; their frequent categories are kept, the rare ones pooled.`,
      items: highCardItems,
    },
    {
      check: 'unusable_columns',
      status: droppedItems.length ? 'done' : 'passed',
      description: 'Empty, constant and ID-like columns carry no signal and are dropped.',
      items: droppedItems,
    },
    {
      check: 'target_leakage_detection',
      status: leakItems.length ? 'alerted' : 'passed',
      description: 'A feature that predicts the target almost perfectly on its own usually leaks it.',
      items: leakItems,
    },
  );
  if (!plans.some((p) => p.kind !== 'dropped')) {
    throw new AutoMLError(
      'NO_FEATURES',
      `no usable feature columns: ${droppedItems.map((d) => `${d.column} (${d.detail})`).join('; ') || 'the data has only the target column'}`,
    );
  }
  return plans;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}

function planColumn(col: RawColumn, rows: Int32Array): ColumnPlan {
  const n = rows.length;
  let missing = 0;
  let finite = 0;
  let nonNumeric = 0;
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    const v = col.numeric[i];
    if (!Number.isNaN(v)) finite++;
    else if (col.codes && col.codes[i] >= 0 && col.nonNumeric > 0) nonNumeric++;
    else missing++;
  }
  const base = { name: col.name, missing };
  if (finite + nonNumeric === 0) return { ...base, kind: 'dropped', note: 'all values are missing' };
  const numericShare = finite / (finite + nonNumeric);
  if (nonNumeric === 0 || (numericShare >= 0.99 && finite >= 20)) {
    // Numeric (text cells, if any, become missing).
    const vals = new Float64Array(finite);
    let k = 0;
    let integer = true;
    let monotone = true;
    let prev = -Infinity;
    for (let t = 0; t < n; t++) {
      const v = col.numeric[rows[t]];
      if (Number.isNaN(v)) continue;
      vals[k++] = v;
      if (!Number.isInteger(v)) integer = false;
      if (v <= prev) monotone = false;
      prev = v;
    }
    const med = median(vals);
    let min = Infinity;
    let max = -Infinity;
    let mean = 0;
    for (let t = 0; t < vals.length; t++) ((min = Math.min(min, vals[t])), (max = Math.max(max, vals[t])), (mean += vals[t]));
    mean = (mean + med * (n - finite)) / n; // mean after imputation
    if (min === max && n - finite === 0) return { ...base, kind: 'dropped', note: `constant (${fmt(min)})` };
    if (integer && monotone && finite === n && n >= 20) return { ...base, kind: 'dropped', note: 'ID-like (unique, increasing integers)' };
    let ss = 0;
    for (let t = 0; t < vals.length; t++) ss += (vals[t] - mean) ** 2;
    ss += (n - finite) * (med - mean) ** 2;
    const std = Math.sqrt(ss / n) || 1;
    return { ...base, missing: n - finite, kind: 'numeric', median: med, mean, std };
  }
  // Text column.
  const counts = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const c = col.codes![rows[k]];
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const categories = [...counts.keys()].map((c) => (c < 0 ? '' : col.dict[c])).sort();
  const nonEmpty = categories.filter((c) => c !== '').length;
  if (categories.length === 1) return { ...base, kind: 'dropped', note: `constant ("${categories[0]}")` };
  if (nonEmpty > 0.9 * n && n >= 20) return { ...base, kind: 'dropped', note: `ID-like (${nonEmpty} distinct values in ${n} rows)` };
  if (categories.length === 2 && missing === 0) return { ...base, kind: 'boolean', categories };
  if (categories.length > HIGH_CARD) {
    const frequency: Record<string, number> = {};
    for (const [c, cnt] of counts) frequency[c < 0 ? '' : col.dict[c]] = cnt / n;
    return { ...base, kind: 'high_cardinality', categories, frequency, rows: n };
  }
  return { ...base, kind: 'categorical', categories };
}

/** Flags (and drops when near-perfect) features that predict the target on their own. */
function leakageCheck(table: Table, fullTarget: TargetInfo, plans: ColumnPlan[]): Guardrail['items'] {
  const items: Guardrail['items'] = [];
  // A heuristic: an evenly spaced sample of at most 100k rows is plenty.
  const cap = 100_000;
  const N = fullTarget.rows.length;
  const pick = N <= cap ? null : Int32Array.from({ length: cap }, (_, k) => Math.floor((k * N) / cap));
  const target: TargetInfo = pick
    ? { ...fullTarget, rows: Int32Array.from(pick, (k) => fullTarget.rows[k]), y: Float64Array.from(pick, (k) => fullTarget.y[k]) }
    : fullTarget;
  const n = target.rows.length;
  for (const plan of plans) {
    if (plan.kind === 'dropped') continue;
    const col = getColumn(table, plan.name);
    let strength = 0;
    let what = '';
    if (plan.kind === 'numeric') {
      const x = Float64Array.from(target.rows, (i) => (Number.isNaN(col.numeric[i]) ? plan.median! : col.numeric[i]));
      if (target.task === 'binary') {
        const auc = binaryAuc(x, target.y);
        strength = Math.max(auc, 1 - auc);
        what = `alone it reaches AUC ${strength.toFixed(4)}`;
      } else if (target.task === 'regression') {
        strength = Math.abs(pearson(x, target.y));
        what = `|correlation| with the target ${strength.toFixed(4)}`;
      }
    } else if (plan.categories!.length <= HIGH_CARD && target.task !== 'regression') {
      // Purity: share of rows whose category's majority class is their class.
      const C = target.classes.length;
      const byCat = new Map<number, Float64Array>();
      for (let k = 0; k < n; k++) {
        const c = col.codes![target.rows[k]];
        let h = byCat.get(c);
        if (!h) byCat.set(c, (h = new Float64Array(C)));
        h[target.y[k]]++;
      }
      let hit = 0;
      for (const h of byCat.values()) hit += Math.max(...h);
      strength = hit / n;
      const base = Math.max(...target.classes.map((_, k) => target.y.filter((v) => v === k).length)) / n;
      if (base > 0.995) strength = 0;
      what = `its categories give the class of ${(100 * strength).toFixed(2)}% of rows`;
    }
    if (strength >= 0.999) {
      plan.kind = 'dropped';
      plan.note = `target leakage: ${what}`;
      items.push({ column: plan.name, detail: what, action: 'dropped' });
    } else if (strength >= 0.98) {
      items.push({ column: plan.name, detail: what, action: 'kept; check that it is known at prediction time' });
    }
  }
  return items;
}

export function classImbalanceGuardrail(target: TargetInfo): Guardrail {
  if (target.task === 'regression') {
    return { check: 'class_balancing_detection', status: 'passed', description: 'Not applicable to regression.', items: [] };
  }
  const counts = target.classes.map(() => 0);
  for (let i = 0; i < target.y.length; i++) counts[target.y[i]]++;
  const max = Math.max(...counts);
  const items = target.classes
    .map((c, k) => ({ c, k }))
    .filter(({ k }) => counts[k] / max < 0.2)
    .map(({ c, k }) => ({
      column: undefined,
      detail: `class "${c}" has ${counts[k]} rows (${((100 * counts[k]) / target.y.length).toFixed(1)}%), ${(counts[k] / max).toFixed(3)} of the largest class`,
      action: 'stratified folds; AUC_weighted is robust to imbalance',
    }));
  return {
    check: 'class_balancing_detection',
    status: items.length ? 'alerted' : 'passed',
    description: 'A class smaller than 20% of the largest class makes accuracy misleading.',
    items,
  };
}

export function inputColumns(plans: ColumnPlan[]): InputColumn[] {
  return plans.filter((p) => p.kind !== 'dropped').map((p) => ({ name: p.name, kind: p.kind === 'numeric' ? 'numeric' : 'categorical' }));
}

export type Flavor = 'tree' | 'linear';

/** The feature steps for a learner family. */
export function featureSteps(plans: ColumnPlan[], flavor: Flavor): FeatureStep[] {
  const steps: FeatureStep[] = [];
  for (const p of plans) {
    switch (p.kind) {
      case 'dropped':
        break;
      case 'numeric':
        steps.push(
          flavor === 'linear'
            ? { kind: 'numeric', column: p.name, impute: p.median!, scale: { mean: p.mean!, std: p.std! } }
            : { kind: 'numeric', column: p.name, impute: p.median! },
        );
        break;
      case 'boolean':
        steps.push({ kind: 'onehot', column: p.name, categories: [p.categories![1]] });
        break;
      case 'categorical':
        if (flavor === 'linear') steps.push({ kind: 'onehot', column: p.name, categories: p.categories! });
        else {
          const map: Record<string, number> = {};
          p.categories!.forEach((c, k) => (map[c] = k));
          steps.push({ kind: 'lookup', column: p.name, encoding: 'ordinal', map, fallback: -1 });
        }
        break;
      case 'high_cardinality': {
        steps.push({ kind: 'lookup', column: p.name, encoding: 'frequency', map: roundMap(p.frequency!), fallback: 0 });
        // The frequent categories also keep their identity (one-hot / an ordinal code that the GBDT
        // splits natively); the rare ones share "other" (all zeros / code -1) with unseen values.
        const top = frequentCategories(p, p.rows ?? 0);
        if (top.length >= 2) {
          if (flavor === 'linear') steps.push({ kind: 'onehot', column: p.name, categories: top });
          else {
            const map: Record<string, number> = {};
            top.forEach((c, k) => (map[c] = k));
            steps.push({ kind: 'lookup', column: p.name, encoding: 'ordinal', map, fallback: -1 });
          }
        }
        break;
      }
    }
  }
  return steps;
}

/** High-cardinality columns: at most this many categories keep their identity... */
export const MAX_KEPT_CATEGORIES = 254;
/** ...each seen on at least this many rows. */
const MIN_CATEGORY_ROWS = 10;

/** The frequent categories of a high-cardinality column, sorted by name. */
export function frequentCategories(p: ColumnPlan, n: number): string[] {
  const entries = Object.entries(p.frequency ?? {}).filter(([c, v]) => c !== '' && Math.round(v * n) >= MIN_CATEGORY_ROWS);
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return entries
    .slice(0, MAX_KEPT_CATEGORIES)
    .map((e) => e[0])
    .sort();
}

function roundMap(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(m)) out[k] = Math.fround(m[k]);
  return out;
}

export function featureNames(steps: FeatureStep[]): string[] {
  const names: string[] = [];
  for (const s of steps) {
    if (s.kind === 'onehot') for (const c of s.categories) names.push(`${s.column}=${c}`);
    else names.push(s.kind === 'lookup' ? `${s.column}:${s.encoding}` : s.column);
  }
  return names;
}

/** The original column of each feature. */
export function featureColumns(steps: FeatureStep[]): string[] {
  const cols: string[] = [];
  for (const s of steps) for (let k = 0; k < (s.kind === 'onehot' ? s.categories.length : 1); k++) cols.push(s.column);
  return cols;
}

/** Computes the features of `rows` of the table exactly as the scorer does (float32), column-major. */
export function computeFeatures(table: Table, steps: FeatureStep[], rows: Int32Array | null, shared = false): FeatureSet {
  const n = rows ? rows.length : table.nRows;
  const names = featureNames(steps);
  const nFeat = names.length;
  const bytes = n * nFeat * 4;
  const X = new Float32Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  let f = 0;
  for (const s of steps) {
    const col = getColumn(table, s.column);
    if (s.kind === 'numeric') {
      const out = X.subarray(f * n, (f + 1) * n);
      const impute = Math.fround(s.impute);
      const scale = s.scale !== undefined;
      const mean = scale ? Math.fround(s.scale!.mean) : 0;
      const inv = scale ? Math.fround(1 / (s.scale!.std > 0 && Number.isFinite(s.scale!.std) ? s.scale!.std : 1)) : 1;
      for (let k = 0; k < n; k++) {
        let v = Math.fround(col.numeric[rows ? rows[k] : k]);
        if (Number.isNaN(v)) v = impute;
        // Scaled as the scorer and ONNX Scaler do: f32(f32(x - f32(mean)) * f32(1 / std)).
        out[k] = scale ? Math.fround(v - mean) * inv : v;
      }
      f++;
    } else {
      // Per dictionary code, the value(s) this step gives; -1 code = ''.
      const codeString = (c: number) => (c < 0 ? '' : col.dict[c]);
      if (!col.codes) {
        // A numeric-looking column used as text (only through a dictionary-less column): use String(number).
        for (let k = 0; k < n; k++) {
          const v = col.numeric[rows ? rows[k] : k];
          const str = Number.isNaN(v) ? '' : String(v);
          writeTextStep(s, str, X, f, n, k);
        }
      } else {
        const D = col.dict.length;
        const width = s.kind === 'onehot' ? s.categories.length : 1;
        const table2 = new Float32Array((D + 1) * width);
        for (let c = -1; c < D; c++) {
          const str = codeString(c);
          if (s.kind === 'onehot') {
            const j = s.categories.indexOf(str);
            if (j >= 0) table2[(c + 1) * width + j] = 1;
          } else {
            const v = Object.prototype.hasOwnProperty.call(s.map, str) ? s.map[str] : s.fallback;
            table2[c + 1] = v;
          }
        }
        for (let k = 0; k < n; k++) {
          const c = col.codes[rows ? rows[k] : k] + 1;
          for (let j = 0; j < width; j++) X[(f + j) * n + k] = table2[c * width + j];
        }
      }
      f += s.kind === 'onehot' ? s.categories.length : 1;
    }
  }
  return { steps, names, nFeat, X };
}

function writeTextStep(s: FeatureStep, str: string, X: Float32Array, f: number, n: number, k: number): void {
  if (s.kind === 'onehot') {
    const j = s.categories.indexOf(str);
    if (j >= 0) X[(f + j) * n + k] = 1;
  } else if (s.kind === 'lookup') {
    X[f * n + k] = Object.prototype.hasOwnProperty.call(s.map, str) ? s.map[str] : s.fallback;
  }
}
