/**
 * AutoML benchmark suite: public and generated tabular data sets, each split once (seeded, 25% held
 * out, stratified for classification); our AutoML trains on the 75% with a fixed budget, and three
 * references train on the same rows in the same run (bench/automl/suite/references.py:
 * HistGradientBoosting with native categoricals, logistic/ridge on one-hot + scaled features, a random
 * forest of 300 trees). Prints per data set ours vs each reference on the held-out rows (AUC_weighted or
 * R^2), the difference to the best reference, the trial count, and the mean rank of the four.
 *
 * Data: written as CSV into .local/automl-suite/ at bench time by datasets.py (Debian python3-sklearn
 * and python3-statsmodels bundle the public sets), plus samples/bankmarketing_train.csv.
 * Run: npm run bench:automl:suite -- [--budget 30] [--only iris,wine] [--skip bank] [--seed 1] [--fit]
 *   --fit also times one GBDT fit against sklearn's (bench/automl/suite/fitSpeed.ts does it alone).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluatePipeline, loadTable, runAutoML, selectRows } from '../../../src/automl';
import { stratifiedFolds } from '../../../src/automl/cv';
import { detectTarget } from '../../../src/automl/featurize';
import type { Task } from '../../../src/automl/pipeline';
import { fitSpeed } from './fitSpeed';
import { findPython, root, suiteDir } from './python';

interface DataSet {
  name: string;
  file: string;
  target: string;
  task: Task;
  rows: number;
  columns: number;
  source: string;
  licence: string;
}

interface Row {
  name: string;
  task: Task;
  rows: number;
  columns: number;
  ours: number;
  cv: number;
  learner: string;
  trials: number;
  seconds: number;
  refs: { hgb: number; linear: number; rf: number } | null;
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const budget = Number(opt('budget', '30'));
const seed = Number(opt('seed', '1'));
const only = new Set(opt('only', '').split(',').filter(Boolean));
const skip = new Set(opt('skip', '').split(',').filter(Boolean));

function dataSets(py: string, dir: string): DataSet[] {
  const r = spawnSync(py, [path.join(root, 'bench', 'automl', 'suite', 'datasets.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`datasets.py failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const sets: DataSet[] = JSON.parse(r.stdout.trim().split('\n').pop()!);
  sets.push({
    name: 'bank',
    file: path.join(root, 'samples', 'bankmarketing_train.csv'),
    target: 'y',
    task: 'binary',
    rows: 32950,
    columns: 20,
    source: 'samples',
    licence: 'UCI Bank Marketing, CC BY 4.0 (samples/SOURCES.md)',
  });
  return sets.filter((s) => (only.size === 0 || only.has(s.name)) && !skip.has(s.name));
}

function references(py: string, d: DataSet, splitFile: string): Row['refs'] {
  // One thread each: OpenMP / BLAS threads spin-wait, which on a shared, oversubscribed machine turns
  // seconds into minutes (the scores do not depend on it).
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const r = spawnSync(py, [path.join(root, 'bench', 'automl', 'suite', 'references.py'), d.file, d.target, d.task, splitFile], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env,
  });
  if (r.status !== 0) {
    process.stdout.write(`  (references failed: ${r.stderr.trim().split('\n').pop()})\n`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function runOne(py: string, d: DataSet): Promise<Row> {
  const table = await loadTable({ csvPath: d.file });
  const target = detectTarget(table, d.target, d.task);
  // The held-out quarter: fold 0 of a seeded stratified 4-fold split (regression: spread over the range).
  const test = stratifiedFolds(target.task, target.y, 4, 9000 + seed)[0];
  const mark = new Uint8Array(table.nRows);
  for (const k of test) mark[target.rows[k]] = 1;
  const testRows = Int32Array.from(test, (k) => target.rows[k]).sort();
  const trainRows = Int32Array.from(target.rows).filter((i) => !mark[i]);
  const r = await runAutoML(selectRows(table, trainRows), { target: d.target, task: d.task, budgetSeconds: budget, seed });
  const held = evaluatePipeline(r.pipeline, selectRows(table, testRows));
  const m = held.metrics as unknown as Record<string, number>;
  const ours = d.task === 'regression' ? m.r2_score : m.AUC_weighted;
  const cvm = r.cvMetrics as unknown as Record<string, number>;
  const splitFile = path.join(suiteDir, `split-${d.name}.json`);
  fs.writeFileSync(splitFile, JSON.stringify({ train: Array.from(trainRows), test: Array.from(testRows) }));
  const refs = references(py, d, splitFile);
  return {
    name: d.name,
    task: target.task,
    rows: table.nRows,
    columns: table.columns.length - 1,
    ours,
    cv: d.task === 'regression' ? cvm.r2_score : cvm.AUC_weighted,
    learner: r.best.learner,
    trials: r.trials,
    seconds: r.seconds,
    refs,
  };
}

/** Ranks of the four scores (1 = best; ties share the mean rank). */
function ranks(scores: number[]): number[] {
  return scores.map((s) => {
    const better = scores.filter((t) => t > s + 1e-12).length;
    const equal = scores.filter((t) => Math.abs(t - s) <= 1e-12).length;
    return better + (equal + 1) / 2;
  });
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '   -  ');
const sgn = (x: number) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(4) : '   -   ');

async function main(): Promise<void> {
  const py = findPython();
  if (!py) {
    process.stdout.write('The suite needs scikit-learn and statsmodels: apt-get install -y python3-sklearn python3-statsmodels\n');
    process.exit(2);
  }
  fs.mkdirSync(suiteDir, { recursive: true });
  process.stdout.write(
    `AutoML suite: budget ${budget} s, seed ${seed}, node ${process.version}, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}\n`,
  );
  const sets = dataSets(py, suiteDir);
  process.stdout.write(
    `${'data set'.padEnd(14)} ${'task'.padEnd(10)} ${'rows'.padStart(6)} ${'cols'.padStart(4)}  metric  ${'ours'.padStart(6)} ${'(CV)'.padStart(7)}  ${'hgb'.padStart(6)} ${'linear'.padStart(6)} ${'rf'.padStart(6)}  ${'vs best'.padStart(7)} ${'trials'.padStart(6)}  best learner\n`,
  );
  const rows: Row[] = [];
  for (const d of sets) {
    let row: Row;
    try {
      row = await runOne(py, d);
    } catch (e) {
      process.stdout.write(`${d.name.padEnd(14)} failed: ${(e as Error).message}\n`);
      continue;
    }
    rows.push(row);
    const refs = row.refs;
    const best = refs ? Math.max(refs.hgb, refs.linear, refs.rf) : NaN;
    process.stdout.write(
      `${row.name.padEnd(14)} ${row.task.padEnd(10)} ${String(row.rows).padStart(6)} ${String(row.columns).padStart(4)}  ${row.task === 'regression' ? 'R2    ' : 'AUC_w '}  ${f4(row.ours)} (${f4(row.cv)})  ${f4(refs?.hgb ?? NaN)} ${f4(refs?.linear ?? NaN)} ${f4(refs?.rf ?? NaN)}  ${sgn(row.ours - best)} ${String(row.trials).padStart(6)}  ${row.learner}\n`,
    );
  }
  const scored = rows.filter((r) => r.refs);
  if (scored.length) {
    const sum = [0, 0, 0, 0];
    let within = 0;
    for (const r of scored) {
      const s = [r.ours, r.refs!.hgb, r.refs!.linear, r.refs!.rf];
      ranks(s).forEach((k, j) => (sum[j] += k));
      if (r.ours >= Math.max(r.refs!.hgb, r.refs!.linear, r.refs!.rf) - 0.002) within++;
    }
    const mean = sum.map((s) => (s / scored.length).toFixed(2));
    process.stdout.write(`\nmean rank (1 = best of 4) over ${scored.length} data sets: ours ${mean[0]}, hgb ${mean[1]}, linear ${mean[2]}, rf ${mean[3]}\n`);
    process.stdout.write(`within 0.002 of the best reference: ${within} of ${scored.length} (target: all, and first by mean rank)\n`);
    const small = scored.filter((r) => r.rows * 0.75 <= 5000);
    process.stdout.write(`trials in ${budget} s on sets up to 5,000 training rows: min ${Math.min(...small.map((r) => r.trials))} (target >= 100)\n`);
  }
  const out = path.join(suiteDir, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify({ budget, seed, rows }, null, 1));
  process.stdout.write(`results: ${path.relative(root, out)}\n`);
  if (args.includes('--fit')) await fitSpeed(py, sets);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
