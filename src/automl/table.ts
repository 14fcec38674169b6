/**
 * Columnar table built from a stream of CSV rows (string[]; the first row is the header). Each column
 * keeps its values parsed as numbers (NaN when missing or not a number) and, while it is useful, a
 * dictionary encoding of the raw strings. No per-row objects are kept, so 1M x 20 rows fit in memory.
 */
import { AutoMLError } from './errors';

/** Numeric missing markers (case-insensitive). Categorical missing is only the empty string. */
const NUMERIC_MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-']);
/** A numeric-looking column keeps its dictionary only while it has at most this many distinct strings. */
const NUMERIC_DICT_CAP = 1024;

export interface RawColumn {
  name: string;
  /** Parsed numbers; NaN where the cell is missing or not numeric. */
  numeric: Float64Array;
  /** Cells that are empty or a missing marker. */
  missing: number;
  /** Non-missing cells that are not numbers. */
  nonNumeric: number;
  /** First few non-numeric values, for messages. */
  nonNumericExamples: string[];
  /** Dictionary codes per row (-1 = empty string), or null when dropped (numeric, high cardinality). */
  codes: Int32Array | null;
  /** code -> string. */
  dict: string[];
}

export interface Table {
  nRows: number;
  columns: RawColumn[];
}

export function parseNumber(s: string): number {
  const t = s.trim();
  if (NUMERIC_MISSING.has(t.toLowerCase())) return NaN;
  // Number('') is 0, Number('0x1') is 1: accept plain decimal / exponent notation only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
  return Number(t);
}

export function isMissingToken(s: string): boolean {
  return NUMERIC_MISSING.has(s.trim().toLowerCase());
}

class ColumnBuilder {
  numeric = new Float64Array(1024);
  codes: Int32Array | null = new Int32Array(1024);
  dictMap: Map<string, number> | null = new Map();
  dict: string[] = [];
  missing = 0;
  nonNumeric = 0;
  nonNumericExamples: string[] = [];
  constructor(readonly name: string) {}

  push(i: number, raw: string): void {
    if (i >= this.numeric.length) this.grow();
    const s = raw.trim();
    const missing = isMissingToken(s);
    let v = NaN;
    if (missing) this.missing++;
    else {
      v = parseNumber(s);
      if (Number.isNaN(v)) {
        this.nonNumeric++;
        if (this.nonNumericExamples.length < 3) this.nonNumericExamples.push(s);
      }
    }
    this.numeric[i] = v;
    if (this.codes !== null && this.dictMap !== null) {
      if (s === '') this.codes[i] = -1;
      else {
        let c = this.dictMap.get(s);
        if (c === undefined) {
          c = this.dict.length;
          this.dictMap.set(s, c);
          this.dict.push(s);
        }
        this.codes[i] = c;
      }
      if (this.nonNumeric === 0 && this.dict.length > NUMERIC_DICT_CAP) {
        // A numeric column with many distinct values: the dictionary would only cost memory.
        this.codes = null;
        this.dictMap = null;
        this.dict = [];
      }
    }
  }

  private grow(): void {
    const n = this.numeric.length * 2;
    const num = new Float64Array(n);
    num.set(this.numeric);
    this.numeric = num;
    if (this.codes) {
      const c = new Int32Array(n);
      c.set(this.codes);
      this.codes = c;
    }
  }

  finish(nRows: number): RawColumn {
    let codes = this.codes ? this.codes.slice(0, nRows) : null;
    let dict = this.dict;
    if (codes === null && this.nonNumeric > 0) {
      // Text arrived after the dictionary was dropped: rebuild it from the parsed numbers (text -> missing).
      const map = new Map<string, number>();
      dict = [];
      codes = new Int32Array(nRows);
      for (let i = 0; i < nRows; i++) {
        const v = this.numeric[i];
        if (Number.isNaN(v)) codes[i] = -1;
        else {
          const s = String(v);
          let c = map.get(s);
          if (c === undefined) {
            c = dict.length;
            map.set(s, c);
            dict.push(s);
          }
          codes[i] = c;
        }
      }
    }
    return {
      name: this.name,
      numeric: this.numeric.slice(0, nRows),
      missing: this.missing,
      nonNumeric: this.nonNumeric,
      nonNumericExamples: this.nonNumericExamples,
      codes,
      dict,
    };
  }
}

/** Builds a table from rows; the first row is the header. Ragged rows are an error with the line number. */
export async function tableFromRows(rows: AsyncIterable<string[]> | Iterable<string[]>): Promise<Table> {
  let header: string[] | null = null;
  let builders: ColumnBuilder[] = [];
  let n = 0;
  for await (const row of rows as AsyncIterable<string[]>) {
    if (header === null) {
      header = row.map((h) => h.trim());
      if (header.length === 0 || (header.length === 1 && header[0] === '')) {
        throw new AutoMLError('EMPTY_INPUT', 'the input has no header row');
      }
      const seen = new Set<string>();
      header.forEach((h, j) => {
        if (h === '') header![j] = `column${j + 1}`;
        if (seen.has(header![j])) throw new AutoMLError('BAD_ROW', `duplicate column name "${header![j]}" in the header`);
        seen.add(header![j]);
      });
      builders = header.map((h) => new ColumnBuilder(h));
      continue;
    }
    if (row.length === 1 && row[0].trim() === '' && header.length > 1) continue; // blank line
    if (row.length !== header.length) {
      throw new AutoMLError('BAD_ROW', `data row ${n + 1} (line ${n + 2}) has ${row.length} fields, the header has ${header.length}`);
    }
    for (let j = 0; j < row.length; j++) builders[j].push(n, row[j]);
    n++;
  }
  if (header === null) throw new AutoMLError('EMPTY_INPUT', 'the input is empty');
  return { nRows: n, columns: builders.map((b) => b.finish(n)) };
}

/** Builds a table from row objects (tests, programmatic callers). Missing keys and null are empty cells. */
export function tableFromRecords(records: Record<string, string | number | boolean | null | undefined>[]): Promise<Table> {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), names.push(k));
  const rows: string[][] = [names];
  for (const r of records) rows.push(names.map((k) => (r[k] === null || r[k] === undefined ? '' : String(r[k]))));
  return tableFromRows(rows);
}

export function getColumn(table: Table, name: string): RawColumn {
  const c = table.columns.find((col) => col.name === name);
  if (!c) {
    throw new AutoMLError('MISSING_COLUMN', `column "${name}" is not in the data (columns: ${table.columns.map((x) => x.name).join(', ')})`);
  }
  return c;
}

/** The string value of a cell as the scorer would receive it ('' for missing). */
export function cellString(col: RawColumn, i: number): string {
  if (col.codes) {
    const c = col.codes[i];
    return c < 0 ? '' : col.dict[c];
  }
  const v = col.numeric[i];
  return Number.isNaN(v) ? '' : String(v);
}

/** A table restricted to some rows (used to split train / test). */
export function selectRows(table: Table, rows: ArrayLike<number>): Table {
  const m = rows.length;
  return {
    nRows: m,
    columns: table.columns.map((c) => {
      const numeric = new Float64Array(m);
      const codes = c.codes ? new Int32Array(m) : null;
      const missingCode = c.dict.map((v) => isMissingToken(v));
      let missing = 0;
      let nonNumeric = 0;
      for (let k = 0; k < m; k++) {
        const v = (numeric[k] = c.numeric[rows[k]]);
        if (codes) {
          const code = (codes[k] = c.codes![rows[k]]);
          if (code < 0 || missingCode[code]) missing++;
          else if (Number.isNaN(v)) nonNumeric++;
        } else if (Number.isNaN(v)) missing++;
      }
      return { ...c, numeric, codes, missing, nonNumeric };
    }),
  };
}
