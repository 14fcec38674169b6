/**
 * CSV reader throughput: src/datasets/csv (hand-written state machine) vs csv-parse (the reference),
 * both streaming the bank file from disk, same chunk size, same output (string[] rows).
 * Run: npx tsc -p tsconfig.json && node dist/bench/datasets/csv.bench.js [file] [repeats]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse';
import { readCsvRows, createCsvReader } from '../../src/datasets/csv';

const file = process.argv[2] ?? path.join(__dirname, '..', '..', '..', 'samples', 'bankmarketing_train.csv');
const repeats = Number(process.argv[3] ?? 7);
const CHUNK = 64 * 1024;

async function ours(): Promise<number> {
  let n = 0;
  for await (const _ of readCsvRows(fs.createReadStream(file, { highWaterMark: CHUNK }))) n++;
  return n;
}

async function oursBatches(): Promise<number> {
  let n = 0;
  for await (const b of createCsvReader(fs.createReadStream(file, { highWaterMark: CHUNK })).batches) n += b.length;
  return n;
}

async function csvParse(): Promise<number> {
  let n = 0;
  const parser = fs.createReadStream(file, { highWaterMark: CHUNK }).pipe(parse({ bom: true, delimiter: ',', skip_empty_lines: true }));
  for await (const _ of parser) n++;
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(name: string, fn: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  let rows = 0;
  await fn(); // warm-up
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    rows = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const ms = median(times);
  const mb = fs.statSync(file).size / 1e6;
  console.log(`${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  ${(mb / (ms / 1000)).toFixed(1).padStart(6)} MB/s  rows=${rows}`);
  return ms;
}

async function main(): Promise<void> {
  console.log(`file: ${path.basename(file)} (${(fs.statSync(file).size / 1e6).toFixed(2)} MB), median of ${repeats}`);
  const ref = await measure('csv-parse 6 (reference)', csvParse);
  const a = await measure('readCsvRows', ours);
  const b = await measure('createCsvReader batches', oursBatches);
  console.log(`speed-up vs csv-parse: rows ${(ref / a).toFixed(2)}x, batches ${(ref / b).toFixed(2)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
