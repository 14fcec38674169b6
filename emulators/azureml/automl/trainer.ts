/**
 * One emulated AutoML job, as its own process (started by automl/runner.ts): reads the job's MLTable
 * folder from the workspace datastore (Azurite), trains with the project's own AutoML engine, reports
 * each finished trial (a child run) to progress.json, and writes the best child's outputs the way
 * AutoML lays them out in the artifact store: ExperimentRun/dcid.<child>/outputs/{model.onnx,
 * mlflow-model/MLmodel, ...}. The engine's own files (pipeline.json, metrics, card) go beside them
 * under outputs/engine/, which a real workspace does not have; with outputs 'azure' (TrainerInput) the
 * model is converted to Azure AutoML's ONNX conventions (azureOnnx.ts) and outputs/engine/ is not
 * written, as a real workspace leaves it. Exits when its parent is gone.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { readCsvRows } from '../../../src/datasets/csv';
import { AutoMLError, runAutoML, tableFromRows } from '../../../src/automl';
import type { AutoMLProgress, AutoMLResult, Task } from '../../../src/automl';
import type { InputColumn } from '../../../src/automl/pipeline';
import { getColumn, type Table } from '../../../src/automl/table';
import { renderJobArtifacts } from '../../../src/training/artifacts';
import { LEARNER_TO_ALGORITHM } from './algorithms';
import { toAzureConventions } from './azureOnnx';
import { childRunId, TrainerInput, TrainerProgress, TrainerResult, TrialRecord, writeJsonFile } from './files';
import { CONDA_YAML, renderMLmodel } from './mlmodel';
import { parseMLTable } from './mltable';

class UserError extends Error {
  constructor(
    readonly inner: string,
    message: string,
  ) {
    super(message);
  }
}

/** Numeric inputs whose training values are all present integers (Azure types those columns int64). */
function integerColumns(table: Table, inputs: readonly InputColumn[]): string[] {
  return inputs
    .filter((c) => c.kind === 'numeric')
    .map((c) => c.name)
    .filter((name) => {
      const col = getColumn(table, name).numeric;
      return col.length > 0 && Array.from(col).every((v) => Number.isInteger(v) && Math.abs(v) <= 2 ** 24);
    });
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const input = JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8')) as TrainerInput;
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) process.exit(3);
  }, 1000);
  const svc = BlobServiceClient.fromConnectionString(input.connectionString);
  const data = svc.getContainerClient(input.dataContainer);
  const progress: TrainerProgress = { phase: 'load', startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(), trials: [] };
  const save = () => {
    progress.updatedAt = new Date().toISOString();
    writeJsonFile(path.join(dir, 'progress.json'), progress);
  };
  save();
  const finish = (r: TrainerResult) => {
    writeJsonFile(path.join(dir, 'result.json'), r);
    clearInterval(watch);
    process.exit(r.status === 'Completed' ? 0 : 1);
  };

  try {
    const { plan } = input;
    const folder = input.dataFolder.replace(/\/?$/, '/');
    let mltable: string;
    try {
      mltable = (await data.getBlobClient(`${folder}MLTable`).downloadToBuffer()).toString('utf8');
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) throw new UserError('DataNotFound', `no MLTable file at ${folder}MLTable in the datastore`);
      throw err;
    }
    let spec;
    try {
      spec = parseMLTable(mltable);
    } catch (err) {
      throw new UserError('InvalidMLTable', (err as Error).message);
    }
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await data.getBlobClient(folder + spec.files[0]).download()).readableStreamBody!;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) throw new UserError('DataNotFound', `the MLTable's file ${spec.files[0]} is not in ${folder}`);
      throw err;
    }
    const table = await tableFromRows(readCsvRows(stream));
    let task: Task | undefined;
    if (plan.taskType === 'Regression') task = 'regression';
    else {
      const col = getColumn(table, plan.target);
      const distinct = col.codes
        ? new Set(Array.from(col.codes).filter((c) => c >= 0)).size
        : new Set(Array.from(col.numeric).filter((v) => !Number.isNaN(v))).size;
      task = distinct > 2 ? 'multiclass' : 'binary';
    }
    progress.phase = 'featurize';
    save();
    const result: AutoMLResult = await runAutoML(
      table,
      {
        target: plan.target,
        task,
        primaryMetric: plan.primaryMetric,
        budgetSeconds: plan.budgetSeconds,
        maxTrials: plan.maxTrials,
        scoreThreshold: plan.exitScore,
        cvFolds: plan.cvFolds,
        validationFraction: plan.validationFraction,
        allowedLearners: plan.allowedLearners,
        blockedLearners: plan.blockedLearners,
        ensemble: plan.ensemble,
        batchSize: plan.maxConcurrentTrials,
        workers: input.workers,
      },
      (p: AutoMLProgress) => {
        progress.phase = p.phase;
        if (p.trial) {
          progress.trials.push({
            trial: p.trial.trial,
            learner: p.trial.learner,
            algorithm: LEARNER_TO_ALGORITHM[p.trial.learner] ?? p.trial.learner,
            score: p.trial.score,
            status: p.trial.status,
            fitSeconds: 0,
            endedAt: new Date().toISOString(),
          });
          progress.bestScore = p.trial.best;
          save();
        }
      },
    );

    const trials: TrialRecord[] = result.leaderboard.map((e) => ({
      trial: e.trial,
      learner: e.learner,
      algorithm: LEARNER_TO_ALGORITHM[e.learner] ?? e.learner,
      score: e.score,
      status: e.status,
      fitSeconds: e.fitSeconds,
      metrics: { [result.primaryMetric]: e.score, ...(e.metrics ?? {}) },
      endedAt: new Date().toISOString(),
    }));
    const best = childRunId(input.jobName, result.best.trial);
    const prefix = `ExperimentRun/dcid.${best}/outputs/`;
    const artifacts = svc.getContainerClient(input.artifactsContainer);
    const engine = renderJobArtifacts(result, { runId: input.jobName, source: `Azure ML emulator job ${input.jobName}` });
    const onnx = engine.get('model.onnx')!;
    const put = (name: string, body: Buffer | string) =>
      artifacts.getBlockBlobClient(prefix + name).uploadData(typeof body === 'string' ? Buffer.from(body) : body);
    // Azure-native outputs: the model in Azure AutoML's ONNX conventions (integer-valued numeric columns
    // with no missing value as int64 inputs, ZipMap, output_label/output_probability) and no engine files.
    const azure = input.outputs === 'azure';
    const model = azure ? Buffer.from(toAzureConventions(onnx, { intColumns: integerColumns(table, result.pipeline.inputs) })) : onnx;
    if (plan.onnx) {
      await put('model.onnx', model);
      await put('mlflow-model/model.onnx', model);
      await put('mlflow-model/MLmodel', renderMLmodel(result.pipeline, best));
      await put('mlflow-model/conda.yaml', CONDA_YAML);
    }
    if (!azure) for (const [name, body] of engine) if (name !== 'model.onnx') await put(`engine/${name}`, body);
    finish({
      status: 'Completed',
      task: result.task,
      primaryMetric: result.primaryMetric,
      bestTrial: result.best.trial,
      bestScore: result.best.score,
      trials,
      outputsPrefix: prefix,
      endedAt: new Date().toISOString(),
    });
  } catch (err) {
    const user = err instanceof UserError || err instanceof AutoMLError;
    const inner = err instanceof UserError ? err.inner : err instanceof AutoMLError ? err.code : 'TrainerCrashed';
    finish({
      status: 'Failed',
      error: { code: user ? 'UserError' : 'SystemError', message: (err as Error).message, innerError: { code: inner } },
      endedAt: new Date().toISOString(),
    });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
