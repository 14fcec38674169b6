import { CsvError, CsvErrorCode } from './csv';

/**
 * Stable rejection codes of a dataset upload. They are recorded in the registry and published in
 * events: never rename one. CSV_* codes come from the CSV reader (csv.ts).
 */
export type DatasetRejectCode =
  | CsvErrorCode
  | 'INVALID_NAME'
  | 'UNSAFE_NAME'
  | 'DATASET_EMPTY'
  | 'NO_DATA_ROWS'
  | 'TOO_FEW_ROWS'
  | 'TOO_MANY_ROWS'
  | 'TOO_LARGE'
  | 'TOO_MANY_COLUMNS'
  | 'NO_FEATURES'
  | 'HEADER_MISSING'
  | 'HEADER_EMPTY_NAME'
  | 'HEADER_DUPLICATE_NAME'
  | 'TARGET_MISSING'
  | 'TARGET_EMPTY'
  | 'TARGET_SINGLE_CLASS'
  | 'SCHEMA_DRIFT'
  | 'SNAPSHOT_CONFLICT'
  | 'TOO_MANY_CLASSES'
  | 'CLASS_TOO_SMALL';

/** A final, recorded outcome: the upload is not a valid dataset. Never retried. */
export class DatasetRejection extends Error {
  readonly code: DatasetRejectCode;
  readonly line?: number;
  readonly column?: number;
  /** Column name at fault, when there is one. */
  readonly columnName?: string;

  constructor(code: DatasetRejectCode, message: string, at: { line?: number; column?: number; columnName?: string } = {}) {
    super(message);
    this.name = 'DatasetRejection';
    this.code = code;
    if (at.line !== undefined) this.line = at.line;
    if (at.column !== undefined) this.column = at.column;
    if (at.columnName !== undefined) this.columnName = at.columnName;
  }

  static fromCsv(err: CsvError, header?: string[]): DatasetRejection {
    const name = header && err.column !== undefined ? header[err.column - 1] : undefined;
    const message = name !== undefined ? `${err.message} [column "${name}"]` : err.message;
    return new DatasetRejection(err.code, message, { line: err.line, column: err.column, columnName: name });
  }
}

/** Settings that cannot be parsed: a deployment error, raised loudly (not a rejection of the data). */
export class DatasetSettingsError extends Error {
  readonly code = 'DATASET_SETTINGS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'DatasetSettingsError';
  }
}
