/**
 * `npm run demo [-- --exit] [--file CSV] [--target COLUMN] [--name NAME] [--budget S]`: starts the local stack (as
 * `npm start` does), drops the sample bank marketing file into the `datasets` container, follows the
 * training run live, then prints the leaderboard, the decision, the benchmark, a scoring call (with its
 * curl equivalent) and the Swagger UI URL. Keeps running until Ctrl-C, or stops the stack with --exit.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { connectionStringFor } from '../storage/devStorage';
import { MlopsClient } from '../client/api';
import { benchmarkTable, decisionText, leaderboard, progressLine } from '../client/format';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const READY = /MLOPS_HOST_READY (\{.*\})/;

function localValues(): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'local.settings.json'), 'utf8')).Values ?? {};
  } catch {
    return {};
  }
}

/** The storage the stack uses, decided as `npm start` decides it (env wins over local.settings.json). */
function storageConnection(): string {
  const values = localValues();
  const get = (n: string) => process.env[n] ?? values[n];
  const configured = get('AzureWebJobsStorage');
  if (configured && !/UseDevelopmentStorage=true/i.test(configured)) return configured;
  const port = (n: string, d: number) => Number(get(n) || d);
  return connectionStringFor(port('AZURITE_BLOB_PORT', 10000), port('AZURITE_QUEUE_PORT', 10001), port('AZURITE_TABLE_PORT', 10002));
}

/** The `score` function's own key: what a scoring client should get (it opens no other route). */
async function scoreKey(conn: string, hostId: string): Promise<string> {
  const blob = BlobServiceClient.fromConnectionString(conn).getContainerClient('azure-webjobs-secrets').getBlobClient(`${hostId}/score.json`);
  const doc = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as { keys: { name: string; value: string }[] };
  return doc.keys.find((k) => k.name === 'default')!.value;
}

async function hostKey(conn: string, hostId: string): Promise<string> {
  const blob = BlobServiceClient.fromConnectionString(conn).getContainerClient('azure-webjobs-secrets').getBlobClient(`${hostId}/host.json`);
  const doc = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as { functionKeys: { name: string; value: string }[] };
  return doc.functionKeys.find((k) => k.name === 'default')!.value;
}

const say = (s = '') => process.stdout.write(s + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function main(argv: string[]): Promise<number> {
  const usage =
    'usage: npm run demo -- [--exit] [--file CSV] [--target COLUMN] [--name DATASET] [--budget SECONDS]\n' +
    '  --file    a CSV with a header row (default samples/bankmarketing_train.csv)\n' +
    '  --target  the column to predict, sent as blob metadata `target` (default: DEFAULT_TARGET_COLUMN, y)\n' +
    '  --name    the dataset name (default: bank for the sample, else the file name)\n' +
    '  --budget  AutoML time budget in seconds (default AUTOML_BUDGET_SECONDS, 60)\n' +
    '  --exit    stop the stack at the end (exit 0 when a model serves predictions)';
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        exit: { type: 'boolean', default: false },
        file: { type: 'string' },
        target: { type: 'string' },
        name: { type: 'string' },
        budget: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message.split('. ')[0]}\n${usage}\n`);
    return 2;
  }
  const opts = {
    ...parsed.values,
    file: parsed.values.file ?? path.join(ROOT, 'samples', 'bankmarketing_train.csv'),
    name: parsed.values.name ?? (parsed.values.file ? path.basename(parsed.values.file).replace(/\.[^.]*$/, '') : 'bank'),
  };
  if (opts.help) {
    say(usage);
    return 0;
  }
  if (opts.budget !== undefined && !(Number(opts.budget) >= 1)) {
    process.stderr.write(`demo: --budget must be a number of seconds >= 1\n`);
    return 2;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(opts.name)) {
    process.stderr.write(`demo: "${opts.name}" is not a valid dataset name (letters, digits, . _ -): pass --name\n`);
    return 2;
  }
  if (!fs.existsSync(opts.file!)) {
    process.stderr.write(`demo: no such file ${opts.file}\n`);
    return 2;
  }
  // The stack's own local folder (MLOPS_LOCAL_DIR, as npm start decides it) holds the log too.
  const logFile = path.resolve(ROOT, process.env.MLOPS_LOCAL_DIR ?? localValues().MLOPS_LOCAL_DIR ?? '.local', 'demo-host.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  // Host logs can name URLs with keys: readable by this user only.
  const log = fs.createWriteStream(logFile, { flags: 'a', mode: 0o600 });
  const env = { ...process.env };
  if (opts.budget) env.AUTOML_BUDGET_SECONDS = opts.budget;

  say(`Starting the local stack (Azurite + embedded Functions host); host logs go to ${path.relative(ROOT, logFile) || logFile} ...`);
  const stack: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (stack.exitCode === null && stack.signalCode === null) {
      const gone = new Promise((r) => stack.once('exit', r));
      stack.kill('SIGINT');
      await gone;
    }
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(0)));

  const info = await new Promise<{ baseUrl: string; hostId: string }>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      log.write(d);
      buf += d.toString('utf8');
      const m = READY.exec(buf);
      if (m) {
        stack.stdout!.off('data', onData);
        stack.stdout!.on('data', (x: Buffer) => log.write(x));
        resolve(JSON.parse(m[1]));
      }
    };
    stack.stdout!.on('data', onData);
    stack.stderr!.on('data', (d: Buffer) => log.write(d));
    stack.once('exit', (code) => reject(new Error(`the stack exited (code ${code}) before it was ready; see ${logFile}`)));
    setTimeout(() => reject(new Error(`the stack was not ready within 180 s; see ${logFile}`)), 180000).unref();
  }).catch((err: Error) => err);
  if (info instanceof Error) {
    process.stderr.write(`demo: ${info.message}\n`);
    await stop();
    return 1;
  }
  say(`Host ready at ${info.baseUrl}`);

  let ok = false;
  try {
    const conn = storageConnection();
    const key = await hostKey(conn, info.hostId);
    const api = new MlopsClient(info.baseUrl, key);
    const bytes = fs.readFileSync(opts.file!);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const blobName = `${opts.name}.csv`;
    const datasets = BlobServiceClient.fromConnectionString(conn).getContainerClient('datasets');
    await datasets.createIfNotExists();
    await datasets.getBlockBlobClient(blobName).uploadData(bytes, {
      blobHTTPHeaders: { blobContentType: 'text/csv' },
      metadata: opts.target ? { target: opts.target } : undefined,
    });
    say(`Uploaded ${path.basename(opts.file!)} (${bytes.length} bytes) to datasets/${blobName}; waiting for registration ...`);

    let version: any;
    for (let i = 0; i < 300 && !version?.runId; i++) {
      const r = await api.request('GET', `/api/datasets/${encodeURIComponent(opts.name!)}`);
      if (r.status === 200) version = r.body.versions?.find((v: any) => v.sha256 === sha);
      if (version?.status === 'rejected') {
        say(`Dataset rejected: ${version.reason?.code}: ${version.reason?.message}`);
        if (version.reason?.code === 'TARGET_MISSING') say('Name the column to predict: npm run demo -- --file FILE --target COLUMN');
        return 1;
      }
      if (!version?.runId) await sleep(500);
    }
    if (!version?.runId) throw new Error('the dataset was not registered within 150 s');
    say(`Registered ${opts.name} v${version.version}: ${version.rows} rows, ${version.columns} columns. Training run: ${version.runId}`);

    let run: any;
    let last = '';
    for (;;) {
      run = await api.get(`/api/runs/${version.runId}`);
      const line = progressLine(run);
      // On a terminal the progress line is redrawn in place; in a log, each change is a new line.
      if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K  ${line}`);
      else if (line.replace(/ \d+s$/, '') !== last) say('  ' + line);
      last = line.replace(/ \d+s$/, '');
      if (['Completed', 'Failed', 'Terminated'].includes(run.runtimeStatus)) break;
      await sleep(1000);
    }
    if (process.stdout.isTTY) say('  ' + progressLine(run));
    say();
    if (run.runtimeStatus !== 'Completed') {
      say(`Run ${run.runId} ${run.runtimeStatus}: ${run.error?.code ?? ''} ${run.error?.message ?? JSON.stringify(run.output ?? '')}`);
      return 1;
    }
    say('Leaderboard (cross-validated):');
    say(leaderboard(run));
    say();
    say(`Decision: ${decisionText(run)}`);
    say();
    say('Benchmark (autocannon, ab-style settings):');
    say(benchmarkTable(run));
    say();

    // One data row of the file as the example (the first line the schema accepts is the simplest pick).
    const sample = fs.readFileSync(opts.file!, 'utf8').split(/\r?\n/, 3);
    const delimiter = [',', ';', '\t', '|'].sort((a, b) => sample[0].split(b).length - sample[0].split(a).length)[0];
    const header = sample[0].split(delimiter);
    const cells = sample[1].split(delimiter);
    const row: Record<string, string | number> = {};
    header.forEach((h, i) => {
      if (h === (version.target ?? opts.target ?? 'y')) return;
      const n = Number(cells[i]);
      row[h] = cells[i] !== '' && Number.isFinite(n) ? n : cells[i];
    });
    const body = { data: [row] };
    const clientKey = await scoreKey(conn, info.hostId);
    const scored = await new MlopsClient(info.baseUrl, clientKey).post('/api/score', body);
    const served = scored.headers.get('x-model-name') ? ` (model ${scored.headers.get('x-model-name')} v${scored.headers.get('x-model-version')})` : '';
    say(`Scoring call: POST ${info.baseUrl}/api/score -> ${scored.status} ${JSON.stringify(scored.body)}${served}`);
    say("The same call with curl, with the score function's own key (it opens /api/score only):");
    say(`  export SCORE_KEY=${clientKey}`);
    say(
      `  curl -s -w '\\n' -X POST '${info.baseUrl}/api/score' -H "x-functions-key: $SCORE_KEY" -H 'content-type: application/json' -d '${JSON.stringify(body)}'`,
    );
    say();
    say(`Swagger UI:  ${info.baseUrl}/api/docs   (spec: ${info.baseUrl}/api/swagger.json)`);
    say(`Dashboard:   ${info.baseUrl}/api/dashboard   (enter the host function key: npx mlops keys)`);
    say(`This model's own route: POST ${info.baseUrl}/api/models/${opts.name}/score (key: npx mlops keys --function scoreModel)`);
    ok = scored.status === 200;
    if (!opts.exit) {
      say('\nThe stack keeps running; Ctrl-C stops it.');
      await new Promise(() => undefined);
    }
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n`);
  } finally {
    if (opts.exit || !ok) await stop();
  }
  return ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
