/**
 * Pipeline benchmark: the full bank marketing file dropped into `datasets` on a fresh local stack
 * (Azurite + embedded host running the real app, default settings: 60 s AutoML budget), timed from
 * upload to promoted champion, beside the reference of Azure AutoML (20+ minutes for the AutoML step
 * alone in the classic exercise). Then the pipeline's own benchmark figures, and the proxy's throughput
 * beside a bare Node HTTP server returning the same JSON, measured in the same run (ratio).
 *
 * Run: npx tsc -p tsconfig.json && node dist/bench/pipeline/run.js [--budget 60] [--requests 1000] [--concurrency 10]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startBaselineServer } from '../../src/benchmark/baseline';
import { abReport } from '../../src/benchmark/report';
import { runBenchmark } from '../../src/benchmark/runner';
import { MlopsClient } from '../../src/client/api';
import { benchmarkTable, decisionText, leaderboard } from '../../src/client/format';
import { freePort, startAzurite } from '../../src/host/azurite';

const root = path.resolve(__dirname, '..', '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const budget = opt('budget', '60');
  const requests = Number(opt('requests', '1000'));
  const concurrency = Number(opt('concurrency', '10'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-pipeline-'));
  const az = await startAzurite({ location: dir });
  const port = await freePort();
  const host = spawn(
    process.execPath,
    [path.join(root, 'dist', 'src', 'host', 'cli.js'), '--app', root, '--port', String(port), '--storage', az.connectionString],
    {
      cwd: root,
      env: { ...process.env, AUTOML_BUDGET_SECONDS: budget, MLOPS_BLOB_SCAN_INTERVAL_MS: '500', AzureWebJobsStorage: az.connectionString },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Buffer[] = [];
  host.stderr!.on('data', (d: Buffer) => logs.push(d));
  const info = await new Promise<{ baseUrl: string; hostId: string }>((resolve, reject) => {
    let buf = '';
    host.stdout!.on('data', (d: Buffer) => {
      logs.push(d);
      buf += d.toString('utf8');
      const m = /MLOPS_HOST_READY (\{.*\})/.exec(buf);
      if (m) resolve(JSON.parse(m[1]));
    });
    host.once('exit', (c) => reject(new Error(`host exited (${c})`)));
  });
  try {
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    const secrets = JSON.parse(
      (await blobs.getContainerClient('azure-webjobs-secrets').getBlobClient(`${info.hostId}/host.json`).downloadToBuffer()).toString(),
    );
    const key: string = secrets.functionKeys[0].value;
    const api = new MlopsClient(info.baseUrl, key);
    const bytes = fs.readFileSync(path.join(root, 'samples', 'bankmarketing_train.csv'));
    const datasets = blobs.getContainerClient('datasets');
    await datasets.createIfNotExists();

    const t0 = Date.now();
    await datasets.getBlockBlobClient('bank.csv').uploadData(bytes);
    let registeredAt = 0;
    let run: any;
    for (;;) {
      const r = await api.request('GET', '/api/runs/train-bank-v1');
      if (r.status === 200) {
        run = r.body;
        if (!registeredAt) registeredAt = Date.now();
        if (['Completed', 'Failed', 'Terminated'].includes(run.runtimeStatus)) break;
      }
      await sleep(250);
    }
    const total = (Date.now() - t0) / 1000;
    const phases: { phase: string; at: string }[] = run.phases ?? [];
    const at = (p: string) => Date.parse(phases.find((x) => x.phase === p)?.at ?? '') / 1000;

    console.log(`\n== Pipeline on the full bank file (${bytes.length} bytes, AutoML budget ${budget} s) ==`);
    console.log(`run ${run.runId}: ${run.runtimeStatus}; ${decisionText(run)}`);
    console.log(`upload -> run started:            ${((registeredAt - t0) / 1000).toFixed(1)} s`);
    console.log(`AutoML (submit -> registered):    ${(at('register') - at('automl')).toFixed(1)} s   (reference: Azure AutoML 20+ min for this step)`);
    console.log(`deploy + benchmark + decide:      ${(at('completed') - at('deploy')).toFixed(1)} s`);
    console.log(`upload -> ${run.decision?.promoted ? 'promoted champion' : 'decision'}:       ${total.toFixed(1)} s   (target: < 180 s)`);
    console.log(`\nleaderboard:\n${leaderboard(run)}`);
    console.log(`\npipeline benchmark (stored with the run):\n${benchmarkTable(run)}`);

    // Proxy vs a bare Node server answering the same JSON, same load, same run.
    const body = JSON.stringify({ data: [sampleRow(bytes.toString('utf8'))] });
    const probe = await api.request('POST', '/api/score', JSON.parse(body));
    const baseline = await startBaselineServer(JSON.stringify(probe.body));
    const load = { method: 'POST' as const, body, requests, concurrency, warmupRequests: 50 };
    const bare = await runBenchmark({ ...load, url: baseline.url, headers: { 'content-type': 'application/json' } });
    const proxy = await runBenchmark({ ...load, url: `${info.baseUrl}/api/score`, headers: { 'content-type': 'application/json', 'x-functions-key': key } });
    await baseline.close();
    console.log(`\n== Proxy /api/score vs a bare Node HTTP server returning the same JSON (${requests} requests, concurrency ${concurrency}) ==`);
    console.log(abReport(proxy, 'proxy /api/score'));
    console.log(abReport(bare, 'bare node:http server'));
    console.log(
      `throughput: proxy ${proxy.requestsPerSec.toFixed(0)} req/s, bare ${bare.requestsPerSec.toFixed(0)} req/s, ratio ${(proxy.requestsPerSec / bare.requestsPerSec).toFixed(3)}`,
    );
    console.log(`p95: proxy ${proxy.latencyMs.p95.toFixed(2)} ms, bare ${bare.latencyMs.p95.toFixed(2)} ms`);
  } finally {
    host.kill('SIGTERM');
    await new Promise((r) => host.once('exit', r));
    await az.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    if (process.env.BENCH_LOGS) fs.writeFileSync(process.env.BENCH_LOGS, Buffer.concat(logs));
  }
}

function sampleRow(csv: string): Record<string, string | number> {
  const [head, first] = csv.split(/\r?\n/, 2);
  const names = head.split(',');
  const cells = first.split(',');
  const row: Record<string, string | number> = {};
  names.forEach((n, i) => {
    if (n === 'y') return;
    const v = Number(cells[i]);
    row[n] = cells[i] !== '' && Number.isFinite(v) ? v : cells[i];
  });
  return row;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
