import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { CsvError, CsvOptions, createCsvReader, parseCsvString, readCsvRows, sniffDelimiter } from '../../src/datasets/csv';

const BANK = path.join(__dirname, '..', '..', 'samples', 'bankmarketing_train.csv');

async function collect(source: AsyncIterable<Buffer | string | Uint8Array>, opts?: CsvOptions): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const r of readCsvRows(source, opts)) rows.push(r);
  return rows;
}

async function* chunksOf(data: Buffer | string, size: number): AsyncGenerator<Buffer | string> {
  for (let i = 0; i < data.length; i += size) yield data.slice(i, i + size);
}

async function csvError(source: AsyncIterable<Buffer | string | Uint8Array>, opts?: CsvOptions): Promise<CsvError> {
  try {
    await collect(source, opts);
  } catch (err) {
    if (err instanceof CsvError) return err;
    throw err;
  }
  throw new Error('expected a CsvError, the input parsed');
}

describe('readCsvRows on the bank marketing file', () => {
  it('streams 32,950 data rows of 21 fields with 11.2% yes from a file stream', async () => {
    const rows: string[][] = [];
    for await (const r of readCsvRows(fs.createReadStream(BANK, { highWaterMark: 16 * 1024 }))) rows.push(r);
    const header = rows[0];
    expect(header).toHaveLength(21);
    expect(header[20]).toBe('y');
    expect(rows.length - 1).toBe(32950);
    expect(rows.every((r) => r.length === 21)).toBe(true);
    const yes = rows.slice(1).filter((r) => r[20] === 'yes').length;
    expect(Math.round((yes / 32950) * 1000) / 10).toBe(11.2);
  });
});

describe('quoting and line endings', () => {
  const tricky =
    '\uFEFFid,text,n\r\n' +
    '1,"hello, world",3\r\n' +
    '2,"say ""hi""",4\r\n' +
    '3,"multi\nline\r\nvalue",5\r\n' +
    '4,,\r\n' +
    '\r\n' +
    '5,"",é€😀\r' +
    '6,plain,7';
  const expected = [
    ['id', 'text', 'n'],
    ['1', 'hello, world', '3'],
    ['2', 'say "hi"', '4'],
    ['3', 'multi\nline\r\nvalue', '5'],
    ['4', '', ''],
    ['5', '', 'é€😀'],
    ['6', 'plain', '7'],
  ];

  it('handles BOM, CRLF, lone CR, quoted delimiters/newlines, escaped quotes, blank lines, no final newline', () => {
    expect(parseCsvString(tricky)).toEqual(expected);
  });

  it('gives the same rows whatever the byte chunking (multi-byte characters split across chunks)', async () => {
    const bytes = Buffer.from(tricky, 'utf8');
    for (const size of [1, 2, 3, 5, 7, 64]) {
      expect(await collect(chunksOf(bytes, size), { sniffChars: 4 })).toEqual(expected);
    }
  });

  it('accepts string chunks as well as bytes', async () => {
    expect(await collect(chunksOf(tricky, 3))).toEqual(expected);
  });

  it('tracks physical line numbers through quoted newlines (a ragged row after them is reported on its line)', async () => {
    const err = await csvError(chunksOf('a,b\n"x\ny",1\n"p\nq\nr",2\n3\n', 4));
    expect(err.code).toBe('CSV_RAGGED_ROW');
    expect(err.line).toBe(7);
    expect(err.column).toBe(2);
  });
});

describe('sniffDelimiter', () => {
  it.each([
    [',', 'a,b,c\n1,2,3\n4,5,6\n'],
    [';', 'a;b;c\n1,5;2,5;3\n4;5;6\n'],
    ['\t', 'a\tb\tc\n"x,y"\t2\t3\n'],
    ['|', 'a|b|c\n1|"2;3"|3\n'],
  ])('detects %j', (d, sample) => {
    expect(sniffDelimiter(sample)).toBe(d);
  });

  it('ignores delimiters inside quotes and falls back to comma for a one-column file', () => {
    expect(sniffDelimiter('"a;b;c"\n"1;2;3"\n')).toBe(',');
    expect(sniffDelimiter('name\nx\ny\n')).toBe(',');
  });

  it('ignores a truncated last line when told the sample is cut', () => {
    expect(sniffDelimiter('a;b\n1;2\n3;4\n5,6,7,8', true)).toBe(';');
  });

  it('is used by the reader and reported', async () => {
    const reader = createCsvReader(chunksOf('a|b\n1|2\n', 3));
    const batches: string[][][] = [];
    for await (const b of reader.batches) batches.push(b);
    expect(batches.flat()).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(reader.delimiter).toBe('|');
    expect(reader.records).toBe(2);
  });
});

describe('errors carry stable codes and positions', () => {
  it('invalid UTF-8: line and column of the bad byte', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,2\n3,x'), Buffer.from([0xff]), Buffer.from('y\n')]);
    const err = await csvError(chunksOf(bytes, 1 << 16));
    expect(err.code).toBe('CSV_INVALID_UTF8');
    expect(err.line).toBe(3);
    expect(err.column).toBe(2);
    expect(err.message).toMatch(/line 3, column 2/);
  });

  it('invalid UTF-8 split across chunk boundaries (lead byte then a non-continuation)', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xe2, 0x82]), Buffer.from('x\n')]);
    for (const size of [1, 2, 7]) {
      const err = await csvError(chunksOf(bytes, size));
      expect(err.code).toBe('CSV_INVALID_UTF8');
      expect(err.line).toBe(2);
    }
  });

  it('input ending inside a multi-byte character is invalid UTF-8', async () => {
    const err = await csvError(chunksOf(Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xf0, 0x9f])]), 2));
    expect(err.code).toBe('CSV_INVALID_UTF8');
  });

  it('overlong encodings and UTF-16 surrogates are rejected', async () => {
    expect((await csvError(chunksOf(Buffer.from([0x61, 0x0a, 0xc0, 0xaf, 0x0a]), 8))).code).toBe('CSV_INVALID_UTF8');
    expect((await csvError(chunksOf(Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80, 0x0a]), 8))).code).toBe('CSV_INVALID_UTF8');
  });

  it('binary content (NUL bytes) is CSV_BINARY, at the start or later in a field', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect((await csvError(chunksOf(png, 1024))).code).toBe('CSV_BINARY');
    const late = Buffer.concat([Buffer.from('a,b\n' + '1,2\n'.repeat(5000)), Buffer.from('3,\u0000\n')]);
    const err = await csvError(chunksOf(late, 1024));
    expect(err.code).toBe('CSV_BINARY');
    expect(err.line).toBe(5002);
    expect(err.column).toBe(2);
  });

  it('unclosed quote at end of file names the line where the field starts', async () => {
    const err = await csvError(chunksOf('a,b\n1,"open\nstill open\n', 5));
    expect(err.code).toBe('CSV_UNCLOSED_QUOTE');
    expect(err.line).toBe(2);
    expect(err.column).toBe(2);
  });

  it('a character after a closing quote is CSV_INVALID_QUOTE', async () => {
    const err = await csvError(chunksOf('a,b\n1,"x"y\n', 64));
    expect(err.code).toBe('CSV_INVALID_QUOTE');
    expect([err.line, err.column]).toEqual([2, 2]);
  });

  it('a quote inside an unquoted field is CSV_STRAY_QUOTE', async () => {
    const err = await csvError(chunksOf('a,b\n1,2\n3,5\'10"\n', 64));
    expect(err.code).toBe('CSV_STRAY_QUOTE');
    expect([err.line, err.column]).toEqual([3, 2]);
  });

  it('ragged rows: too few and too many fields', async () => {
    const few = await csvError(chunksOf('a,b,c\n1,2,3\n4,5\n', 64));
    expect([few.code, few.line, few.column]).toEqual(['CSV_RAGGED_ROW', 3, 3]);
    expect(few.message).toMatch(/expected 3 fields.*found 2/);
    const many = await csvError(chunksOf('a,b\n1,2,3\n', 64));
    expect([many.code, many.line, many.column]).toEqual(['CSV_RAGGED_ROW', 2, 3]);
  });

  it('ragged rows are allowed with strictColumnCount: false', async () => {
    expect(await collect(chunksOf('a,b\n1\n1,2,3\n', 64), { strictColumnCount: false })).toEqual([['a', 'b'], ['1'], ['1', '2', '3']]);
  });

  it('a row using another delimiter than the header is CSV_DELIMITER_MISMATCH', async () => {
    const err = await csvError(chunksOf('a,b,c\n1,2,3\n4;5;6\n', 64));
    expect(err.code).toBe('CSV_DELIMITER_MISMATCH');
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/';'.*','/);
  });

  it('a 10 MB single line is CSV_LINE_TOO_LONG without buffering the whole line', async () => {
    async function* huge(): AsyncGenerator<Buffer> {
      yield Buffer.from('a,b\n1,');
      const block = Buffer.alloc(64 * 1024, 0x78);
      for (let i = 0; i < 160; i++) yield block;
      yield Buffer.from('\n');
    }
    const before = process.memoryUsage().heapUsed;
    const err = await csvError(huge(), { maxLineBytes: 256 * 1024 });
    expect(err.code).toBe('CSV_LINE_TOO_LONG');
    expect(err.line).toBe(2);
    // The reader stopped well before reading the 10 MB: at most a few chunks past the limit were held.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('bad delimiter option is CSV_BAD_OPTION', async () => {
    expect((await csvError(chunksOf('a\n', 4), { delimiter: '"' })).code).toBe('CSV_BAD_OPTION');
  });
});

describe('streaming behaviour', () => {
  it('stops reading the source when the consumer stops early', async () => {
    const stream = Readable.from(
      (function* () {
        yield Buffer.from('a,b\n');
        for (let i = 0; i < 1e6; i++) yield Buffer.from(`${i},${i}\n`);
      })(),
    );
    let n = 0;
    for await (const _ of readCsvRows(stream)) if (++n === 10) break;
    expect(n).toBe(10);
    expect(stream.destroyed).toBe(true);
  });

  it('empty input yields no rows; whitespace-only lines yield no rows', async () => {
    expect(await collect(chunksOf('', 4))).toEqual([]);
    expect(await collect(chunksOf('\n\r\n\n', 4))).toEqual([]);
  });
});

describe('round trip on generated data', () => {
  // Deterministic PRNG so a failure is reproducible.
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  }
  const alphabet = ['a', 'b', '1', ' ', ',', ';', '\t', '|', '"', '\n', '\r\n', 'é', '€', '😀'];

  it('serialized records parse back identically for every delimiter and random chunk sizes', async () => {
    const rand = rng(42);
    for (const delim of [',', ';', '\t', '|']) {
      const cols = 2 + Math.floor(rand() * 5);
      const records: string[][] = [];
      for (let r = 0; r < 60; r++) {
        const rec: string[] = [];
        for (let c = 0; c < cols; c++) {
          let f = r === 0 ? `col${c}` : '';
          const len = r === 0 ? 0 : Math.floor(rand() * 6);
          for (let k = 0; k < len; k++) f += alphabet[Math.floor(rand() * alphabet.length)];
          rec.push(f);
        }
        records.push(rec);
      }
      const text = records.map((rec) => rec.map((f) => (/[",;\t|\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f)).join(delim)).join('\r\n');
      const bytes = Buffer.from(text, 'utf8');
      async function* randomChunks(): AsyncGenerator<Buffer> {
        for (let i = 0; i < bytes.length;) {
          const n = 1 + Math.floor(rand() * 40);
          yield bytes.subarray(i, i + n);
          i += n;
        }
      }
      expect(await collect(randomChunks(), { delimiter: delim })).toEqual(records);
      expect(sniffDelimiter(text)).toBe(delim);
    }
  });
});
