/**
 * Request validation: the three Azure ML request shapes -> one columnar batch checked against the
 * input schema. Every problem is collected (up to a cap) so a 400 names all the fields at fault.
 *
 *   {"data": [{...}, ...]}                                            (ACI / v1)  -> {"result": [...]}
 *   {"Inputs": {"data": [{...}]}, "GlobalParameters": {"method": ...}} (AutoML v2) -> {"Results": [...]}
 *   {"input_data": {"columns": [...], "index": [...], "data": [[...]]}} (MLflow)    -> {"predictions": [...]}
 */
import { FieldProblem, ScoringError } from './errors';
import { InputSchema } from './schema';

export type RequestShape = 'data' | 'inputs' | 'input_data';
export type ScoreMethod = 'predict' | 'predict_proba';

/** A validated batch, column-major: numerics as Float64Array (NaN = missing), categoricals as strings ('' = missing). */
export interface ScoreBatch {
  shape: RequestShape;
  method: ScoreMethod;
  rowCount: number;
  columns: Record<string, Float64Array | string[]>;
}

export interface ValidateOptions {
  /** Most rows one request may carry (413 above). */
  maxRows?: number;
}

export const DEFAULT_MAX_ROWS = 10000;
const MAX_PROBLEMS = 100;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a raw body (JSON text) and validates it; throws ScoringError (400/413) on bad input. */
export function parseScoreBody(raw: string | Buffer, schema: InputSchema, opts: ValidateOptions = {}): ScoreBatch {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (!text.trim()) throw new ScoringError(400, 'EMPTY_BODY', 'the request body is empty; send a JSON object');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ScoringError(400, 'INVALID_JSON', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  return validateScoreRequest(body, schema, opts);
}

/** Validates a parsed body against the schema and converts it to a columnar batch. */
export function validateScoreRequest(body: unknown, schema: InputSchema, opts: ValidateOptions = {}): ScoreBatch {
  if (!isPlainObject(body)) {
    throw new ScoringError(400, 'INVALID_BODY', `the request body must be a JSON object, got ${describe(body)}`);
  }
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  let shape: RequestShape;
  let method: ScoreMethod = 'predict';
  let records: unknown[] | undefined;
  let columns: string[] | undefined;
  if ('input_data' in body) {
    shape = 'input_data';
    const input = body.input_data;
    if (!isPlainObject(input)) throw new ScoringError(400, 'INVALID_BODY', "'input_data' must be an object {columns, index?, data}");
    if (!Array.isArray(input.columns) || !input.columns.every((c) => typeof c === 'string')) {
      throw new ScoringError(400, 'INVALID_BODY', "'input_data.columns' must be an array of column names");
    }
    if (!Array.isArray(input.data)) throw new ScoringError(400, 'INVALID_BODY', "'input_data.data' must be an array of rows");
    if (input.index !== undefined && (!Array.isArray(input.index) || input.index.length !== input.data.length)) {
      throw new ScoringError(400, 'INVALID_BODY', "'input_data.index' must be an array with one entry per row");
    }
    const cols = input.columns as string[];
    const dup = cols.find((c, i) => cols.indexOf(c) !== i);
    if (dup !== undefined) throw new ScoringError(400, 'INVALID_BODY', `column '${dup}' appears twice in 'input_data.columns'`);
    columns = cols;
    records = input.data;
  } else if ('Inputs' in body) {
    shape = 'inputs';
    const inputs = body.Inputs;
    if (!isPlainObject(inputs) || !Array.isArray(inputs.data)) {
      throw new ScoringError(400, 'INVALID_BODY', '\'Inputs\' must be an object {"data": [rows]}');
    }
    records = inputs.data;
    const gp = body.GlobalParameters;
    if (gp !== undefined && gp !== null) {
      if (!isPlainObject(gp)) throw new ScoringError(400, 'INVALID_BODY', "'GlobalParameters' must be an object");
      if (gp.method !== undefined) {
        if (gp.method !== 'predict' && gp.method !== 'predict_proba') {
          throw new ScoringError(400, 'INVALID_METHOD', "'GlobalParameters.method' must be 'predict' or 'predict_proba'");
        }
        method = gp.method;
      }
    }
  } else if ('data' in body) {
    shape = 'data';
    if (!Array.isArray(body.data)) throw new ScoringError(400, 'INVALID_BODY', "'data' must be an array of rows");
    records = body.data;
  } else {
    throw new ScoringError(400, 'UNKNOWN_SHAPE', "the body must have 'data' (v1), 'Inputs' (AutoML v2) or 'input_data' (MLflow)");
  }
  if (method === 'predict_proba' && !schema.hasProbabilities) {
    throw new ScoringError(400, 'METHOD_UNSUPPORTED', 'this model has no class probabilities (predict_proba)');
  }
  if (records.length === 0) throw new ScoringError(400, 'EMPTY_BATCH', 'the request has no rows');
  if (records.length > maxRows) {
    throw new ScoringError(413, 'TOO_MANY_ROWS', `a request may carry at most ${maxRows} rows, got ${records.length}`);
  }

  const n = records.length;
  const out: Record<string, Float64Array | string[]> = {};
  for (const f of schema.fields) out[f.name] = f.kind === 'numeric' ? new Float64Array(n) : new Array<string>(n);
  const problems: FieldProblem[] = [];
  const note = (p: FieldProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const known = new Set(schema.fields.map((f) => f.name));
  if (columns) {
    for (const c of columns) if (!known.has(c) && c !== schema.target) note({ field: c, problem: 'unknown' });
  }
  // Position of each schema field in an MLflow row (-1: column absent).
  const colIndex = columns ? schema.fields.map((f) => columns!.indexOf(f.name)) : [];
  if (columns) {
    schema.fields.forEach((f, j) => {
      if (colIndex[j] < 0) note({ field: f.name, problem: 'missing', expected: f.kind });
    });
  }

  for (let i = 0; i < n; i++) {
    const rec = records[i];
    let get: (j: number) => { present: boolean; value: unknown };
    if (columns) {
      if (!Array.isArray(rec) || rec.length !== columns.length) {
        throw new ScoringError(400, 'INVALID_ROW', `row ${i} of 'input_data.data' must be an array of ${columns.length} values (one per column)`);
      }
      get = (j) => (colIndex[j] < 0 ? { present: false, value: undefined } : { present: true, value: rec[colIndex[j]] });
    } else {
      if (!isPlainObject(rec)) {
        throw new ScoringError(400, 'INVALID_ROW', `row ${i} must be an object of field values, got ${describe(rec)}`);
      }
      for (const k of Object.keys(rec)) if (!known.has(k) && k !== schema.target) note({ row: i, field: k, problem: 'unknown' });
      get = (j) => {
        const name = schema.fields[j].name;
        return Object.prototype.hasOwnProperty.call(rec, name) ? { present: true, value: rec[name] } : { present: false, value: undefined };
      };
    }
    schema.fields.forEach((f, j) => {
      const { present, value } = get(j);
      if (!present) {
        if (!columns) note({ row: i, field: f.name, problem: 'missing', expected: f.kind });
        return;
      }
      if (f.kind === 'numeric') {
        const col = out[f.name] as Float64Array;
        if (value === null) col[i] = NaN;
        // JSON numbers such as 1e999 parse as Infinity: refused like the string "Infinity" is.
        else if (typeof value === 'number' && Number.isFinite(value)) col[i] = value;
        else if (typeof value === 'string' && (value.trim() === '' || Number.isFinite(Number(value)))) {
          col[i] = value.trim() === '' ? NaN : Number(value);
        } else note({ row: i, field: f.name, problem: 'mistyped', expected: 'number or null', got: describe(value) });
      } else {
        const col = out[f.name] as string[];
        if (value === null) col[i] = '';
        else if (typeof value === 'string') col[i] = value;
        else if (typeof value === 'number' || typeof value === 'boolean') col[i] = String(value);
        else note({ row: i, field: f.name, problem: 'mistyped', expected: 'string or null', got: describe(value) });
      }
    });
  }
  if (problems.length) {
    const fields = [...new Set(problems.map((p) => p.field))];
    throw new ScoringError(
      400,
      'INVALID_FIELDS',
      `${problems.length >= MAX_PROBLEMS ? `${MAX_PROBLEMS}+` : problems.length} problem(s) with field(s): ${fields.join(', ')}`,
      problems,
    );
  }
  return { shape, method, rowCount: n, columns: out };
}
