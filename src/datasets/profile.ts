/**
 * One-pass, bounded-memory column profiling: type inference, missing and distinct counts, numeric
 * moments (Welford), top values, and the target's class balance.
 *
 * Memory per column is bounded by `distinctCap` value counts plus a 4 KiB HyperLogLog sketch that
 * takes over distinct counting once the cap is reached.
 */

/** Cell values treated as missing (the pandas defaults most users expect). Shared with AutoML. */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', '#N/A']);

export function isMissing(v: string): boolean {
  return v.length <= 4 && MISSING_TOKENS.has(v);
}

/**
 * A strict decimal number (optional sign, digits, fraction, exponent; surrounding spaces allowed), else
 * NaN. Rejects what Number() would also accept but a CSV user would not call a number: hex, binary,
 * octal, Infinity, empty strings.
 */
export function parseNumber(v: string): number {
  const n = v.length;
  let i = 0;
  while (i < n && v.charCodeAt(i) === 32) i++;
  let end = n;
  while (end > i && v.charCodeAt(end - 1) === 32) end--;
  if (i >= end) return NaN;
  let c = v.charCodeAt(i);
  if (c === 43 || c === 45) i++; // + -
  let digits = 0;
  while (i < end && (c = v.charCodeAt(i)) >= 48 && c <= 57) {
    i++;
    digits++;
  }
  if (i < end && v.charCodeAt(i) === 46) {
    i++;
    while (i < end && (c = v.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return NaN;
  if (i < end && ((c = v.charCodeAt(i)) === 101 || c === 69)) {
    i++;
    if (i < end && ((c = v.charCodeAt(i)) === 43 || c === 45)) i++;
    let exp = 0;
    while (i < end && (c = v.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      exp++;
    }
    if (exp === 0) return NaN;
  }
  if (i !== end) return NaN;
  const x = Number(v);
  return Number.isFinite(x) ? x : NaN;
}

const BOOLEANS: ReadonlySet<string> = new Set(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']);

/** HyperLogLog with 2^12 registers (~1.6% standard error): distinct counts past the exact cap. */
export class HyperLogLog {
  private readonly registers = new Uint8Array(4096);

  add(s: string): void {
    // FNV-1a, then murmur3's finalizer to spread the bits.
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const idx = h >>> 20;
    const rest = (h << 12) | 0x800; // guard bit bounds the rank
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[idx]) this.registers[idx] = rank;
  }

  estimate(): number {
    const m = 4096;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      sum += 2 ** -this.registers[i];
      if (this.registers[i] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(raw);
  }
}

export type ColumnType = 'integer' | 'number' | 'boolean' | 'string' | 'empty';

export interface ValueCount {
  value: string;
  count: number;
}

export interface ColumnProfile {
  name: string;
  /** 0-based position in the header. */
  index: number;
  type: ColumnType;
  /** How a learner should treat it: integer/number are numeric, the rest categorical. */
  kind: 'numeric' | 'categorical';
  /** Non-missing values. */
  count: number;
  missing: number;
  distinct: number;
  /** False once more than `distinctCap` values were seen: `distinct` is then a HyperLogLog estimate. */
  distinctExact: boolean;
  min?: number;
  max?: number;
  mean?: number;
  /** Sample standard deviation (n - 1). */
  std?: number;
  /** Most frequent values (categoricals), most frequent first. */
  top?: ValueCount[];
  /** False when the column outgrew the cap: the counts shown are lower bounds. */
  topExact?: boolean;
}

export interface ClassBalance {
  value: string;
  count: number;
  /** Of the rows with a target value. */
  fraction: number;
}

export interface TargetProfile {
  name: string;
  index: number;
  task: 'classification' | 'regression';
  missing: number;
  /** Classification only: every class with its share, largest first. */
  classes?: ClassBalance[];
}

export interface DatasetProfile {
  rows: number;
  columns: number;
  bytes: number;
  sha256: string;
  delimiter: string;
  target: TargetProfile;
  columnProfiles: ColumnProfile[];
}

const TOP_K = 10;
/** An integer target with at most this many distinct values is a classification target. */
export const MAX_CLASSES_FOR_INTEGER_TARGET = 20;

export class ColumnProfiler {
  private count = 0;
  private missing = 0;
  private numeric = true;
  private integer = true;
  private boolean = true;
  // Welford's running mean and sum of squared deviations: stable in one pass.
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  /** Value -> counter object: one hash lookup per cell (get), none for the increment. */
  private readonly counts = new Map<string, { n: number }>();
  private hll: HyperLogLog | undefined;

  constructor(
    readonly name: string,
    readonly index: number,
    private readonly cap: number,
  ) {}

  add(v: string): void {
    if (isMissing(v)) {
      this.missing++;
      return;
    }
    this.count++;
    const counts = this.counts;
    const seen = counts.get(v);
    if (seen !== undefined) seen.n++;
    else if (counts.size < this.cap) counts.set(v, { n: 1 });
    else {
      if (!this.hll) {
        this.hll = new HyperLogLog();
        for (const k of counts.keys()) this.hll.add(k);
      }
      this.hll.add(v);
    }
    if (this.numeric) {
      const x = parseNumber(v);
      if (x !== x) {
        this.numeric = false;
      } else {
        if (this.integer && !Number.isInteger(x)) this.integer = false;
        const d = x - this.mean;
        this.n++;
        this.mean += d / this.n;
        this.m2 += d * (x - this.mean);
        if (x < this.min) this.min = x;
        if (x > this.max) this.max = x;
      }
    }
    if (this.boolean && !BOOLEANS.has(v)) this.boolean = false;
  }

  get type(): ColumnType {
    if (this.count === 0) return 'empty';
    if (this.numeric) return this.integer ? 'integer' : 'number';
    if (this.boolean) return 'boolean';
    return 'string';
  }

  /** Exact value counts while under the cap (all of them), most frequent first. */
  valueCounts(limit = Infinity): ValueCount[] {
    const all = [...this.counts.entries()].map(([value, c]) => ({ value, count: c.n }));
    all.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return all.slice(0, limit);
  }

  get distinctExact(): boolean {
    return this.hll === undefined;
  }

  get distinct(): number {
    return this.hll ? Math.max(this.hll.estimate(), this.counts.size) : this.counts.size;
  }

  get missingCount(): number {
    return this.missing;
  }

  profile(): ColumnProfile {
    const type = this.type;
    const kind = type === 'integer' || type === 'number' ? 'numeric' : 'categorical';
    const p: ColumnProfile = {
      name: this.name,
      index: this.index,
      type,
      kind,
      count: this.count,
      missing: this.missing,
      distinct: this.distinct,
      distinctExact: this.distinctExact,
    };
    if (kind === 'numeric') {
      p.min = this.min;
      p.max = this.max;
      p.mean = this.mean;
      p.std = this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
    } else if (this.count > 0) {
      p.top = this.valueCounts(TOP_K);
      p.topExact = this.distinctExact;
    }
    return p;
  }
}

/** Profiles a table row by row; the caller feeds rows (header excluded) and reads the result once. */
export class TableProfiler {
  readonly columns: ColumnProfiler[];
  rows = 0;

  constructor(header: string[], cap: number) {
    this.columns = header.map((name, i) => new ColumnProfiler(name, i, cap));
  }

  addRow(row: string[]): void {
    const cols = this.columns;
    for (let i = 0; i < cols.length; i++) cols[i].add(row[i]);
    this.rows++;
  }

  /** The target's task and class balance (classification: non-numeric, or integer with few values). */
  target(index: number): TargetProfile {
    const col = this.columns[index];
    const type = col.type;
    const classification =
      type === 'string' ||
      type === 'boolean' ||
      type === 'empty' ||
      (type === 'integer' && col.distinctExact && col.distinct <= MAX_CLASSES_FOR_INTEGER_TARGET);
    const t: TargetProfile = { name: col.name, index, task: classification ? 'classification' : 'regression', missing: col.missingCount };
    if (classification) {
      const counts = col.valueCounts();
      const total = counts.reduce((s, c) => s + c.count, 0);
      t.classes = counts.map((c) => ({ value: c.value, count: c.count, fraction: total ? c.count / total : 0 }));
    }
    return t;
  }
}
