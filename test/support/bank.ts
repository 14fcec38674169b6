/**
 * The project's sample (samples/bankmarketing_train.csv, target `y`) cut into pieces for end-to-end
 * tests: row slices as CSV text, slices with permuted labels (a model trained on them learns nothing),
 * and single rows as scoring request objects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const BANK_SAMPLE = path.resolve(__dirname, '../../samples/bankmarketing_train.csv');
const lines = fs.readFileSync(BANK_SAMPLE, 'utf8').trimEnd().split('\n');
export const BANK_HEADER = lines[0];
const names = BANK_HEADER.split(',');
const yIndex = names.indexOf('y');

/** `count` data rows starting at data row `from` (0-based), as CSV lines without the header. */
export function bankRows(from: number, count: number): string[] {
  return lines.slice(1 + from, 1 + from + count);
}

/** CSV text: the header, then `rows`. */
export function bankCsvOf(rows: string[]): string {
  return [BANK_HEADER, ...rows].join('\n') + '\n';
}

/** The same rows with their labels permuted by a seeded linear congruential generator. */
export function shuffledLabels(rows: string[], seed: number): string[] {
  const cells = rows.map((r) => r.split(','));
  const ys = cells.map((c) => c[yIndex]);
  let s = seed;
  for (let i = ys.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [ys[i], ys[j]] = [ys[j], ys[i]];
  }
  return cells.map((c, i) => ((c[yIndex] = ys[i]), c.join(',')));
}

/** `count` rows from `from` as CSV text; with `shuffleSeed`, their labels permuted. */
export function bankCsv(from: number, count: number, shuffleSeed?: number): string {
  const rows = bankRows(from, count);
  return bankCsvOf(shuffleSeed === undefined ? rows : shuffledLabels(rows, shuffleSeed));
}

/** Data row `i` as a scoring row: every column but `y`, numbers as numbers. */
export function bankRow(i: number): Record<string, string | number> {
  const cells = lines[1 + i].split(',');
  const out: Record<string, string | number> = {};
  names.forEach((n, j) => {
    if (n === 'y') return;
    const v = Number(cells[j]);
    out[n] = Number.isFinite(v) && cells[j] !== '' ? v : cells[j];
  });
  return out;
}
