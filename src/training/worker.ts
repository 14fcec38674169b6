/**
 * One local AutoML job, as its own process (started by LocalAutoMLProvider): streams the training
 * split from blob storage into the engine, reports progress to status.json with a heartbeat, and leaves
 * the model (ONNX + FittedPipeline) and its reports in the job's output folder. Exits when its parent
 * (the host) is gone, so a killed host leaves no orphan; the orchestration then resubmits.
 */
import * as os from 'node:os';
import { readCsvRows } from '../datasets/csv';
import { runAutoML, AutoMLError } from '../automl';
import type { AutoMLProgress, AutoMLResult } from '../automl';
import * as path from 'node:path';
import { containerClient } from '../storage/clients';
import { jobPrefix, LocalJobState, REGISTRY } from './local';
import { renderJobArtifacts } from './artifacts';
import type { AutoMLJobSpec } from './provider';

async function main(): Promise<void> {
  const jobId = process.env.MLOPS_JOB_ID!;
  const spec = JSON.parse(process.env.MLOPS_JOB_SPEC!) as AutoMLJobSpec;
  const blobs = containerClient(process.env.MLOPS_JOB_STORAGE!, process.env.MLOPS_JOB_CONTAINER || REGISTRY);
  const prefix = jobPrefix(jobId);
  const parent = process.ppid;
  const submittedAt = new Date().toISOString();
  const started = Date.now();
  const state: LocalJobState = {
    jobId,
    pid: process.pid,
    host: os.hostname(),
    state: 'running',
    trials: 0,
    elapsedSeconds: 0,
    submittedAt,
    heartbeat: submittedAt,
    primaryMetric: spec.options.primaryMetric,
  };
  let writing: Promise<unknown> = Promise.resolve();
  const writeState = () => {
    state.heartbeat = new Date().toISOString();
    state.elapsedSeconds = Math.round((Date.now() - started) / 100) / 10;
    const body = JSON.stringify(state);
    // Writes are serialised so an older state never lands after a newer one.
    writing = writing
      .catch(() => undefined)
      .then(() =>
        blobs.getBlockBlobClient(prefix + 'status.json').upload(body, Buffer.byteLength(body), {
          blobHTTPHeaders: { blobContentType: 'application/json' },
        }),
      );
    return writing;
  };
  const beat = setInterval(() => {
    // The host is gone (SIGKILL): stop rather than train for nobody.
    if (process.ppid !== parent) process.exit(3);
    void writeState().catch(() => undefined);
  }, 2000);
  await writeState();

  let result: AutoMLResult;
  try {
    const source = (await blobs.getBlobClient(spec.trainBlob).download()).readableStreamBody!;
    result = await runAutoML(
      { rows: readCsvRows(source) },
      {
        target: spec.target,
        task: spec.options.task,
        primaryMetric: spec.options.primaryMetric,
        budgetSeconds: spec.options.budgetSeconds,
        maxTrials: spec.options.maxTrials,
        cvFolds: spec.options.cvFolds,
        seed: spec.options.seed,
        allowedLearners: spec.options.allowedLearners,
        blockedLearners: spec.options.blockedLearners,
      },
      (p: AutoMLProgress) => {
        if (p.trial) {
          state.trials = Math.max(state.trials, p.trial.trial);
          state.bestScore = p.trial.best;
          state.bestLearner = p.trial.bestLearner;
        }
      },
    );
  } catch (err) {
    clearInterval(beat);
    const code = err instanceof AutoMLError ? err.code : 'AUTOML_ERROR';
    state.state = 'failed';
    // Bad data or options fail the same way every time: not worth a resubmit.
    state.retryable = !(err instanceof AutoMLError);
    state.error = { code, message: (err as Error).message };
    await writeState();
    process.exit(1);
  }

  try {
    const files = renderJobArtifacts(result, { runId: spec.runId, source: `run ${spec.runId}, ${spec.trainBlob}` });
    const types: Record<string, string> = { '.onnx': 'application/octet-stream', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8' };
    for (const [name, data] of files) {
      await blobs.getBlockBlobClient(prefix + name).uploadData(data, {
        blobHTTPHeaders: { blobContentType: types[path.extname(name)] ?? 'application/octet-stream' },
      });
    }
  } catch (err) {
    // Say what failed rather than go silent (which would read as a lost worker and retrain).
    clearInterval(beat);
    state.state = 'failed';
    state.retryable = typeof (err as { statusCode?: unknown }).statusCode === 'number'; // storage: worth a retry
    state.error = { code: 'AUTOML_OUTPUT_FAILED', message: (err as Error).message };
    await writeState().catch(() => undefined);
    process.exit(1);
  }
  clearInterval(beat);
  state.state = 'completed';
  state.trials = result.trials;
  state.bestScore = result.best.score;
  state.bestLearner = result.best.learner;
  state.primaryMetric = result.primaryMetric;
  await writeState();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
