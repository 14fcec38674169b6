/**
 * Uploads that are not UTF-8 CSV text, or hold no records: the rejection says what the file is.
 * UTF-16 (Excel's "Unicode text") names its encoding instead of "NUL byte ... binary"; a file of only
 * whitespace lines is DATASET_EMPTY, as documented.
 */
import { analyzeDataset } from '../../src/datasets/analyze';
import { detectForeignEncoding } from '../../src/datasets/encoding';
import { DEFAULT_DATASET_SETTINGS } from '../../src/datasets/settings';

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}
const text = 'a,b,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2 ? 'yes' : 'no'}`).join('\n') + '\n';
const analyze = (b: Buffer) => analyzeDataset(once(b), { target: 'y', limits: DEFAULT_DATASET_SETTINGS });

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
}

describe('encodings other than UTF-8', () => {
  test.each([
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'UTF-16LE', 'byte-order mark'],
    ['UTF-16LE without BOM', Buffer.from(text, 'utf16le'), 'UTF-16LE', 'NUL bytes between ASCII characters'],
    ['UTF-16BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]), 'UTF-16BE', 'byte-order mark'],
    ['UTF-16BE without BOM', utf16be(text), 'UTF-16BE', 'NUL bytes'],
    ['UTF-32LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('a\0\0\0', 'latin1')]), 'UTF-32LE', 'byte-order mark'],
  ])('%s is CSV_UNSUPPORTED_ENCODING naming the encoding', async (_label, bytes, encoding, how) => {
    const r = await analyze(bytes);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejection.code).toBe('CSV_UNSUPPORTED_ENCODING');
    expect(r.rejection.message).toContain(`${encoding} encoded`);
    expect(r.rejection.message).toContain(how);
    expect(r.rejection.message).not.toMatch(/binary/);
  });

  test('real binary content is still CSV_BINARY, and UTF-8 text is not taken for UTF-16', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0]);
    const r = await analyze(png);
    expect(!r.ok && r.rejection.code).toBe('CSV_BINARY');
    expect(detectForeignEncoding(Buffer.from(text))).toBeUndefined();
    expect(detectForeignEncoding(Buffer.from('é,ü\n1,2\n'))).toBeUndefined();
    expect((await analyze(Buffer.from(text))).ok).toBe(true);
  });
});

describe('files without records', () => {
  test.each([
    ['spaces and tabs only', ' \n\t\n   \n'],
    ['CRLF whitespace lines', '  \r\n \t \r\n'],
    ['one line of spaces without newline', '     '],
  ])('%s is DATASET_EMPTY', async (_label, content) => {
    const r = await analyze(Buffer.from(content));
    expect(!r.ok && r.rejection.code).toBe('DATASET_EMPTY');
    expect(!r.ok && r.rejection.message).toMatch(/whitespace-only/);
  });

  test('a header with an empty name between others keeps its column', async () => {
    const r = await analyze(Buffer.from(text.replace('a,b,y', 'a,,y')));
    expect(!r.ok && r.rejection).toMatchObject({ code: 'HEADER_EMPTY_NAME', line: 1, column: 2 });
  });
});
