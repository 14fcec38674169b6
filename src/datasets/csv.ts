/**
 * Streaming CSV reader (RFC 4180 plus the usual real-world variants): bytes or text in, rows of strings
 * out, with bounded memory (one chunk plus at most `maxLineBytes` of the current record).
 *
 * - Delimiter: given, or sniffed from the first `sniffChars` characters among , ; TAB |.
 * - Quotes: "..." fields may hold delimiters, newlines and escaped quotes ("").
 * - BOM stripped; line endings LF, CRLF or lone CR; blank lines skipped.
 * - Bytes are decoded as UTF-8 with a fatal decoder; invalid UTF-8 (also split across chunk boundaries)
 *   is a CsvError naming the line and column where it occurs.
 *
 * Why hand-written rather than csv-parse: invalid UTF-8 and NUL detection must report line/column,
 * ragged rows must be reported with the line they start on, and the bench (bench/datasets/csv.bench.ts)
 * measures this state machine faster than csv-parse on the bank file.
 */
import { detectForeignEncoding } from './encoding';

/** Stable error codes of the CSV layer. Never rename: they are recorded in the dataset registry. */
export type CsvErrorCode =
  | 'CSV_INVALID_UTF8'
  | 'CSV_BINARY'
  | 'CSV_UNSUPPORTED_ENCODING'
  | 'CSV_UNCLOSED_QUOTE'
  | 'CSV_INVALID_QUOTE'
  | 'CSV_STRAY_QUOTE'
  | 'CSV_LINE_TOO_LONG'
  | 'CSV_RAGGED_ROW'
  | 'CSV_DELIMITER_MISMATCH'
  | 'CSV_BAD_OPTION';

export class CsvError extends Error {
  readonly code: CsvErrorCode;
  /** 1-based physical line where the fault is (for ragged or too-long records: where the record starts). */
  readonly line: number;
  /** 1-based field index on that record, when the fault is inside a field. */
  readonly column?: number;

  constructor(code: CsvErrorCode, message: string, line: number, column?: number) {
    super(message);
    this.name = 'CsvError';
    this.code = code;
    this.line = line;
    if (column !== undefined) this.column = column;
  }
}

export const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;

export interface CsvOptions {
  /** One character. When absent it is sniffed from the start of the input. */
  delimiter?: string;
  /** Largest record, in characters (~bytes for ASCII), before CSV_LINE_TOO_LONG. Default 1 MiB. */
  maxLineBytes?: number;
  /**
   * Require every record to have as many fields as the first one (the header). Default true.
   * Violations raise CSV_RAGGED_ROW, or CSV_DELIMITER_MISMATCH when the record splits cleanly with
   * another candidate delimiter.
   */
  strictColumnCount?: boolean;
  /** How much text to look at when sniffing the delimiter. Default 64 KiB. */
  sniffChars?: number;
}

const DEFAULT_MAX_LINE = 1 << 20;
const DEFAULT_SNIFF = 1 << 16;
/** NUL bytes within this many leading bytes mean a binary file (git's heuristic). */
const BINARY_SNIFF_BYTES = 8000;

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

function delimiterName(d: string): string {
  return d === '\t' ? 'TAB' : `'${d}'`;
}

/** Splits one line into fields for sniffing (quote-aware, no error reporting). */
function countFields(line: string, delim: string): number {
  let n = 1;
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === delim && !inQuotes) n++;
  }
  return n;
}

/** Physical lines of a sample that are complete (a truncated last line is dropped), blank lines skipped. */
function sampleLines(sample: string, truncated: boolean): string[] {
  const lines = sample.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  if (truncated && lines.length > 1) lines.pop();
  return lines.filter((l) => l.length > 0).slice(0, 200);
}

/**
 * Picks the delimiter among , ; TAB | from a sample. The header decides first (column names rarely
 * contain delimiters): a candidate must split it into > 1 fields; among those, the one for which most
 * lines have the header's field count wins; ties go to more fields, then to the order above.
 * Returns ',' when nothing splits the header (a one-column file). `truncated`: the sample's last line
 * may be cut off and is ignored.
 */
export function sniffDelimiter(sample: string, truncated = false): string {
  const lines = sampleLines(sample, truncated);
  if (lines.length === 0) return ',';
  let best = ',';
  let bestScore = -1;
  let bestFields = 1;
  for (const d of CANDIDATE_DELIMITERS) {
    const headerFields = countFields(lines[0], d);
    if (headerFields <= 1) continue;
    let agree = 0;
    for (const l of lines) if (countFields(l, d) === headerFields) agree++;
    const score = agree / lines.length;
    if (score > bestScore + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && headerFields > bestFields)) {
      best = d;
      bestScore = score;
      bestFields = headerFields;
    }
  }
  return best;
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

/**
 * The synchronous core: push() text chunks, completed records are appended to `out`. Exposed for
 * callers that already hold text and for tests; most callers want readCsvRows.
 */
export class CsvParser {
  readonly delimiter: string;
  private readonly delim: number;
  private readonly maxLine: number;
  private readonly strict: boolean;
  private state = State.FieldStart;
  private fields: string[] = [];
  /** Content of the current field carried over from previous chunks (or quoted segments). */
  private partial = '';
  /** Characters taken into the current record so far. */
  private recordChars = 0;
  private skipLf = false;
  private first = true;
  private expected = -1;
  /** 1-based current physical line. */
  line = 1;
  /** Line where the record being read starts. */
  recordLine = 1;
  /** Records emitted (the header included). */
  records = 0;
  /** The first record, once read (lets callers name the column of an error raised in the same chunk). */
  header: string[] | undefined;

  constructor(delimiter: string, opts: Pick<CsvOptions, 'maxLineBytes' | 'strictColumnCount'> = {}) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new CsvError('CSV_BAD_OPTION', `delimiter must be one character other than quote or newline, got ${JSON.stringify(delimiter)}`, 0);
    }
    this.delimiter = delimiter;
    this.delim = delimiter.charCodeAt(0);
    this.maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
    this.strict = opts.strictColumnCount ?? true;
  }

  /** 1-based index of the field being read. */
  get column(): number {
    return this.fields.length + 1;
  }

  private endField(value: string): void {
    this.fields.push(value);
  }

  private endRecord(out: string[][]): void {
    const f = this.fields;
    this.fields = [];
    this.recordChars = 0;
    const startLine = this.recordLine;
    // A blank line is one empty unquoted field: skip it.
    if (f.length === 1 && f[0] === '' && this.state !== State.QuoteInQuoted) {
      this.recordLine = this.line;
      return;
    }
    if (this.strict) {
      if (this.expected < 0) this.expected = f.length;
      else if (f.length !== this.expected) this.raggedError(f, startLine);
    }
    this.records++;
    if (!this.header) this.header = f;
    out.push(f);
    this.recordLine = this.line;
  }

  private raggedError(f: string[], line: number): never {
    if (f.length === 1) {
      for (const d of CANDIDATE_DELIMITERS) {
        if (d !== this.delimiter && countFields(f[0], d) === this.expected) {
          throw new CsvError(
            'CSV_DELIMITER_MISMATCH',
            `line ${line}: record is separated by ${delimiterName(d)} but the file uses ${delimiterName(this.delimiter)}`,
            line,
            1,
          );
        }
      }
    }
    const column = Math.min(f.length, this.expected) + 1;
    throw new CsvError(
      'CSV_RAGGED_ROW',
      `line ${line}: expected ${this.expected} fields as in the header, found ${f.length}` +
        (f.length < this.expected ? ` (column ${column} missing)` : ` (unexpected column ${column})`),
      line,
      column,
    );
  }

  private tooLong(): never {
    throw new CsvError(
      'CSV_LINE_TOO_LONG',
      `line ${this.recordLine}: record longer than ${this.maxLine} characters (maxLineBytes)`,
      this.recordLine,
      this.column,
    );
  }

  /** Parses a chunk of text. Completed records are pushed onto `out`. */
  push(s: string, out: string[][]): void {
    const n = s.length;
    const delim = this.delim;
    let i = 0;
    if (this.first) {
      this.first = false;
      if (n > 0 && s.charCodeAt(0) === 0xfeff) i = 1;
    }
    let segStart = i;
    let state = this.state;
    let recStartInChunk = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (this.skipLf) {
        this.skipLf = false;
        if (c === LF) {
          i++;
          segStart = i;
          recStartInChunk = i;
          continue;
        }
      }
      switch (state) {
        case State.FieldStart:
          if (c === QUOTE) {
            state = State.Quoted;
            segStart = i + 1;
            i++;
            continue;
          }
          // Re-enter the loop in Unquoted at the same character (no fallthrough under this tsconfig).
          state = State.Unquoted;
          segStart = i;
          continue;
        case State.Unquoted: {
          // Tight scan to the end of the unquoted field.
          let j = i;
          let d = c;
          while (d !== delim && d !== LF && d !== CR && d !== QUOTE && d !== NUL) {
            if (++j >= n) break;
            d = s.charCodeAt(j);
          }
          if (j >= n) {
            this.partial += s.slice(segStart, n);
            i = n;
            continue;
          }
          if (d === QUOTE) {
            this.state = state;
            throw new CsvError(
              'CSV_STRAY_QUOTE',
              `line ${this.line}, column ${this.column}: quote inside an unquoted field (quote the whole field and double inner quotes)`,
              this.line,
              this.column,
            );
          }
          if (d === NUL) this.binaryError();
          const value = this.partial === '' ? s.slice(segStart, j) : this.partial + s.slice(segStart, j);
          this.partial = '';
          this.endField(value);
          state = State.FieldStart;
          i = j + 1;
          if (d !== delim) {
            this.line++;
            if (d === CR) this.skipLf = true;
            this.recordChars += i - recStartInChunk;
            if (this.recordChars > this.maxLine) this.tooLong();
            this.state = state;
            this.endRecord(out);
            recStartInChunk = i;
          }
          segStart = i;
          continue;
        }
        case State.Quoted: {
          const q = s.indexOf('"', i);
          const end = q < 0 ? n : q;
          for (let k = i; k < end; k++) {
            const ch = s.charCodeAt(k);
            if (ch === LF) this.line++;
            else if (ch === NUL) this.binaryError();
          }
          this.partial += s.slice(segStart, end);
          if (q < 0) {
            i = n;
            continue;
          }
          state = State.QuoteInQuoted;
          i = q + 1;
          continue;
        }
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            // Escaped quote "" : keep one, stay quoted.
            this.partial += '"';
            state = State.Quoted;
            i++;
            segStart = i;
            continue;
          }
          if (c === delim || c === LF || c === CR) {
            this.endField(this.partial);
            this.partial = '';
            i++;
            if (c === delim) {
              state = State.FieldStart;
            } else {
              this.line++;
              if (c === CR) this.skipLf = true;
              this.recordChars += i - recStartInChunk;
              if (this.recordChars > this.maxLine) this.tooLong();
              this.state = state;
              this.endRecord(out);
              state = State.FieldStart;
              recStartInChunk = i;
            }
            segStart = i;
            continue;
          }
          this.state = state;
          throw new CsvError(
            'CSV_INVALID_QUOTE',
            `line ${this.line}, column ${this.column}: unexpected character after a closing quote (inner quotes must be doubled)`,
            this.line,
            this.column,
          );
      }
    }
    this.state = state;
    this.recordChars += n - recStartInChunk;
    if (this.recordChars > this.maxLine) this.tooLong();
  }

  private binaryError(): never {
    throw new CsvError('CSV_BINARY', `line ${this.line}, column ${this.column}: NUL character: this is a binary file, not CSV text`, this.line, this.column);
  }

  /** Ends the input: flushes the last record (no trailing newline needed). */
  end(out: string[][]): void {
    if (this.state === State.Quoted) {
      throw new CsvError(
        'CSV_UNCLOSED_QUOTE',
        `line ${this.recordLine}, column ${this.column}: quoted field is never closed (reached end of file)`,
        this.recordLine,
        this.column,
      );
    }
    if (this.state === State.QuoteInQuoted) {
      this.endField(this.partial);
      this.partial = '';
      this.endRecord(out);
    } else if (this.state === State.Unquoted || this.fields.length > 0) {
      this.endField(this.partial);
      this.partial = '';
      this.endRecord(out);
    }
    this.state = State.FieldStart;
  }
}

/** Parses a whole string (small inputs, tests). */
export function parseCsvString(text: string, opts: CsvOptions = {}): string[][] {
  const p = new CsvParser(opts.delimiter ?? sniffDelimiter(text), opts);
  const out: string[][] = [];
  p.push(text, out);
  p.end(out);
  return out;
}

/** Length of an incomplete UTF-8 sequence at the end of `b` (0..3). */
function incompleteTail(b: Uint8Array): number {
  const n = b.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const x = b[n - k];
    if ((x & 0xc0) === 0x80) continue;
    const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

/** Index of the first byte at which `b` stops being valid UTF-8 (b is known to be invalid). */
function firstInvalidByte(b: Uint8Array): number {
  // Valid-prefix is monotone: binary search with a streaming decoder (a truncated tail is not an error).
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    let ok = true;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, mid + 1), { stream: true });
    } catch {
      ok = false;
    }
    if (ok) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Decodes a byte stream to text chunks, UTF-8 fatal, across chunk boundaries; reports where it fails. */
class Utf8Chunker {
  private tail: Uint8Array | null = null;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  bytesSeen = 0;

  /** Returns the decoded text; on invalid bytes returns the valid prefix and sets `invalid`. */
  decode(chunk: Uint8Array): { text: string; invalid: boolean } {
    let b = chunk;
    if (this.tail) {
      const joined = new Uint8Array(this.tail.length + chunk.length);
      joined.set(this.tail, 0);
      joined.set(chunk, this.tail.length);
      b = joined;
      this.tail = null;
    }
    this.bytesSeen += chunk.length;
    const t = incompleteTail(b);
    const body = t ? b.subarray(0, b.length - t) : b;
    if (t) this.tail = b.slice(b.length - t);
    try {
      return { text: this.decoder.decode(body), invalid: false };
    } catch {
      const bad = firstInvalidByte(body);
      const text = new TextDecoder('utf-8').decode(body.subarray(0, bad), { stream: true });
      return { text, invalid: true };
    }
  }

  /** True when the input ended in the middle of a multi-byte sequence. */
  get truncated(): boolean {
    return this.tail !== null;
  }
}

function hasNulWithin(b: Uint8Array, limit: number): number {
  const n = Math.min(b.length, limit);
  for (let i = 0; i < n; i++) if (b[i] === 0) return i;
  return -1;
}

/** A streaming reader: rows plus where it is, for callers that report positions. */
export interface CsvReader {
  /** Batches of rows as they complete; the first row of the first batch is the header. */
  batches: AsyncGenerator<string[][]>;
  /** The delimiter in use (known after the first batch). */
  readonly delimiter: string | undefined;
  /** Physical line the reader has reached (1-based). */
  readonly line: number;
  /** Records emitted so far, header included. */
  readonly records: number;
  /** The first record, as soon as it is parsed (even if an error stops the batch it is in). */
  readonly header: string[] | undefined;
}

async function* textChunks(
  source: NodeJS.ReadableStream | AsyncIterable<Buffer | string | Uint8Array>,
  onInvalid: (validPrefix: string) => never,
  sniffBinary: (b: Uint8Array) => void,
): AsyncGenerator<string> {
  const utf8 = new Utf8Chunker();
  let firstBytes = true;
  for await (const chunk of source as AsyncIterable<Buffer | string | Uint8Array>) {
    if (typeof chunk === 'string') {
      if (chunk.length) yield chunk;
      continue;
    }
    if (chunk.length === 0) continue;
    if (firstBytes) {
      firstBytes = false;
      sniffBinary(chunk);
    }
    const { text, invalid } = utf8.decode(chunk);
    if (invalid) onInvalid(text);
    if (text.length) yield text;
  }
  if (utf8.truncated) onInvalid('');
}

/**
 * Opens a streaming CSV reader over bytes or text. Memory stays bounded by the source's chunk size
 * plus `maxLineBytes`. Errors are CsvError with a stable code and the line/column at fault.
 */
export function createCsvReader(source: NodeJS.ReadableStream | AsyncIterable<Buffer | string | Uint8Array>, opts: CsvOptions = {}): CsvReader {
  let parser: CsvParser | undefined;
  let pending = '';
  const sniffChars = opts.sniffChars ?? DEFAULT_SNIFF;
  const ensureParser = (sample: string, truncated: boolean): CsvParser => {
    if (!parser) parser = new CsvParser(opts.delimiter ?? sniffDelimiter(sample, truncated), opts);
    return parser;
  };
  const onInvalid = (valid: string): never => {
    // Feed the valid prefix so the parser's position is exactly where the bad byte is.
    const text = pending + valid;
    pending = '';
    const p = ensureParser(text, true);
    const sink: string[][] = [];
    p.push(text, sink);
    throw new CsvError(
      'CSV_INVALID_UTF8',
      `line ${p.line}, column ${p.column}: invalid UTF-8 byte sequence (the file must be UTF-8 encoded)`,
      p.line,
      p.column,
    );
  };
  const sniffBinary = (b: Uint8Array): void => {
    const at = hasNulWithin(b, BINARY_SNIFF_BYTES);
    const foreign = detectForeignEncoding(b);
    if (foreign) {
      const how = foreign.bom ? 'byte-order mark' : 'NUL bytes between ASCII characters';
      throw new CsvError(
        'CSV_UNSUPPORTED_ENCODING',
        `line 1: the file is ${foreign.encoding} encoded (${how}), not UTF-8: save it as UTF-8 (e.g. "CSV UTF-8" in Excel)`,
        1,
      );
    }
    if (at >= 0) {
      let line = 1;
      for (let i = 0; i < at; i++) if (b[i] === LF) line++;
      throw new CsvError('CSV_BINARY', `line ${line}: NUL byte at offset ${at}: this is a binary file, not CSV text`, line);
    }
  };
  async function* run(): AsyncGenerator<string[][]> {
    for await (const text of textChunks(source, onInvalid, sniffBinary)) {
      if (!parser) {
        pending += text;
        if (pending.length < sniffChars) continue;
        ensureParser(pending, true);
        const out: string[][] = [];
        const t = pending;
        pending = '';
        parser!.push(t, out);
        if (out.length) yield out;
        continue;
      }
      const out: string[][] = [];
      parser.push(text, out);
      if (out.length) yield out;
    }
    const p = ensureParser(pending, false);
    const out: string[][] = [];
    if (pending) {
      const t = pending;
      pending = '';
      p.push(t, out);
    }
    p.end(out);
    if (out.length) yield out;
  }
  return {
    batches: run(),
    get delimiter() {
      return parser?.delimiter;
    },
    get line() {
      return parser?.line ?? 1;
    },
    get records() {
      return parser?.records ?? 0;
    },
    get header() {
      return parser?.header;
    },
  };
}

/** Streams rows (the first one is the header). See createCsvReader for guarantees. */
export async function* readCsvRows(
  source: NodeJS.ReadableStream | AsyncIterable<Buffer | string | Uint8Array>,
  opts: CsvOptions = {},
): AsyncGenerator<string[]> {
  for await (const batch of createCsvReader(source, opts).batches) {
    for (const row of batch) yield row;
  }
}
