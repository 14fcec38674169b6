import { Rng } from '../../src/automl/random';

/** Small synthetic binary data: y depends on x1 * x2 sign and a category; includes noise columns. */
export function synthBinary(n: number, seed = 1): Record<string, string | number | null>[] {
  const rng = new Rng(seed);
  const rows: Record<string, string | number | null>[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = rng.normal();
    const x2 = rng.normal();
    const cat = ['red', 'green', 'blue'][rng.int(3)];
    const logit = 2.5 * x1 * x2 + (cat === 'red' ? 1.5 : -0.5) + 0.3 * rng.normal();
    rows.push({
      x1: Number(x1.toFixed(4)),
      x2: i % 17 === 0 ? null : Number(x2.toFixed(4)),
      noise: Number(rng.normal().toFixed(3)),
      color: cat,
      y: logit > 0 ? 'yes' : 'no',
    });
  }
  return rows;
}
