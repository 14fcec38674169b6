/** Stratified k-fold and holdout splits (group-free), deterministic for a seed. */
import { Rng } from './random';
import type { Task } from './pipeline';

/**
 * Returns the evaluation rows of each fold, each sorted ascending. Classification: rows of each class are
 * shuffled and dealt round-robin so every fold has the class mix. Regression: rows sorted by target and
 * dealt in blocks so every fold spans the target range.
 */
export function stratifiedFolds(task: Task, y: Float64Array, k: number, seed: number): Int32Array[] {
  const n = y.length;
  const rng = new Rng(seed);
  const groups: number[][] = [];
  if (task === 'regression') {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a] - y[b] || a - b);
    for (let s = 0; s < n; s += k) groups.push(rng.shuffle(order.slice(s, s + k)));
  } else {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const c = y[i];
      if (!byClass.has(c)) byClass.set(c, []);
      byClass.get(c)!.push(i);
    }
    for (const c of [...byClass.keys()].sort((a, b) => a - b)) groups.push(rng.shuffle(byClass.get(c)!));
  }
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const g of groups) for (const i of g) folds[next++ % k].push(i);
  return folds.map((f) => Int32Array.from(f.sort((a, b) => a - b)));
}

/** One validation split holding out `fraction` of the rows, stratified. */
export function holdoutSplit(task: Task, y: Float64Array, fraction: number, seed: number): Int32Array[] {
  const k = Math.max(2, Math.round(1 / fraction));
  return [stratifiedFolds(task, y, k, seed)[0]];
}

/**
 * A stratified random sample of at most `cap` of `rows` (sorted ascending): the rows a search trial
 * trains on when the table is big. Classification keeps each class's share; regression samples evenly.
 */
export function sampleRows(task: Task, y: Float64Array, rows: Int32Array, cap: number, seed: number): Int32Array {
  if (rows.length <= cap) return rows;
  const rng = new Rng(seed);
  const groups = new Map<number, number[]>();
  for (let k = 0; k < rows.length; k++) {
    const key = task === 'regression' ? 0 : y[rows[k]];
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(rows[k]);
  }
  const out: number[] = [];
  const keys = [...groups.keys()].sort((a, b) => a - b);
  for (const key of keys) {
    const g = groups.get(key)!;
    const take = Math.max(1, Math.round((g.length * cap) / rows.length));
    // Partial Fisher-Yates: the first `take` of a shuffle.
    for (let i = 0; i < take && i < g.length; i++) {
      const j = i + rng.int(g.length - i);
      const t = g[i];
      g[i] = g[j];
      g[j] = t;
      out.push(g[i]);
    }
  }
  return Int32Array.from(out).sort();
}
