/**
 * One streaming pass over an uploaded file: hash (sha256), count bytes, parse, validate and profile.
 * No Azure here: the caller supplies the byte stream and, optionally, a sink that receives every chunk
 * as it passes (used to stage the snapshot in the same pass).
 */
import { createHash } from 'node:crypto';
import { CsvError, createCsvReader } from './csv';
import { DatasetRejection } from './errors';
import { DatasetProfile, TableProfiler, parseNumber } from './profile';
import { DatasetSchema, schemaOf } from './schema';
import { DEFAULT_DATASET_SETTINGS, type DatasetSettings } from './settings';
import { trainabilityProblems } from './trainability';

export type AnalyzeLimits = Pick<DatasetSettings, 'minRows' | 'maxRows' | 'maxBytes' | 'maxColumns' | 'maxLineBytes' | 'distinctCap'> &
  Partial<Pick<DatasetSettings, 'maxClasses' | 'minClassRows' | 'trainabilityPolicy'>>;

export interface AnalyzeOptions {
  target: string;
  limits: AnalyzeLimits;
  /**
   * Receives each chunk before it is parsed; awaited, so a slow sink slows the read (backpressure).
   * It is no longer called once the file is rejected.
   */
  sink?: (chunk: Buffer) => Promise<void> | void;
  /** When the file is rejected mid-way, read the rest anyway to know its sha256 (default true). */
  hashRejected?: boolean;
}

export type Analysis =
  /** warnings: what training would refuse, under DATASET_TRAINABILITY_POLICY=warn. */
  | { ok: true; profile: DatasetProfile; schema: DatasetSchema; header: string[]; warnings: DatasetRejection[] }
  | { ok: false; rejection: DatasetRejection; bytes: number; sha256?: string; rows: number };

class TooLarge extends Error {}

/** A record whose fields are all empty or whitespace (a line of spaces or tabs). */
function isBlankRecord(r: string[]): boolean {
  return r.every((f) => f.trim() === '');
}

/** Checks the header: present, names non-empty and unique, target present, at least one feature. */
export function validateHeader(header: string[], target: string, maxColumns: number): number {
  if (header.length > maxColumns) {
    throw new DatasetRejection(
      'TOO_MANY_COLUMNS',
      `line 1, column ${maxColumns + 1}: ${header.length} columns, more than the maximum of ${maxColumns} (DATASET_MAX_COLUMNS)`,
      {
        line: 1,
        column: maxColumns + 1,
      },
    );
  }
  // A first line that looks like data (numbers where names should be) means the header is missing.
  const named = header.filter((h) => h.trim() !== '');
  const numeric = named.filter((h) => !Number.isNaN(parseNumber(h)));
  const hasTarget = header.some((h) => h.trim() === target);
  if (named.length > 0 && (numeric.length === named.length || (!hasTarget && numeric.length > 0))) {
    throw new DatasetRejection(
      'HEADER_MISSING',
      `line 1: the first line looks like data (${numeric.slice(0, 3).join(', ')} where column names should be): the file needs a header line with column names`,
      { line: 1 },
    );
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < header.length; i++) {
    const name = header[i].trim();
    if (name === '') {
      throw new DatasetRejection('HEADER_EMPTY_NAME', `line 1, column ${i + 1}: column name is empty`, { line: 1, column: i + 1 });
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new DatasetRejection('HEADER_DUPLICATE_NAME', `line 1, column ${i + 1}: column name "${name}" already used by column ${first + 1}`, {
        line: 1,
        column: i + 1,
        columnName: name,
      });
    }
    seen.set(name, i);
  }
  const t = header.findIndex((h) => h.trim() === target);
  if (t < 0) {
    const shown =
      header
        .slice(0, 10)
        .map((h) => `"${h}"`)
        .join(', ') + (header.length > 10 ? ', ...' : '');
    throw new DatasetRejection('TARGET_MISSING', `line 1: target column "${target}" not found among the ${header.length} column(s) ${shown}`, {
      line: 1,
      columnName: target,
    });
  }
  if (header.length < 2) {
    throw new DatasetRejection('NO_FEATURES', `line 1: only the target column "${target}": there is nothing to learn from`, {
      line: 1,
      column: 1,
      columnName: target,
    });
  }
  return t;
}

export async function analyzeDataset(source: AsyncIterable<Buffer | Uint8Array>, opts: AnalyzeOptions): Promise<Analysis> {
  const { limits } = opts;
  const hash = createHash('sha256');
  let bytes = 0;
  let rejected = false;
  let tooLarge = false;
  const iterator = source[Symbol.asyncIterator]();

  // The tap every byte goes through exactly once: size limit, hash, sink, then the parser.
  async function* tap(): AsyncGenerator<Buffer> {
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) return;
      const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      bytes += buf.length;
      if (bytes > limits.maxBytes) {
        tooLarge = true;
        throw new TooLarge();
      }
      hash.update(buf);
      if (opts.sink && !rejected) await opts.sink(buf);
      yield buf;
    }
  }

  const reader = createCsvReader(tap(), { maxLineBytes: limits.maxLineBytes });
  let header: string[] | undefined;
  let profiler: TableProfiler | undefined;
  let targetIndex = -1;
  let rows = 0;
  // Records of only whitespace before the header: a file of nothing else is DATASET_EMPTY.
  let blankLead = 0;
  try {
    for await (const batch of reader.batches) {
      let start = 0;
      if (!header) {
        let k = 0;
        while (k < batch.length && isBlankRecord(batch[k])) k++;
        if (k === batch.length) {
          blankLead += k;
          continue;
        }
        if (blankLead + k > 0)
          throw new DatasetRejection('HEADER_EMPTY_NAME', 'line 1, column 1: column name is empty (the first line holds only whitespace)', {
            line: 1,
            column: 1,
          });
        header = batch[0];
        targetIndex = validateHeader(header, opts.target, limits.maxColumns);
        profiler = new TableProfiler(
          header.map((h) => h.trim()),
          limits.distinctCap,
        );
        start = 1;
      }
      if (rows + batch.length - start > limits.maxRows) {
        // Rows arrive in batches: the reader's line is where it stopped, at most one chunk past the limit.
        throw new DatasetRejection('TOO_MANY_ROWS', `more than ${limits.maxRows} data rows (DATASET_MAX_ROWS); stopped reading at line ${reader.line}`);
      }
      for (let i = start; i < batch.length; i++) profiler!.addRow(batch[i]);
      rows += batch.length - start;
    }
    if (!header) {
      throw new DatasetRejection(
        'DATASET_EMPTY',
        bytes === 0 ? 'the file is empty (0 bytes)' : `the file holds no CSV records (${bytes} bytes of blank or whitespace-only lines)`,
      );
    }
    if (rows === 0) throw new DatasetRejection('NO_DATA_ROWS', 'line 2: the file has a header line but no data rows', { line: 2 });
    if (rows < limits.minRows) {
      throw new DatasetRejection('TOO_FEW_ROWS', `${rows} data row(s), fewer than the minimum of ${limits.minRows} (DATASET_MIN_ROWS)`);
    }
    const target = profiler!.target(targetIndex);
    const targetName = header[targetIndex].trim();
    if (rows - target.missing === 0) {
      throw new DatasetRejection('TARGET_EMPTY', `column ${targetIndex + 1} ("${targetName}"): the target has no values in ${rows} rows`, {
        column: targetIndex + 1,
        columnName: targetName,
      });
    }
    if (target.task === 'classification' && (target.classes?.length ?? 0) < 2) {
      const only = target.classes?.[0]?.value ?? '';
      throw new DatasetRejection(
        'TARGET_SINGLE_CLASS',
        `column ${targetIndex + 1} ("${targetName}"): the target has a single class "${only}"; classification needs at least 2`,
        { column: targetIndex + 1, columnName: targetName },
      );
    }
    const columnProfiles = profiler!.columns.map((c) => c.profile());
    const problems = trainabilityProblems(
      { target, columnProfiles },
      {
        maxClasses: limits.maxClasses ?? DEFAULT_DATASET_SETTINGS.maxClasses,
        minClassRows: limits.minClassRows ?? DEFAULT_DATASET_SETTINGS.minClassRows,
      },
    );
    const policy = limits.trainabilityPolicy ?? DEFAULT_DATASET_SETTINGS.trainabilityPolicy;
    if (problems.length > 0 && policy === 'reject') throw problems[0];
    const profile: DatasetProfile = {
      rows,
      columns: header.length,
      bytes,
      sha256: hash.digest('hex'),
      delimiter: reader.delimiter ?? ',',
      target,
      columnProfiles,
    };
    return { ok: true, profile, schema: schemaOf(profile), header, warnings: problems };
  } catch (err) {
    let rejection: DatasetRejection;
    if (err instanceof DatasetRejection) rejection = err;
    else if (err instanceof CsvError) rejection = DatasetRejection.fromCsv(err, header ?? reader.header);
    else if (err instanceof TooLarge || tooLarge) {
      rejection = new DatasetRejection('TOO_LARGE', `the file is larger than ${limits.maxBytes} bytes (DATASET_MAX_BYTES)`);
    } else throw err;
    rejected = true;
    if (tooLarge) {
      await iterator.return?.();
      return { ok: false, rejection, bytes, rows };
    }
    // Hash the rest, so that re-uploading the same bad bytes is recognised as the same upload.
    if (opts.hashRejected !== false) {
      try {
        for await (const _ of tap()) void _;
      } catch (e) {
        if (!(e instanceof TooLarge)) throw e;
        await iterator.return?.();
        return { ok: false, rejection, bytes, rows };
      }
      return { ok: false, rejection, bytes, rows, sha256: hash.digest('hex') };
    }
    await iterator.return?.();
    return { ok: false, rejection, bytes, rows };
  }
}
