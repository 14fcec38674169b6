#!/usr/bin/env node
// `npm run azure:smoke [-- --dry-run]`: the first-deploy smoke test, run from a shell in an azd
// environment after `azd up`. It uploads samples/bankmarketing_train.csv to the deployed `datasets`
// container (Entra ID: the developer's `az login` / azd credential, which infra/ gives Blob Data
// Owner), follows the run the upload starts through training, deployment, benchmark and decision,
// scores one row through POST /api/score, and prints the figures (phase times, metric, benchmark,
// decision, scoring latency).
//
// Values come from `azd env get-values` (or the environment): SERVICE_API_URI,
// AZURE_STORAGE_ACCOUNT_NAME, DATASETS_CONTAINER_NAME, AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME.
// The function key comes from MLOPS_KEY or `az functionapp keys list`; it is never printed.
// Exit codes: 0 the model was promoted and scored; 1 the run failed, was not promoted, or scoring
// failed; 2 usage, or not in an azd environment; 3 timeout.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const SAMPLE = path.join(ROOT, 'samples', 'bankmarketing_train.csv');
const NEEDED = ['SERVICE_API_URI', 'AZURE_STORAGE_ACCOUNT_NAME', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME'];
const USAGE = `usage: node scripts/azure-smoke.js [--dry-run] [--name NAME] [--timeout-minutes N] [--help]

First-deploy smoke test in an azd environment (after \`azd up\`): uploads the bank marketing sample
to the deployed datasets container, follows the run to its decision, scores one row through
/api/score and prints the figures.

  --dry-run            print what would be done with which values, contact nothing
  --name NAME          dataset name (default smoke-<UTC timestamp>; the run is train-NAME-v1)
  --timeout-minutes N  give up after N minutes (default 90: Azure AutoML takes 20+ minutes,
                       a managed online deployment about 10)
  --help               this text

Reads SERVICE_API_URI, AZURE_STORAGE_ACCOUNT_NAME, DATASETS_CONTAINER_NAME, AZURE_RESOURCE_GROUP and
AZURE_FUNCTION_APP_NAME from \`azd env get-values\` (or the environment); the function key from
MLOPS_KEY or \`az functionapp keys list\`. Exit 0 promoted and scored, 1 failed or not promoted,
2 usage or no azd environment, 3 timeout.`;

function parseArgs(argv) {
  const opts = { dryRun: false, help: false, name: undefined, timeoutMinutes: 90 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dry-run') opts.dryRun = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a === '--name') opts.name = argv[++i];
    else if (a === '--timeout-minutes') opts.timeoutMinutes = Number(argv[++i]);
    else throw new Error(`unknown argument '${a}'`);
  }
  if (opts.name !== undefined && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(opts.name))
    throw new Error('--name: lowercase letters, digits and -, at most 63 characters');
  if (!(opts.timeoutMinutes > 0)) throw new Error('--timeout-minutes: a positive number');
  return opts;
}

/** azd's values (KEY="value" lines), under the environment's own (the environment wins). */
function azdValues() {
  const r = spawnSync('azd', ['env', 'get-values'], { encoding: 'utf8' });
  const values = {};
  if (r.status === 0) {
    for (const line of r.stdout.split('\n')) {
      const m = /^([A-Z0-9_]+)="?(.*?)"?$/.exec(line.trim());
      if (m) values[m[1]] = m[2];
    }
  }
  return { values, azd: r.status === 0 };
}

function settings() {
  const { values, azd } = azdValues();
  const env = { ...values };
  for (const k of [...NEEDED, 'DATASETS_CONTAINER_NAME', 'MLOPS_KEY']) if (process.env[k]) env[k] = process.env[k];
  const missing = NEEDED.filter((k) => !env[k]);
  return { env, azd, missing };
}

function functionKey(env) {
  if (process.env.MLOPS_KEY) return process.env.MLOPS_KEY;
  const r = spawnSync(
    'az',
    ['functionapp', 'keys', 'list', '-g', env.AZURE_RESOURCE_GROUP, '-n', env.AZURE_FUNCTION_APP_NAME, '--query', 'functionKeys.default', '-o', 'tsv'],
    { encoding: 'utf8' },
  );
  const key = (r.stdout || '').trim();
  if (r.status !== 0 || !key) throw Object.assign(new Error("could not read the function key: run 'az login', or set MLOPS_KEY"), { exitCode: 2 });
  return key;
}

/** The first data row of the sample as an object without the target: what a client would score. */
function sampleRow() {
  const [header, first] = fs.readFileSync(SAMPLE, 'utf8').split('\n', 2);
  const cols = header.split(',').map((c) => c.replace(/^"|"$/g, ''));
  const vals = first.split(',').map((v) => v.replace(/^"|"$/g, ''));
  const row = {};
  cols.forEach((c, i) => {
    if (c !== 'y') row[c] = vals[i] !== '' && !Number.isNaN(Number(vals[i])) ? Number(vals[i]) : vals[i];
  });
  return row;
}

async function api(base, key, method, p, body) {
  const res = await fetch(base.replace(/\/$/, '') + p, {
    method,
    headers: { 'x-functions-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (a, b) => ((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1);

function printFigures(run, scoring) {
  const out = [];
  out.push(`run ${run.runId}: ${run.runtimeStatus}`);
  const phases = run.phases || [];
  for (let i = 0; i < phases.length; i++) {
    const next = phases[i + 1];
    out.push(`  ${phases[i].phase.padEnd(14)} ${phases[i].at}${next ? `  (${seconds(phases[i].at, next.at)} s)` : ''}`);
  }
  if (phases.length > 1) out.push(`  total ${seconds(phases[0].at, phases[phases.length - 1].at)} s`);
  if (run.automl)
    out.push(
      `AutoML: ${run.automl.trials ?? '?'} trials, best ${run.automl.bestLearner ?? '?'} ${run.automl.primaryMetric ?? ''} ${run.automl.bestScore ?? '?'}`,
    );
  if (run.metrics) out.push(`metrics: ${JSON.stringify(run.metrics)}`);
  if (run.benchmark) out.push(`benchmark: ${JSON.stringify(run.benchmark)}`);
  if (run.decision) out.push(`decision: ${JSON.stringify(run.decision)}`);
  if (run.error) out.push(`error: ${run.error.code}: ${run.error.message}`);
  if (scoring) out.push(`score: HTTP ${scoring.status} in ${scoring.ms} ms: ${JSON.stringify(scoring.body).slice(0, 300)}`);
  process.stdout.write(out.join('\n') + '\n');
}

async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`azure-smoke: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const { env, azd, missing } = settings();
  if (missing.length) {
    process.stderr.write(
      `azure-smoke: not in an azd environment (${azd ? 'azd has no' : 'azd is not installed or has no environment here, and the environment has no'} ${missing.join(', ')}): run \`azd up\` from this folder first, or export those values.\n`,
    );
    return 2;
  }
  const name = opts.name || `smoke-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 12)}`;
  const container = env.DATASETS_CONTAINER_NAME || 'datasets';
  const runId = `train-${name}-v1`;
  const plan = [
    `upload ${path.relative(ROOT, SAMPLE)} to https://${env.AZURE_STORAGE_ACCOUNT_NAME}.blob.core.windows.net/${container}/${name}.csv (metadata target=y, Entra ID credential)`,
    `follow GET ${env.SERVICE_API_URI}/api/runs/${runId} until it ends (timeout ${opts.timeoutMinutes} min)`,
    `score one row with POST ${env.SERVICE_API_URI}/api/score`,
    `function key from ${process.env.MLOPS_KEY ? 'MLOPS_KEY' : `az functionapp keys list -g ${env.AZURE_RESOURCE_GROUP} -n ${env.AZURE_FUNCTION_APP_NAME}`} (not printed)`,
  ];
  if (opts.dryRun) {
    process.stdout.write(`azure-smoke (dry run): would\n${plan.map((p, i) => `  ${i + 1}. ${p}`).join('\n')}\n`);
    return 0;
  }

  const key = functionKey(env);
  const { BlobServiceClient } = require('@azure/storage-blob');
  const { DefaultAzureCredential } = require('@azure/identity');
  const blobs = new BlobServiceClient(`https://${env.AZURE_STORAGE_ACCOUNT_NAME}.blob.core.windows.net`, new DefaultAzureCredential());
  const started = Date.now();
  process.stdout.write(`uploading ${name}.csv ...\n`);
  await blobs
    .getContainerClient(container)
    .getBlockBlobClient(`${name}.csv`)
    .uploadFile(SAMPLE, { metadata: { target: 'y' }, blobHTTPHeaders: { blobContentType: 'text/csv' } });

  const deadline = started + opts.timeoutMinutes * 60_000;
  let run;
  let last = '';
  for (;;) {
    if (Date.now() > deadline) {
      process.stderr.write(`azure-smoke: timeout after ${opts.timeoutMinutes} min; last state: ${last || 'no run yet'}\n`);
      if (run) printFigures(run);
      return 3;
    }
    const r = await api(env.SERVICE_API_URI, key, 'GET', `/api/runs/${encodeURIComponent(runId)}`);
    if (r.status === 200) {
      run = r.body;
      const line = `${run.runtimeStatus} / ${run.phase}`;
      if (line !== last) process.stdout.write(`  ${new Date().toISOString()} ${line}\n`);
      last = line;
      if (['Completed', 'Failed', 'Terminated'].includes(run.runtimeStatus)) break;
    } else if (r.status !== 404) {
      process.stderr.write(`azure-smoke: GET /api/runs/${runId} answered ${r.status}: ${JSON.stringify(r.body)}\n`);
      return 1;
    }
    await sleep(15_000);
  }
  let scoring;
  if (run.runtimeStatus === 'Completed') {
    const t0 = Date.now();
    const s = await api(env.SERVICE_API_URI, key, 'POST', '/api/score', { data: [sampleRow()] });
    scoring = { status: s.status, body: s.body, ms: Date.now() - t0 };
  }
  printFigures(run, scoring);
  const promoted = !!run.decision && run.decision.promoted === true;
  return run.runtimeStatus === 'Completed' && promoted && scoring && scoring.status === 200 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`azure-smoke: ${err.message}\n`);
      process.exit(err.exitCode || 1);
    },
  );
}
module.exports = { parseArgs, sampleRow };
