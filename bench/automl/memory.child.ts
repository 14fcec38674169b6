/**
 * Child process of automl.bench: runs AutoML on one CSV and reports its own peak memory (max RSS,
 * which includes the worker threads), so the figure is this run's alone.
 * usage: node dist/bench/automl/memory.child.js FILE.csv TARGET BUDGET_SECONDS
 */
import { runAutoML } from '../../src/automl';

async function main(): Promise<void> {
  const [file, target, budget] = process.argv.slice(2);
  const t0 = Date.now();
  const r = await runAutoML({ csvPath: file }, { target, budgetSeconds: Number(budget) });
  process.stdout.write(
    JSON.stringify({
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      seconds: (Date.now() - t0) / 1000,
      rows: r.data.rows,
      trials: r.trials,
      best: r.best.learner,
      score: r.best.score,
      validation: r.validation,
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
