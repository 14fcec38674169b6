/**
 * Run artifacts: model.onnx (whole pipeline), pipeline.json (the FittedPipeline), leaderboard.json,
 * metrics.json and model-card.md; plus the plain-text leaderboard table the CLI prints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AutoMLResult, LeaderboardEntry } from './automl';
import type { ClassificationMetrics, RegressionMetrics } from './metrics';
import { exportOnnx } from './onnx';

export interface ArtifactPaths {
  model: string;
  pipeline: string;
  leaderboard: string;
  metrics: string;
  modelCard: string;
}

export function writeArtifacts(result: AutoMLResult, dir: string, opts: { name?: string; source?: string } = {}): ArtifactPaths {
  fs.mkdirSync(dir, { recursive: true });
  const paths: ArtifactPaths = {
    model: path.join(dir, 'model.onnx'),
    pipeline: path.join(dir, 'pipeline.json'),
    leaderboard: path.join(dir, 'leaderboard.json'),
    metrics: path.join(dir, 'metrics.json'),
    modelCard: path.join(dir, 'model-card.md'),
  };
  const onnx = exportOnnx(result.pipeline, {
    name: opts.name ?? 'automl_pipeline',
    docString: `AutoML ${result.task} model for target "${result.target}" (${result.best.learner})`,
    extra: { primary_metric: result.primaryMetric, cv_score: result.best.score, learner: result.best.learner },
  });
  fs.writeFileSync(paths.model, onnx);
  fs.writeFileSync(paths.pipeline, JSON.stringify(result.pipeline));
  fs.writeFileSync(
    paths.leaderboard,
    JSON.stringify({ primaryMetric: result.primaryMetric, validation: result.validation, entries: result.leaderboard }, null, 2),
  );
  fs.writeFileSync(paths.metrics, JSON.stringify(metricsDocument(result), null, 2));
  fs.writeFileSync(paths.modelCard, modelCard(result, opts.source));
  return paths;
}

export function metricsDocument(r: AutoMLResult) {
  return {
    task: r.task,
    target: r.target,
    classes: r.classes,
    primaryMetric: r.primaryMetric,
    primaryScore: r.best.score,
    validation: r.validation,
    best: { learner: r.best.learner, trial: r.best.trial, params: r.best.params, members: r.best.members },
    cv: r.cvMetrics,
    featureImportance: r.featureImportance,
    guardrails: r.guardrails,
    data: r.data,
    run: { seed: r.seed, budgetSeconds: r.budgetSeconds, seconds: r.seconds, trials: r.trials },
  };
}

const fmt = (x: number | undefined, d = 4) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));

function paramsText(e: LeaderboardEntry): string {
  if (e.members) return e.members.map((m) => `#${m.trial}x${m.weight}`).join(' ');
  return Object.entries(e.params)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : Number(v.toPrecision(3))}`)
    .join(' ');
}

/** Fixed-width leaderboard for a terminal. */
export function leaderboardTable(r: AutoMLResult, top = 15): string {
  // A second metric beside the primary one: r2 for regression, accuracy (or AUC when accuracy is primary).
  const second =
    r.task === 'regression'
      ? r.primaryMetric === 'r2_score'
        ? 'spearman_correlation'
        : 'r2_score'
      : r.primaryMetric === 'accuracy'
        ? 'AUC_weighted'
        : 'accuracy';
  const rows = r.leaderboard
    .slice(0, top)
    .map((e) => [
      String(e.rank),
      String(e.trial),
      e.learner,
      e.status === 'ok' ? fmt(e.score, 5) : 'failed',
      e.status === 'ok' && e.metrics ? fmt(e.metrics[second], 4) : '-',
      e.fitSeconds.toFixed(1),
      paramsText(e).slice(0, 70),
    ]);
  const header = ['rank', 'trial', 'learner', r.primaryMetric, second, 'sec', 'hyperparameters'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((v, c) => (c === row.length - 1 ? v : v.padEnd(widths[c]))).join('  ');
  const more = r.leaderboard.length > top ? `\n... ${r.leaderboard.length - top} more in leaderboard.json` : '';
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + more;
}

export function modelCard(r: AutoMLResult, source?: string): string {
  const m = r.cvMetrics;
  const lines: string[] = [];
  lines.push(`# Model card: ${r.target} (${r.task})`, '');
  lines.push(`Trained by the local AutoML engine on ${new Date().toISOString().slice(0, 10)}${source ? ` from \`${source}\`` : ''}.`, '');
  lines.push('## Model', '');
  lines.push(`- Best: **${r.best.learner}** (trial ${r.best.trial}), ${r.primaryMetric} = **${fmt(r.best.score, 5)}** (${validationText(r)}).`);
  if (r.best.members)
    lines.push(
      `- Ensemble members: ${r.best.members.map((mm) => `trial ${mm.trial} (${r.leaderboard.find((e) => e.trial === mm.trial)?.learner}, weight ${mm.weight})`).join(', ')}.`,
    );
  else lines.push(`- Hyperparameters: ${paramsText(r.best) || '(defaults)'}.`);
  lines.push(`- Search: ${r.trials} trials in ${r.seconds.toFixed(1)} s (budget ${r.budgetSeconds} s, seed ${r.seed}).`);
  if (r.classes.length) lines.push(`- Classes (probability column order): ${r.classes.map((c) => `\`${c}\``).join(', ')}.`);
  lines.push(
    `- Artifact: \`model.onnx\` (IR 8, opset 17, ai.onnx.ml 3). One input per column below, [N,1]; ${
      r.task === 'regression' ? 'output `label` (float [N], the prediction)' : 'outputs `label` and `probabilities` [N,C]'
    }.`,
    '',
  );
  lines.push('## Inputs', '', '| column | type | treatment |', '|---|---|---|');
  for (const [name, kind] of Object.entries(r.data.columnKinds)) {
    const input = r.pipeline.inputs.find((i) => i.name === name);
    lines.push(`| ${name} | ${input ? (input.kind === 'numeric' ? 'float' : 'string') : '-'} | ${kind} |`);
  }
  lines.push('', `## Cross-validated metrics (${validationText(r)})`, '');
  lines.push('Computed on the pooled out-of-fold predictions (the leaderboard score is the mean over folds).', '');
  if (r.task === 'regression') {
    const g = m as RegressionMetrics;
    lines.push('| metric | value |', '|---|---|');
    for (const [k, v] of Object.entries(g)) if (typeof v === 'number') lines.push(`| ${k} | ${fmt(v)} |`);
  } else {
    const c = m as ClassificationMetrics;
    lines.push('| metric | value |', '|---|---|');
    for (const k of [
      'AUC_weighted',
      'accuracy',
      'balanced_accuracy',
      'average_precision_score_weighted',
      'precision_score_weighted',
      'recall_score_weighted',
      'f1_score_weighted',
      'norm_macro_recall',
      'log_loss',
    ] as const) {
      lines.push(`| ${k} | ${fmt(c[k])} |`);
    }
    lines.push('', 'Confusion matrix (rows: true class, columns: predicted):', '');
    lines.push(`| | ${c.confusion_matrix.classes.join(' | ')} |`, `|---|${c.confusion_matrix.classes.map(() => '---').join('|')}|`);
    c.confusion_matrix.matrix.forEach((row, k) => lines.push(`| **${c.confusion_matrix.classes[k]}** | ${row.join(' | ')} |`));
  }
  lines.push('', '## Feature importance', '', '| column | share |', '|---|---|');
  for (const f of r.featureImportance.slice(0, 15)) lines.push(`| ${f.column} | ${(100 * f.importance).toFixed(1)}% |`);
  lines.push('', '## Data guardrails', '');
  for (const g of r.guardrails) {
    lines.push(`- **${g.check}**: ${g.status}. ${g.description}`);
    for (const it of g.items) lines.push(`  - ${it.column ? `\`${it.column}\`: ` : ''}${it.detail} -> ${it.action}`);
  }
  lines.push('', '## Leaderboard (top 10)', '', '```', leaderboardTable(r, 10), '```', '');
  lines.push('## Limitations', '');
  lines.push('- Metrics are out-of-fold estimates on the training file; measure on data from the deployment period before relying on them.');
  lines.push('- Rows are assumed independent (no groups or time order in the folds).');
  lines.push('- Columns dropped by the guardrails are ignored at scoring time.', '');
  return lines.join('\n');
}

function validationText(r: AutoMLResult): string {
  const v = r.validation;
  const base = v.kind === 'cv' ? `${v.folds}-fold stratified CV` : `${Math.round(v.fraction * 100)}% holdout`;
  const sample = v.searchSampleRows ? `, trials trained on ${v.searchSampleRows} sampled rows` : '';
  const final = v.finalModelRows ? `, final model on ${v.finalModelRows} sampled rows (a refit on all rows did not fit the budget)` : '';
  return base + sample + final;
}
