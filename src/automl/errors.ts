/** Errors from bad input carry a stable code (for the CLI exit code 2 and HTTP 4xx) and a human message. */
export type AutoMLErrorCode =
  | 'EMPTY_INPUT'
  | 'TOO_FEW_ROWS'
  | 'TARGET_MISSING'
  | 'TARGET_EMPTY'
  | 'ONE_CLASS'
  | 'TARGET_NOT_NUMERIC'
  | 'NO_FEATURES'
  | 'BAD_ROW'
  | 'BAD_OPTION'
  | 'CSV_ERROR'
  | 'MISSING_COLUMN'
  | 'INPUT_NOT_FOUND'
  | 'MODEL_NOT_EVALUABLE';

export class AutoMLError extends Error {
  readonly code: AutoMLErrorCode;
  constructor(code: AutoMLErrorCode, message: string) {
    super(message);
    this.name = 'AutoMLError';
    this.code = code;
  }
}
