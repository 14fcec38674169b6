import type { ContainerClient } from '@azure/storage-blob';
import type { AutoMLJobResult } from '../provider';
import type { AzureMLClient } from './client';
import { datastoreContainer } from './datastore';
import { adaptToContract } from '../../contract/adapt';
import { ScoringError } from '../../contract/errors';
import { inputSchemaFromOnnx } from '../../contract/schema';
import { AzureMLError } from './errors';
import { learnerOf, lowerIsBetter } from './mapping';
import { metricOf, MlflowRun, tagOf } from './mlflow';

export const ARTIFACT_DATASTORE = 'workspaceartifactstore';

/** What the provider knows of a finished job when it collects its outputs. */
export interface FinishedJob {
  name: string;
  armId: string;
  task: 'classification' | 'regression';
  target: string;
  primaryMetric: string;
  dataAsset: string;
  createdAt?: Date;
  parent: MlflowRun;
  children: MlflowRun[];
}

/** The artifact folder of a run: from its artifact_uri when it names a datastore path, else AutoML's layout. */
export function artifactPrefix(run: MlflowRun): string {
  const m = /^azureml:\/\/datastores\/[^/]+\/paths\/(.*)$/i.exec(run.info.artifact_uri ?? '');
  return m ? m[1].replace(/\/?$/, '/') : `ExperimentRun/dcid.${run.info.run_id}/`;
}

/** Where AutoML's MLflow model of a child run is, as a model version's modelUri. */
export const mlflowModelUri = (best: MlflowRun) => `azureml://jobs/${best.info.run_id}/outputs/artifacts/outputs/mlflow-model/`;

/** The best child: the parent's automl_best_child_run_id tag, else the best finished child by the metric. */
export function bestChild(job: FinishedJob): MlflowRun | undefined {
  const tagged = tagOf(job.parent, 'automl_best_child_run_id');
  if (tagged) return job.children.find((c) => c.info.run_id === tagged);
  const scored = job.children.filter((c) => c.info.status === 'FINISHED' && metricOf(c, job.primaryMetric) !== undefined);
  const sign = lowerIsBetter(job.primaryMetric) ? 1 : -1;
  return scored.sort((a, b) => sign * (metricOf(a, job.primaryMetric)! - metricOf(b, job.primaryMetric)!))[0];
}

/** The leaderboard from the child runs, best first. */
export function leaderboard(
  job: FinishedJob,
): { rank: number; trial: number; runId: string; learner: string; algorithm: string; score: number; metrics: Record<string, number> }[] {
  const sign = lowerIsBetter(job.primaryMetric) ? 1 : -1;
  return job.children
    .filter((c) => c.info.status === 'FINISHED' && metricOf(c, job.primaryMetric) !== undefined)
    .map((c) => {
      const algorithm = tagOf(c, 'run_algorithm') ?? 'unknown';
      return {
        rank: 0,
        trial: Number(tagOf(c, 'iteration') ?? /_(\d+)$/.exec(c.info.run_id)?.[1] ?? 0),
        runId: c.info.run_id,
        learner: learnerOf(algorithm, job.task),
        algorithm,
        score: metricOf(c, job.primaryMetric)!,
        metrics: Object.fromEntries((c.data.metrics ?? []).map((m) => [m.key, m.value])),
      };
    })
    .sort((a, b) => sign * (a.score - b.score))
    .map((e, i) => ({ ...e, rank: i + 1 }));
}

async function read(container: ContainerClient, blob: string): Promise<Buffer | undefined> {
  try {
    return await container.getBlobClient(blob).downloadToBuffer();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

function modelCard(job: FinishedJob, best: MlflowRun, board: ReturnType<typeof leaderboard>, modelUri: string, workspace: string, adapted?: string[]): string {
  const lines = [
    `# Model card: Azure ML AutoML job ${job.name}`,
    '',
    `- Workspace: ${workspace}`,
    `- Job: ${job.armId}`,
    `- Best child run: ${best.info.run_id} (${tagOf(best, 'run_algorithm') ?? 'unknown'})`,
    `- Task: ${job.task}, target \`${job.target}\``,
    `- Primary metric: ${job.primaryMetric} = ${metricOf(best, job.primaryMetric)}`,
    `- Training data: ${job.dataAsset}`,
    `- MLflow model: ${modelUri}`,
    `- Trials: ${job.children.length}`,
    '',
    '## Leaderboard (top 10)',
    '',
    '| rank | run | algorithm | score |',
    '| ---: | --- | --- | ---: |',
    ...board.slice(0, 10).map((e) => `| ${e.rank} | ${e.runId} | ${e.algorithm} | ${e.score.toFixed(4)} |`),
    '',
    '## Scoring',
    '',
    adapted
      ? "The model is the best child's ONNX export (AutoML with ONNX-compatible models), rewritten into the project's endpoint contract (no pipeline.json: held-out evaluation goes through ONNX):"
      : "The model is the best child's ONNX export (AutoML with ONNX-compatible models), served by the project's ONNX endpoints as is.",
    '',
    ...(adapted ?? []).map((c) => `- ${c}`),
    ...(adapted?.length ? [''] : []),
  ];
  return lines.join('\n');
}

/**
 * Downloads the best child's model (ONNX, with its MLflow folder's MLmodel) from the artifact store
 * and writes the job's outputs into the registry container in the layout the local provider leaves
 * (model.onnx, pipeline.json, leaderboard.json, metrics.json, guardrails.json, model-card.md,
 * result.json), plus azureml.json with the Azure ML lineage. The engine's pipeline.json is only
 * there when the job left one (the emulator's trainer does; Azure's AutoML does not). Without it the
 * ONNX model is adapted to the endpoint contract (src/contract/adapt.ts; MODEL_NOT_ADAPTABLE when it
 * cannot be), the classes are read from the model, and azureml.json records the changes.
 */
export async function collectOutputs(
  client: AzureMLClient,
  registry: ContainerClient,
  prefix: string,
  job: FinishedJob,
  best: MlflowRun,
  lineage: Record<string, string>,
): Promise<AutoMLJobResult> {
  const { container } = await datastoreContainer(client, ARTIFACT_DATASTORE);
  const base = artifactPrefix(best) + 'outputs/';
  const onnx = (await read(container, `${base}model.onnx`)) ?? (await read(container, `${base}mlflow-model/model.onnx`));
  if (!onnx)
    throw new AzureMLError(
      'MODEL_NOT_ONNX',
      `the best child ${best.info.run_id} has no ONNX model (outputs/model.onnx); the project's endpoints serve ONNX only`,
    );
  const mlmodel = (await read(container, `${base}mlflow-model/MLmodel`))?.toString('utf8');
  const pipeline = await read(container, `${base}engine/pipeline.json`);
  // Without the engine's pipeline (a model trained by Azure's own AutoML) the model is rewritten into the
  // endpoint contract; its held-out evaluation then goes through ONNX (src/automl/onnx/evaluate.ts).
  let model: Uint8Array = onnx;
  let adapted: string[] | undefined;
  let classes: string[];
  if (pipeline) {
    classes = (JSON.parse(pipeline.toString('utf8')) as { classes?: string[] }).classes ?? [];
  } else {
    try {
      const res = adaptToContract(onnx, { target: job.target });
      model = res.bytes;
      adapted = res.changes;
      classes = inputSchemaFromOnnx(model).classes;
    } catch (err) {
      if (err instanceof ScoringError)
        throw new AzureMLError('MODEL_NOT_ADAPTABLE', `the best child ${best.info.run_id}'s ONNX model: ${err.code}: ${err.message}`);
      throw err;
    }
  }
  const board = leaderboard(job);
  const score = metricOf(best, job.primaryMetric)!;
  const modelUri = mlflowModelUri(best);
  const elapsed = job.parent.info.end_time && job.parent.info.start_time ? (job.parent.info.end_time - job.parent.info.start_time) / 1000 : 0;
  const result: AutoMLJobResult = {
    task: job.task === 'regression' ? 'regression' : classes.length > 2 ? 'multiclass' : 'binary',
    target: job.target,
    classes,
    primaryMetric: job.primaryMetric,
    cvScore: score,
    bestLearner: learnerOf(tagOf(best, 'run_algorithm') ?? 'unknown', job.task),
    trials: job.children.length,
    elapsedSeconds: Math.round(elapsed * 10) / 10,
    leaderboardTop: board.slice(0, 10).map((e) => ({ rank: e.rank, learner: e.learner, score: e.score })),
  };
  const cv = Object.fromEntries((best.data.metrics ?? []).map((m) => [m.key, m.value]));
  const files: Record<string, Buffer | string> = {
    'model.onnx': Buffer.from(model),
    ...(pipeline ? { 'pipeline.json': pipeline } : {}),
    'leaderboard.json': JSON.stringify(board, null, 2),
    'metrics.json': JSON.stringify(
      { primaryMetric: job.primaryMetric, primaryScore: score, cv, featureImportance: [], source: `azureml child run ${best.info.run_id}` },
      null,
      2,
    ),
    'guardrails.json': '[]',
    'model-card.md': modelCard(job, best, board, modelUri, `${client.settings.resourceGroup}/${client.settings.workspace}`, adapted),
    'azureml.json': JSON.stringify(
      {
        job: job.armId,
        jobName: job.name,
        bestChildRunId: best.info.run_id,
        dataAsset: job.dataAsset,
        mlflowModelUri: modelUri,
        ...lineage,
        // How the registered model.onnx relates to the best child's: as is, or rewritten into the endpoint contract.
        model: adapted ? { source: 'azure-automl', adapted: true, changes: adapted } : { source: 'engine', adapted: false },
        mlmodel: mlmodel ?? null,
      },
      null,
      2,
    ),
    // result.json last: its presence marks the outputs complete.
    'result.json': JSON.stringify(result, null, 2),
  };
  for (const [name, body] of Object.entries(files)) {
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await registry.getBlockBlobClient(prefix + name).uploadData(data, {
      blobHTTPHeaders: {
        blobContentType: name.endsWith('.onnx') ? 'application/octet-stream' : name.endsWith('.md') ? 'text/markdown; charset=utf-8' : 'application/json',
      },
    });
  }
  return result;
}
