import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AutoMLResult } from '../automl';
import { writeArtifacts } from '../automl/report';
import type { AutoMLJobResult } from './provider';

/** The job summary the orchestration reads (result.json). */
export function jobResult(r: AutoMLResult): AutoMLJobResult {
  return {
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
}

/**
 * Every file of a finished job, by name: the engine's own artifacts (model.onnx, pipeline.json,
 * leaderboard.json, metrics.json, model-card.md) plus guardrails.json and result.json.
 */
export function renderJobArtifacts(r: AutoMLResult, meta: { runId: string; source: string }): Map<string, Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-job-'));
  try {
    writeArtifacts(r, dir, { name: meta.runId, source: meta.source });
    const files = new Map<string, Buffer>();
    for (const f of fs.readdirSync(dir)) files.set(f, fs.readFileSync(path.join(dir, f)));
    files.set('guardrails.json', Buffer.from(JSON.stringify(r.guardrails, null, 2)));
    files.set('result.json', Buffer.from(JSON.stringify(jobResult(r), null, 2)));
    return files;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
