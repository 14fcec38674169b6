/**
 * Registration time and peak memory, beside the file size and a reference measured in the same run
 * (downloading + hashing the same blob: the floor for any single-pass registration).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/datasets/register.bench.js [rows,rows=100000,1000000]
 *
 * Each measurement runs in a fresh child process so that resourceUsage().maxRSS is the peak of that
 * registration alone. A private Azurite is started and removed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../../src/host/azurite';
import { registerDataset } from '../../src/datasets/register';
import { DEFAULT_DATASET_SETTINGS, SnapshotMode } from '../../src/datasets/settings';

const BANK = path.join(__dirname, '..', '..', '..', 'samples', 'bankmarketing_train.csv');
const MB = 1024 * 1024;

interface ChildReport {
  ms: number;
  maxRssMB: number;
  peakHeapMB: number;
  /** Peak of Buffers/ArrayBuffers outside the JS heap (sockets, stream chunks, upload blocks). */
  peakExternalMB: number;
  peakRssSampledMB: number;
  baselineRssMB: number;
  outcome?: string;
  rows?: number | null;
  timings?: Record<string, number>;
}

/** Child mode: `--child conn blobName mode|hash`: one registration (or the hash reference), then report. */
async function child(conn: string, blobName: string, what: string): Promise<void> {
  const baselineRssMB = process.memoryUsage().rss / MB;
  let peakHeap = 0;
  let peakExternal = 0;
  let peakRss = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, 20);
  const t0 = process.hrtime.bigint();
  let report: Partial<ChildReport> = {};
  if (what === 'hash') {
    const dl = await BlobServiceClient.fromConnectionString(conn).getContainerClient('datasets').getBlobClient(blobName).download();
    const h = createHash('sha256');
    for await (const c of dl.readableStreamBody as AsyncIterable<Buffer>) h.update(c);
    h.digest('hex');
  } else {
    const r = await registerDataset({ blobName }, { connectionString: conn, settings: { ...DEFAULT_DATASET_SETTINGS, snapshotMode: what as SnapshotMode } });
    report = { outcome: r.outcome, rows: r.dataset.rows, timings: r.timings };
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(sampler);
  sample();
  const out: ChildReport = {
    ms,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    peakHeapMB: peakHeap / MB,
    peakExternalMB: peakExternal / MB,
    peakRssSampledMB: peakRss / MB,
    baselineRssMB,
    ...report,
  };
  process.stdout.write(`REPORT ${JSON.stringify(out)}\n`);
}

function runChild(conn: string, blobName: string, what: string): ChildReport {
  const r = spawnSync(process.execPath, [__filename, '--child', conn, blobName, what], { encoding: 'utf8', maxBuffer: 16 * MB });
  const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  if (!line) throw new Error(`child failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as ChildReport;
}

/** A bank-like file of n rows streamed (never held in memory): bank rows cycled, `duration` made unique. */
function generated(n: number): Readable {
  const lines = fs.readFileSync(BANK, 'utf8').trimEnd().split('\n');
  const header = lines[0];
  const rows = lines.slice(1).map((l) => l.split(','));
  let i = 0;
  return new Readable({
    read() {
      if (i === 0) this.push(header + '\n');
      let chunk = '';
      for (let k = 0; k < 5000 && i < n; k++, i++) {
        const r = rows[i % rows.length].slice();
        r[10] = String(i); // duration: unique values, exercises the distinct cap + HyperLogLog
        chunk += r.join(',') + '\n';
      }
      if (chunk) this.push(chunk);
      if (i >= n) this.push(null);
    },
  });
}

function fmt(label: string, sizeMB: number, r: ChildReport, ref?: ChildReport): string {
  const mbps = sizeMB / (r.ms / 1000);
  const vs = ref ? `  (${(r.ms / ref.ms).toFixed(2)}x the reference)` : '';
  return (
    `${label.padEnd(34)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${mbps.toFixed(1).padStart(6)} MB/s  ` +
    `maxRSS ${r.maxRssMB.toFixed(0).padStart(4)} MB (at start ${r.baselineRssMB.toFixed(0)}), peak heap ${r.peakHeapMB.toFixed(0)} MB, external ${r.peakExternalMB.toFixed(0)} MB${vs}` +
    (r.timings ? `\n${''.padEnd(36)}phases ms ${JSON.stringify(r.timings)}` : '')
  );
}

async function main(): Promise<void> {
  const rowCounts = (process.argv[2] ?? '100000,1000000').split(',').map(Number);
  const location = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-azurite-'));
  const az = await startAzurite({ location });
  try {
    const drop = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
    await drop.createIfNotExists();
    console.log(`node ${process.version}, ${os.cpus().length} cpus; Azurite on local disk; each figure from a fresh child process`);

    await drop.getBlockBlobClient('bank.csv').uploadFile(BANK);
    const bankMB = fs.statSync(BANK).size / MB;
    console.log(`\nbank file: ${bankMB.toFixed(2)} MB, 32,950 rows`);
    const bankRef = runChild(az.connectionString, 'bank.csv', 'hash');
    console.log(fmt('reference: download + sha256', bankMB, bankRef));
    console.log(fmt('registration (stage-copy)', bankMB, runChild(az.connectionString, 'bank.csv', 'stage-copy'), bankRef));
    await drop.getBlockBlobClient('bank2.csv').uploadFile(BANK);
    console.log(fmt('registration (two-pass)', bankMB, runChild(az.connectionString, 'bank2.csv', 'two-pass'), bankRef));

    // Several sizes: peak memory must stay flat while the file grows (bounded, not proportional).
    const summary: string[] = [];
    for (const n of rowCounts) {
      const t0 = Date.now();
      const big = `big-${n}.csv`;
      const big2 = `big2-${n}.csv`;
      await drop.getBlockBlobClient(big).uploadStream(generated(n), 8 * MB, 2);
      await drop.getBlockBlobClient(big2).uploadStream(generated(n), 8 * MB, 2);
      const bigMB = (await drop.getBlobClient(big).getProperties()).contentLength! / MB;
      console.log(`\ngenerated file: ${n.toLocaleString('en-US')} rows, ${bigMB.toFixed(1)} MB (2 uploads ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      const ref = runChild(az.connectionString, big, 'hash');
      console.log(fmt('reference: download + sha256', bigMB, ref));
      const stage = runChild(az.connectionString, big, 'stage-copy');
      console.log(fmt('registration (stage-copy)', bigMB, stage, ref));
      const two = runChild(az.connectionString, big2, 'two-pass');
      console.log(fmt('registration (two-pass)', bigMB, two, ref));
      if (stage.rows !== n || two.rows !== n) throw new Error(`row counts differ: ${stage.rows}, ${two.rows} vs ${n}`);
      summary.push(
        `${n.toLocaleString('en-US').padStart(10)} rows ${bigMB.toFixed(1).padStart(7)} MB: stage-copy ${(stage.ms / 1000).toFixed(2)} s, maxRSS ${stage.maxRssMB.toFixed(0)} MB ` +
          `(+${(stage.maxRssMB - stage.baselineRssMB).toFixed(0)} MB over start = ${(((stage.maxRssMB - stage.baselineRssMB) / bigMB) * 100).toFixed(0)}% of the file); ` +
          `two-pass ${(two.ms / 1000).toFixed(2)} s, maxRSS ${two.maxRssMB.toFixed(0)} MB`,
      );
    }
    console.log(`\nsummary (bounded memory: the growth over the process start must not follow the file size)\n${summary.join('\n')}`);
  } finally {
    await az.stop();
    fs.rmSync(location, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4], process.argv[5]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
