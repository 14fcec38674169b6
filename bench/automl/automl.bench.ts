/**
 * AutoML engine benchmark: each figure printed beside its reference, measured in the same run.
 *  1. CV AUC_weighted of `runAutoML` on the bank marketing sample with the default 60 s budget
 *     (target >= 0.948; Azure AutoML's best pipelines: 0.9465-0.9476 in 20-minute runs).
 *  2. Unseen rows: AutoML on a stratified 80% of the file, AUC on the other 20%, beside sklearn's
 *     HistGradientBoostingClassifier (defaults) trained and scored on the same rows.
 *  3. One GBDT fit, 300 trees, full file: ours vs sklearn HistGradientBoostingClassifier with the same
 *     settings (31 leaves, lr 0.1, min 20 per leaf, 255 bins, no early stopping); target <= 2x.
 *  4. Peak memory (max RSS, worker threads included) of AutoML on 1,000,000 generated rows x 20 columns;
 *     target < 1.5 GB.
 * Run: npx tsc -p tsconfig.json && node dist/bench/automl/automl.bench.js [--budget 60] [--skip cv,holdout,fit,memory]
 * sklearn is found as the Debian package python3-sklearn (/usr/bin/python3); without it ours is printed alone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { binDataset } from '../../src/automl/binning';
import { stratifiedFolds } from '../../src/automl/cv';
import { computeFeatures, detectTarget, featureSteps, planColumns } from '../../src/automl/featurize';
import { evaluatePipeline, loadTable, runAutoML, selectRows } from '../../src/automl';
import { gbdtFit } from '../../src/automl/learners/gbdt';
import type { TrainContext } from '../../src/automl/learners/types';
import { Rng } from '../../src/automl/random';

const root = path.resolve(__dirname, '..', '..', '..');
const bank = path.join(root, 'samples', 'bankmarketing_train.csv');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const budget = Number(opt('budget', '60'));
const skip = new Set(opt('skip', '').split(',').filter(Boolean));
const memRows = Number(opt('rows', '1000000'));

function python(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

function sklearn(py: string | null, ...a: string[]): Record<string, number> | null {
  if (!py) return null;
  const r = spawnSync(py, [path.join(root, 'bench', 'automl', 'sklearn_hgb.py'), ...a], { encoding: 'utf8', env: { ...process.env } });
  if (r.status !== 0) {
    process.stdout.write(`  (sklearn failed: ${r.stderr.trim().split('\n').pop()})\n`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const f = (x: number, d = 4) => x.toFixed(d);

async function cvFigure(): Promise<void> {
  process.stdout.write(`\n[1] AutoML CV AUC_weighted, bank marketing (${budget} s budget, ${os.availableParallelism()} cores)\n`);
  const r = await runAutoML({ csvPath: bank }, { target: 'y', budgetSeconds: budget });
  const top = r.leaderboard
    .slice(0, 5)
    .map((e) => `${e.learner} ${f(e.score)}`)
    .join(', ');
  process.stdout.write(`  ours:      ${f(r.best.score)} (${r.best.learner}; ${r.trials} trials, ${r.seconds.toFixed(1)} s)  top: ${top}\n`);
  process.stdout.write(`  reference: Azure AutoML 0.9465-0.9476 (20-minute runs); target >= 0.948 -> ${r.best.score >= 0.948 ? 'MET' : 'NOT MET'}\n`);
}

async function holdoutFigure(py: string | null): Promise<void> {
  process.stdout.write(`\n[2] Unseen rows: train on a stratified 80%, AUC on the other 20%\n`);
  const table = await loadTable({ csvPath: bank });
  const target = detectTarget(table, 'y');
  const folds = stratifiedFolds('binary', target.y, 5, 2024);
  const test = folds[0];
  const mark = new Uint8Array(table.nRows);
  test.forEach((i) => (mark[i] = 1));
  const train = Int32Array.from({ length: table.nRows }, (_, i) => i).filter((i) => !mark[i]);
  const r = await runAutoML(selectRows(table, train), { target: 'y', budgetSeconds: budget });
  const held = evaluatePipeline(r.pipeline, selectRows(table, test));
  const auc = (held.metrics as { AUC_weighted: number }).AUC_weighted;
  const splitFile = path.join(os.tmpdir(), `automl-bench-split-${process.pid}.json`);
  fs.writeFileSync(splitFile, JSON.stringify({ train: Array.from(train), test: Array.from(test) }));
  const sk = sklearn(py, 'holdout', bank, 'y', splitFile);
  fs.rmSync(splitFile, { force: true });
  process.stdout.write(`  ours:      ${f(auc)} on ${held.rows} unseen rows (${r.best.learner}, CV ${f(r.best.score)})\n`);
  process.stdout.write(`  reference: ${sk ? `sklearn HistGradientBoostingClassifier (defaults) ${f(sk.auc)}` : 'sklearn not installed'}\n`);
}

async function fitFigure(py: string | null): Promise<void> {
  process.stdout.write(`\n[3] One GBDT fit, 300 trees, full bank file (31 leaves, lr 0.1, min 20/leaf, 255 bins)\n`);
  const table = await loadTable({ csvPath: bank });
  const target = detectTarget(table, 'y');
  const plans = planColumns(table, target, 'y', []);
  const fs2 = computeFeatures(table, featureSteps(plans, 'tree'), target.rows);
  const n = target.rows.length;
  const times: number[] = [];
  let bins = 0;
  for (let k = 0; k < 4; k++) {
    const t = performance.now();
    // Binning is part of a fit (sklearn bins inside fit too).
    const ds = binDataset(fs2.X, n, fs2.nFeat, 255);
    const ctx: TrainContext = { task: 'binary', n, C: 2, y: target.y, tree: { ds, names: fs2.names }, linear: { X: new Float32Array(0), nFeat: 0, names: [] } };
    gbdtFit(ctx, { nEstimators: 300, learningRate: 0.1, numLeaves: 31, minChildSamples: 20, lambdaL2: 0 }, 300, 1);
    if (k > 0) times.push((performance.now() - t) / 1000); // first run warms the JIT
    bins = ds.nFeat;
  }
  const ours = times.sort((a, b) => a - b)[1];
  const sk = sklearn(py, 'fit300', bank, 'y', '3');
  process.stdout.write(`  ours:      ${f(ours, 3)} s (median of 3 after a warm-up; ${n} rows x ${bins} features, 1 thread)\n`);
  if (sk) {
    process.stdout.write(`  reference: sklearn ${f(sk.seconds, 3)} s (median of 3, OpenMP threads: ${process.env.OMP_NUM_THREADS ?? 'default'})\n`);
    process.stdout.write(`  ratio:     ${f(ours / sk.seconds, 2)}x (target <= 2x) -> ${ours <= 2 * sk.seconds ? 'MET' : 'NOT MET'}\n`);
  } else process.stdout.write('  reference: sklearn not installed (apt-get install -y python3-sklearn)\n');
}

/** 1M x 20: 14 numeric, 5 categorical, binary target; written as CSV in the temp folder. */
function generate(file: string, rows: number): void {
  const rng = new Rng(77);
  const fd = fs.openSync(file, 'w');
  const cats = [
    ['a', 'b', 'c'],
    ['red', 'green', 'blue', 'black', 'white'],
    ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'],
    ['yes', 'no'],
    Array.from({ length: 30 }, (_, k) => `city${k}`),
  ];
  const header = [...Array.from({ length: 14 }, (_, k) => `num${k}`), ...cats.map((_, k) => `cat${k}`), 'label'];
  let buf = header.join(',') + '\n';
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: 14 }, () => rng.normal());
    const c = cats.map((v) => rng.int(v.length));
    const logit = x[0] * 1.2 - x[1] + 0.5 * x[2] * x[3] + (c[1] === 0 ? 0.8 : 0) + (c[4] % 3 === 0 ? -0.6 : 0.2) + rng.normal() * 0.5;
    const cells = x.map((v, k) => (k === 5 && rng.next() < 0.02 ? '' : v.toFixed(4)));
    buf += `${cells.join(',')},${c.map((k, j) => cats[j][k]).join(',')},${logit > 0 ? 1 : 0}\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

function memoryFigure(): void {
  process.stdout.write(`\n[4] Peak memory, AutoML on ${memRows.toLocaleString('en-US')} generated rows x 20 columns (${budget} s budget)\n`);
  const file = path.join(os.tmpdir(), `automl-bench-${memRows}x20-${process.pid}.csv`);
  try {
    generate(file, memRows);
    const size = fs.statSync(file).size / 1e6;
    const r = spawnSync(process.execPath, [path.join(__dirname, 'memory.child.js'), file, 'label', String(budget)], { encoding: 'utf8' });
    if (r.status !== 0) {
      process.stdout.write(`  failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}\n`);
      return;
    }
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    process.stdout.write(
      `  ours:      peak RSS ${m.maxRssMB.toFixed(0)} MB (CSV ${size.toFixed(0)} MB; ${m.trials} trials, best ${m.best} AUC ${f(m.score)} on a ${m.validation.kind} split, ${m.seconds.toFixed(1)} s)\n`,
    );
    process.stdout.write(`  reference: target < 1536 MB -> ${m.maxRssMB < 1536 ? 'MET' : 'NOT MET'}\n`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

async function main(): Promise<void> {
  const py = python();
  process.stdout.write(
    `AutoML bench (node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})\n`,
  );
  if (!skip.has('cv')) await cvFigure();
  if (!skip.has('holdout')) await holdoutFigure(py);
  if (!skip.has('fit')) await fitFigure(py);
  if (!skip.has('memory')) memoryFigure();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
