import type { AutoMLResult } from '../automl';
import type { AutoMLJobResult } from './provider';

const fmt = (x: number | undefined, d = 4) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');

/** The model card: what a reader needs to trust (or not) the model, in Markdown. */
export function modelCard(r: AutoMLResult, meta: { runId: string; jobId: string }): string {
  const m = r.cvMetrics as unknown as Record<string, unknown>;
  const lines: string[] = [];
  lines.push(`# Model card: ${r.target} (${r.task})`, '');
  lines.push(`- Run: \`${meta.runId}\` (job \`${meta.jobId}\`), seed ${r.seed}`);
  lines.push(`- Best pipeline: **${r.best.learner}**, ${r.primaryMetric} ${fmt(r.best.score)} (${r.validation.kind === 'cv' ? `${r.validation.folds}-fold CV` : `holdout ${r.validation.fraction}`})`);
  lines.push(`- Trials: ${r.trials} in ${fmt(r.seconds, 1)} s (budget ${r.budgetSeconds} s)`);
  lines.push(`- Data: ${r.data.rows} rows, ${r.data.columns} columns; classes ${r.classes.length ? r.classes.map((c) => `\`${c}\``).join(', ') : '-'}`, '');
  lines.push('## Cross-validated metrics', '', '| metric | value |', '|---|---|');
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number') lines.push(`| ${k} | ${fmt(v)} |`);
  const cm = m.confusion_matrix as { classes?: string[]; matrix?: number[][] } | undefined;
  if (cm?.matrix && cm.classes) {
    lines.push('', '## Confusion matrix (rows: actual, columns: predicted)', '', `| | ${cm.classes.join(' | ')} |`, `|---|${cm.classes.map(() => '---').join('|')}|`);
    cm.matrix.forEach((row, i) => lines.push(`| ${cm.classes![i]} | ${row.join(' | ')} |`));
  }
  lines.push('', '## Leaderboard (top 10)', '', '| rank | learner | score | fit s |', '|---|---|---|---|');
  for (const e of r.leaderboard.slice(0, 10)) lines.push(`| ${e.rank} | ${e.learner} | ${fmt(e.score)} | ${fmt(e.fitSeconds, 2)} |`);
  lines.push('', '## Feature importance (top 15)', '', '| column | share |', '|---|---|');
  for (const f of r.featureImportance.slice(0, 15)) lines.push(`| ${f.column} | ${fmt(f.importance, 3)} |`);
  lines.push('', '## Data guardrails', '');
  for (const g of r.guardrails) {
    lines.push(`- **${g.check}**: ${g.status}. ${g.description}`);
    for (const it of g.items.slice(0, 10)) lines.push(`  - ${it.column ? `\`${it.column}\`: ` : ''}${it.detail} -> ${it.action}`);
  }
  lines.push('', '## Intended use and limits', '');
  lines.push('Scores rows with the same columns as the training data. Categories unseen in training are');
  lines.push('treated as missing. Metrics above are cross-validated on the training split; the promotion');
  lines.push("decision uses the run's held-out split and is recorded with the run.", '');
  return lines.join('\n');
}

/** The text files of a finished job (model.onnx is written beside them). */
export function renderJobArtifacts(r: AutoMLResult, meta: { runId: string; jobId: string }): Record<string, string> {
  const summary: AutoMLJobResult = {
    task: r.task,
    target: r.target,
    classes: r.classes,
    primaryMetric: r.primaryMetric,
    cvScore: r.best.score,
    bestLearner: r.best.learner,
    trials: r.trials,
    elapsedSeconds: r.seconds,
    leaderboardTop: r.leaderboard.slice(0, 10).map((e) => ({ rank: e.rank, learner: e.learner, score: e.score, fitSeconds: e.fitSeconds })),
  };
  return {
    'pipeline.json': JSON.stringify(r.pipeline),
    'leaderboard.json': JSON.stringify(r.leaderboard, null, 2),
    'metrics.json': JSON.stringify(
      { primaryMetric: r.primaryMetric, cv: r.cvMetrics, featureImportance: r.featureImportance, validation: r.validation, data: r.data },
      null,
      2,
    ),
    'guardrails.json': JSON.stringify(r.guardrails, null, 2),
    'model-card.md': modelCard(r, meta),
    'result.json': JSON.stringify(summary, null, 2),
  };
}
