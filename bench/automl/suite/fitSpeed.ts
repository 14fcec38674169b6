/**
 * One GBDT fit, ours vs scikit-learn's HistGradientBoostingClassifier with the same settings (31 leaves,
 * lr 0.1, min 20 per leaf, no L2, 255 bins, no early stopping) and the same threads (one: sklearn runs
 * with OMP_NUM_THREADS=1), on the bank file, the wide set and the 12-class set, in the same run. Both
 * times include binning; neither includes reading the CSV. Target: ours <= 0.7x sklearn's. The ratio is
 * of CPU seconds (both single-threaded, so CPU time is the work done; wall time on a shared machine
 * mostly measures the neighbours); wall seconds are printed too.
 * Run alone: node dist/bench/automl/suite/fitSpeed.js [--only bank,gen_wide] (after the suite wrote the CSVs).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { binDataset } from '../../../src/automl/binning';
import { computeFeatures, detectTarget, featureSteps, planColumns } from '../../../src/automl/featurize';
import { loadTable } from '../../../src/automl';
import { gbdtFit } from '../../../src/automl/learners/gbdt';
import type { TrainContext } from '../../../src/automl/learners/types';
import { findPython, root, suiteDir } from './python';

const FIT_SETS = ['bank', 'gen_wide', 'gen_classes12'];

interface SetRef {
  name: string;
  file: string;
  target: string;
}

function sklearnSeconds(py: string, file: string, target: string, iterations: number, threads: number): { wall: number; cpu: number } | null {
  const r = spawnSync(py, [path.join(root, 'bench', 'automl', 'sklearn_hgb.py'), 'fit300', file, target, '3', String(iterations)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) return null;
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { wall: out.seconds, cpu: out.cpu };
}

async function oursSeconds(
  file: string,
  targetName: string,
  iterations: number,
): Promise<{ wall: number; cpu: number; rows: number; feats: number; task: string }> {
  const table = await loadTable({ csvPath: file });
  const target = detectTarget(table, targetName);
  const plans = planColumns(table, target, targetName, []);
  const feats = computeFeatures(table, featureSteps(plans, 'tree'), target.rows);
  const n = target.rows.length;
  const times: number[] = [];
  const cpus: number[] = [];
  for (let k = 0; k < 4; k++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const ds = binDataset(feats.X, n, feats.nFeat, 255);
    const ctx: TrainContext = {
      task: target.task,
      n,
      C: target.classes.length,
      y: target.y,
      tree: { ds, names: feats.names },
      linear: { X: new Float32Array(0), nFeat: 0, names: [] },
    };
    gbdtFit(ctx, { nEstimators: iterations, learningRate: 0.1, numLeaves: 31, minChildSamples: 20, lambdaL2: 0 }, iterations, 1);
    const used = process.cpuUsage(c);
    if (k > 0) (times.push((performance.now() - t) / 1000), cpus.push((used.user + used.system) / 1e6)); // the first run warms the JIT
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[1];
  return { wall: median(times), cpu: median(cpus), rows: n, feats: feats.nFeat, task: target.task };
}

export async function fitSpeed(py: string, sets: SetRef[]): Promise<void> {
  process.stdout.write(`\nOne GBDT fit, ours (1 thread) vs sklearn HistGradientBoosting (OMP_NUM_THREADS=1), same settings; target ratio <= 0.7\n`);
  for (const s of sets.filter((x) => FIT_SETS.includes(x.name))) {
    if (!fs.existsSync(s.file)) continue;
    const iterations = s.name === 'gen_classes12' ? 100 : 300;
    const ours = await oursSeconds(s.file, s.target, iterations);
    const sk = sklearnSeconds(py, s.file, s.target, iterations, 1);
    const ratio = sk ? ours.cpu / sk.cpu : NaN;
    process.stdout.write(
      `  ${s.name.padEnd(14)} ${ours.task.padEnd(10)} ${ours.rows} x ${ours.feats}, ${iterations} iterations: CPU ours ${ours.cpu.toFixed(3)} s, sklearn ${sk?.cpu.toFixed(3) ?? '-'} s, ratio ${ratio.toFixed(2)}x -> ${ratio <= 0.7 ? 'MET' : 'NOT MET'} (wall ${ours.wall.toFixed(3)} s vs ${sk?.wall.toFixed(3) ?? '-'} s)\n`,
    );
  }
}

if (require.main === module) {
  const py = findPython();
  const i = process.argv.indexOf('--only');
  const only = i >= 0 ? process.argv[i + 1].split(',') : FIT_SETS;
  const sets: SetRef[] = [
    { name: 'bank', file: path.join(root, 'samples', 'bankmarketing_train.csv'), target: 'y' },
    { name: 'gen_wide', file: path.join(suiteDir, 'gen_wide.csv'), target: 'label' },
    { name: 'gen_classes12', file: path.join(suiteDir, 'gen_classes12.csv'), target: 'label' },
  ].filter((s) => only.includes(s.name));
  if (!py) process.stdout.write('needs python3-sklearn\n');
  else fitSpeed(py, sets).catch((e) => (process.stderr.write(`${(e as Error).stack}\n`), process.exit(1)));
}
