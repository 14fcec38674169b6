/**
 * Errors of the scoring surface (endpoint process and proxy). Each carries a stable `code`, the HTTP
 * status it maps to and, for validation errors, the fields at fault. Bodies never echo secrets.
 */

/** One problem with one field of one row (row is the 0-based index in the request's batch). */
export interface FieldProblem {
  row?: number;
  field: string;
  problem: 'missing' | 'mistyped' | 'unknown';
  expected?: string;
  got?: string;
}

export class ScoringError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields?: string[];
  readonly details?: FieldProblem[];

  constructor(status: number, code: string, message: string, details?: FieldProblem[]) {
    super(message);
    this.name = 'ScoringError';
    this.status = status;
    this.code = code;
    if (details && details.length) {
      this.details = details;
      this.fields = [...new Set(details.map((d) => d.field))];
    }
  }

  /** The JSON body the HTTP surfaces answer with: {"error": {code, message, fields?, details?}}. */
  toBody(): { error: { code: string; message: string; fields?: string[]; details?: FieldProblem[] } } {
    const error: { code: string; message: string; fields?: string[]; details?: FieldProblem[] } = {
      code: this.code,
      message: this.message,
    };
    if (this.fields) error.fields = this.fields;
    if (this.details) error.details = this.details;
    return { error };
  }
}

export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** A header value that Node accepts whatever the name holds (non-printable-ASCII names are percent-encoded). */
export function headerSafe(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
}
