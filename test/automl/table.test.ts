import { AutoMLError } from '../../src/automl/errors';
import { cellString, getColumn, parseNumber, selectRows, tableFromRecords, tableFromRows } from '../../src/automl/table';

async function* asyncRows(rows: string[][]) {
  for (const r of rows) yield r;
}

describe('columnar table', () => {
  test('parses numbers strictly and keeps text through a dictionary', async () => {
    const t = await tableFromRows(
      asyncRows([
        ['a', 'b'],
        ['1.5', 'x'],
        ['', 'y'],
        ['NA', 'x'],
        ['2e3', ''],
      ]),
    );
    expect(t.nRows).toBe(4);
    const a = getColumn(t, 'a');
    expect(Array.from(a.numeric)).toEqual([1.5, NaN, NaN, 2000]);
    expect(a.missing).toBe(2);
    expect(a.nonNumeric).toBe(0);
    const b = getColumn(t, 'b');
    expect(b.nonNumeric).toBe(3);
    expect([0, 1, 2, 3].map((i) => cellString(b, i))).toEqual(['x', 'y', 'x', '']);
    expect(parseNumber('0x10')).toBeNaN();
    expect(parseNumber(' 7 ')).toBe(7);
  });

  test('a ragged row is an error naming its line', async () => {
    await expect(tableFromRows([['a', 'b'], ['1', '2'], ['3']])).rejects.toMatchObject({ code: 'BAD_ROW', message: expect.stringContaining('line 3') });
  });

  test('empty input and duplicate header names are errors', async () => {
    await expect(tableFromRows([])).rejects.toBeInstanceOf(AutoMLError);
    await expect(
      tableFromRows([
        ['a', 'a'],
        ['1', '2'],
      ]),
    ).rejects.toMatchObject({ code: 'BAD_ROW' });
  });

  test('a numeric column with many distinct values drops its dictionary; late text rebuilds it', async () => {
    const rows: string[][] = [['v']];
    for (let i = 0; i < 3000; i++) rows.push([String(i * 1.5)]);
    rows.push(['oops']);
    const t = await tableFromRows(rows);
    const v = getColumn(t, 'v');
    expect(v.nonNumeric).toBe(1);
    expect(v.codes).not.toBeNull();
    expect(cellString(v, 2)).toBe('3');
  });

  test('records and row selection', async () => {
    const t = await tableFromRecords([{ a: 1, b: 'u' }, { a: null, b: 'v' }, { a: 3 }]);
    const s = selectRows(t, [2, 0, 1]);
    expect(Array.from(getColumn(s, 'a').numeric)).toEqual([3, 1, NaN]);
    expect(getColumn(s, 'a').missing).toBe(1);
    expect(getColumn(s, 'b').missing).toBe(1);
    expect(getColumn(s, 'b').nonNumeric).toBe(2);
    expect([0, 1, 2].map((i) => cellString(getColumn(s, 'b'), i))).toEqual(['', 'u', 'v']);
  });
});
