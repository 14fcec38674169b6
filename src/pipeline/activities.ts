import type { ModelArtifacts } from '../models/registry';
import { promotionRule } from './decision';
import { evaluateVersionOnHeldOut, readHeldOut } from './evaluate';
import type { PipelineDeps } from './ports';
import { stratifiedSplit } from './split';
import type { AutoMLJobStatus, Decision, DeploymentRef, PrepareOutput, RegisteredModelRef, RunInput, RunSummary } from './types';

/** An error whose code says what went wrong, for the run record and the orchestration's output. */
export class PipelineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'PipelineError';
  }
}

/**
 * Run ids become blob path segments, table keys and Durable instance ids: a letter or digit, then
 * letters, digits, '.', '_' and '-' (dataset names may hold '.' and '_'); no '/', '\\', '?', '#'.
 */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) throw new PipelineError('INVALID_RUN_ID', `run id '${String(runId).slice(0, 120)}' must match ${RUN_ID}`);
}

/**
 * A deployment name for a model version (Azure ML's rule: letters, digits and dashes, at most 63
 * characters), whatever characters the dataset name has: `bank_marketing` v3 -> `bank-marketing-v3`.
 */
export function deploymentName(model: string, version: number): string {
  const suffix = `-v${version}`;
  const base = model.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  return base.slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
}

export async function prepareData(deps: PipelineDeps, input: RunInput): Promise<PrepareOutput> {
  checkRunId(input.runId);
  await deps.runs.open({
    runId: input.runId,
    dataset: input.dataset,
    datasetVersion: input.datasetVersion,
    trigger: input.trigger,
    options: input.automl as Record<string, unknown>,
  });
  await deps.runs.update(input.runId, { phase: 'prepare' });
  const info = await deps.datasets.getVersion(input.dataset, input.datasetVersion);
  if (!info) throw new PipelineError('DATASET_NOT_FOUND', `dataset ${input.dataset} v${input.datasetVersion} is not registered`);
  if (info.status !== 'registered') throw new PipelineError('DATASET_REJECTED', `dataset ${input.dataset} v${input.datasetVersion} was rejected`);

  const seed = input.automl.seed ?? 42;
  const source = await deps.datasets.openSnapshot(input.dataset, input.datasetVersion);
  let res;
  try {
    res = await deps.splits.write(input.runId, (sinks) =>
      stratifiedSplit(source, { target: info.target, fraction: input.settings.testFraction, seed, classCounts: info.classCounts, rows: info.rows }, sinks),
    );
  } catch (err) {
    (source as NodeJS.ReadableStream & { destroy?(): void }).destroy?.();
    throw new PipelineError('SPLIT_FAILED', `the held-out split of ${input.dataset} v${input.datasetVersion} failed: ${(err as Error).message}`);
  }
  await deps.runs.update(input.runId, { split: { train: res.train, test: res.test, testByClass: res.testByClass } });
  return { target: info.target, datasetSha256: info.sha256, trainBlob: deps.splits.trainBlob(input.runId), train: res.train, test: res.test };
}

export async function submitAutoML(deps: PipelineDeps, args: { input: RunInput; prep: PrepareOutput; attempt: number }): Promise<{ jobId: string }> {
  checkRunId(args.input.runId);
  await deps.runs.update(args.input.runId, { phase: 'automl' }, `provider ${deps.automl.name}, attempt ${args.attempt}`);
  return deps.automl.submit({
    runId: args.input.runId,
    attempt: args.attempt,
    trainBlob: args.prep.trainBlob,
    target: args.prep.target,
    options: args.input.automl,
    dataset: { name: args.input.dataset, version: args.input.datasetVersion, sha256: args.prep.datasetSha256 },
  });
}

export async function pollAutoML(deps: PipelineDeps, args: { runId: string; jobId: string }): Promise<AutoMLJobStatus> {
  const st = await deps.automl.status(args.jobId);
  await deps.runs.update(args.runId, {
    automl: {
      trials: st.trials,
      bestScore: st.bestScore,
      bestLearner: st.bestLearner,
      primaryMetric: st.primaryMetric,
      elapsedSeconds: st.elapsedSeconds,
    },
  });
  return st;
}

export async function registerModel(deps: PipelineDeps, args: { input: RunInput; prep: PrepareOutput; jobId: string }): Promise<RegisteredModelRef> {
  const { input } = args;
  const { result, artifacts: out, lineage: providerLineage } = await deps.automl.result(args.jobId);
  const text = (f: keyof typeof out) => (typeof out[f] === 'string' ? (out[f] as string) : Buffer.from(out[f] as Uint8Array).toString('utf8'));
  const artifacts: ModelArtifacts = {
    'model.onnx': typeof out['model.onnx'] === 'string' ? Buffer.from(out['model.onnx']) : out['model.onnx'],
    // Absent for a model trained by Azure's own AutoML: its held-out evaluation goes through model.onnx.
    'pipeline.json': out['pipeline.json'] === undefined ? undefined : text('pipeline.json'),
    'leaderboard.json': text('leaderboard.json'),
    'metrics.json': text('metrics.json'),
    'guardrails.json': text('guardrails.json'),
    'model-card.md': text('model-card.md'),
    'lineage.json': JSON.stringify(
      {
        dataset: input.dataset,
        datasetVersion: input.datasetVersion,
        datasetSha256: args.prep.datasetSha256,
        runId: input.runId,
        trainRows: args.prep.train,
        heldOutRows: args.prep.test,
        automlJob: args.jobId,
        provider: deps.automl.name,
        ...(providerLineage ?? {}),
      },
      null,
      2,
    ),
  };
  const m = await deps.models.register(
    input.dataset,
    {
      learner: result.bestLearner,
      task: result.task,
      primaryMetric: result.primaryMetric,
      cvScore: result.cvScore,
      lineage: { dataset: input.dataset, datasetVersion: input.datasetVersion, datasetSha256: args.prep.datasetSha256, runId: input.runId },
    },
    artifacts,
  );
  const ref: RegisteredModelRef = { name: m.name, version: m.version, primaryMetric: m.primaryMetric, cvScore: m.cvScore };
  await deps.runs.update(input.runId, {
    phase: 'register',
    model: { name: m.name, version: m.version },
    metrics: runMetrics(JSON.parse(artifacts['metrics.json'] as string)),
    automl: {
      trials: result.trials,
      bestScore: result.cvScore,
      bestLearner: result.bestLearner,
      primaryMetric: result.primaryMetric,
      elapsedSeconds: result.elapsedSeconds,
      leaderboardTop: result.leaderboardTop.slice(0, 10),
    },
  });
  deps.telemetry.event(
    'AutoMLCompleted',
    { runId: input.runId, model: m.name, version: m.version, learner: result.bestLearner },
    {
      cvScore: result.cvScore,
      trials: result.trials,
    },
  );
  deps.telemetry.metric('AutoMLBestScore', result.cvScore, { runId: input.runId, metric: result.primaryMetric });
  await deps.events.publish('Mlops.ModelRegistered', `models/${m.name}/versions/${m.version}`, {
    runId: input.runId,
    model: m.name,
    version: m.version,
    primaryMetric: m.primaryMetric,
    cvScore: m.cvScore,
  });
  return ref;
}

/** The CV metrics worth showing with a run (curves and long lists stay in the model's metrics.json). */
function runMetrics(doc: {
  primaryMetric?: string;
  primaryScore?: number;
  cv?: Record<string, unknown>;
  featureImportance?: { column: string; importance: number }[];
}): Record<string, unknown> {
  const cv: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.cv ?? {})) if (k !== 'roc_curve' && k !== 'pr_curve' && k !== 'predicted_vs_actual') cv[k] = v;
  return { primaryMetric: doc.primaryMetric, primaryScore: doc.primaryScore, cv, featureImportanceTop: (doc.featureImportance ?? []).slice(0, 8) };
}

export async function deployModel(deps: PipelineDeps, args: { input: RunInput; model: RegisteredModelRef }): Promise<DeploymentRef> {
  const { model } = args;
  const name = deploymentName(model.name, model.version);
  const d = await deps.deployer.deploy({ name, model: { name: model.name, version: model.version } });
  await deps.runs.update(args.input.runId, { phase: 'deploy', deployment: { name: d.name, scoringUri: d.scoringUri } });
  deps.telemetry.event('ModelDeployed', { runId: args.input.runId, deployment: d.name, model: model.name, version: model.version });
  await deps.events.publish('Mlops.ModelDeployed', `deployments/${d.name}`, {
    runId: args.input.runId,
    deployment: d.name,
    model: model.name,
    version: model.version,
  });
  return { name: d.name, scoringUri: d.scoringUri };
}

/** One row of the held-out split, as a scoring request body in the classic {"data": [...]} shape. */
async function sampleBody(deps: PipelineDeps, runId: string, target: string): Promise<string> {
  const held = await readHeldOut(await deps.splits.openTest(runId));
  const row: Record<string, string | number> = {};
  for (const h of held.header) {
    if (h === target) continue;
    const v = held.cells[h][0] ?? '';
    const num = Number(v);
    row[h] = v !== '' && Number.isFinite(num) ? num : v;
  }
  return JSON.stringify({ data: [row] });
}

export async function benchmarkDeployment(
  deps: PipelineDeps,
  args: { input: RunInput; prep: PrepareOutput; model: RegisteredModelRef; deployment: DeploymentRef },
): Promise<RunSummary['benchmark']> {
  const { input, deployment, model } = args;
  await deps.runs.update(input.runId, { phase: 'benchmark' });
  const body = await sampleBody(deps, input.runId, args.prep.target);
  const direct0 = await deps.deployer.route(deployment.name);
  const { report: directReport, ...direct } = await deps.load.run({
    url: direct0.url,
    headers: { 'content-type': 'application/json', ...direct0.headers },
    body,
    requests: input.settings.benchRequests,
    concurrency: input.settings.benchConcurrency,
  });
  let proxy;
  let proxyReport: string | undefined;
  const route = deps.proxy ? await deps.proxy(model.name) : undefined;
  if (route) {
    const r = await deps.load.run({
      url: route.url,
      // Azure ML's header for addressing one deployment of an endpoint; the proxy honours it.
      headers: { 'content-type': 'application/json', 'azureml-model-deployment': deployment.name, ...route.headers },
      body,
      requests: input.settings.benchRequests,
      concurrency: input.settings.benchConcurrency,
    });
    ({ report: proxyReport, ...proxy } = r);
  }
  const report = `# Benchmark of ${deployment.name} (direct)\n${directReport}\n` + (proxyReport ? `\n# Through the proxy ${route!.url}\n${proxyReport}\n` : '');
  await deps.models.writeReport(model.name, model.version, 'benchmark.txt', report);
  await deps.models.writeReport(model.name, model.version, 'benchmark.json', JSON.stringify({ direct, proxy }, null, 2));
  await deps.runs.update(input.runId, { benchmark: { direct, proxy } });
  deps.telemetry.event(
    'BenchmarkCompleted',
    { runId: input.runId, deployment: deployment.name },
    {
      requestsPerSecond: direct.requestsPerSecond,
      p95Ms: direct.p95Ms,
      errors: direct.errors,
    },
  );
  deps.telemetry.metric('BenchmarkP95Ms', direct.p95Ms, { deployment: deployment.name });
  return { direct, proxy };
}

function strip(d: Decision & { applied?: boolean }): Decision {
  const { applied: _applied, ...rest } = d;
  return rest;
}

/** Scores challenger and champion on the run's held-out rows and applies the promotion rule. */
async function makeDecision(
  deps: PipelineDeps,
  args: { input: RunInput; prep: PrepareOutput; model: RegisteredModelRef; deployment: DeploymentRef; benchmark: RunSummary['benchmark'] },
): Promise<Decision> {
  const { input, model, deployment, benchmark } = args;
  const held = await readHeldOut(await deps.splits.openTest(input.runId));
  const metric = model.primaryMetric;
  // By the version's pipeline.json when it has one, else by its ONNX model (Azure-trained models).
  const heldOutScore = (name: string, version: number) => evaluateVersionOnHeldOut(deps.models, { name, version }, held, metric, args.prep.target);
  const challengerEval = await heldOutScore(model.name, model.version);
  const challengerScore = challengerEval.score;
  // A champion per model lineage: the challenger competes only with its own dataset's champion.
  const current = await deps.champions.champion(model.name);
  const tol = input.settings.promotionTolerance;
  const base = {
    challenger: { model: model.name, version: model.version, testScore: challengerScore, evaluatedBy: challengerEval.via },
    metric,
    tolerance: tol,
    sloP95Ms: input.settings.maxP95Ms,
    p95Ms: benchmark.direct.p95Ms,
  };
  if (!current || current.name === deployment.name) {
    const full = await deps.champions.capacityProblem(model.name);
    if (full) return { ...base, promoted: false, reason: full };
  }
  let champion: Decision['champion'];
  if (current && current.name !== deployment.name) {
    const { score, via } = await heldOutScore(current.model.name, current.model.version);
    champion = { model: current.model.name, version: current.model.version, testScore: score, deployment: current.name, evaluatedBy: via };
  }
  const { promoted, reason } = promotionRule({
    metric,
    challengerScore,
    champion,
    tolerance: tol,
    benchmark: benchmark.direct,
    maxP95Ms: input.settings.maxP95Ms,
  });
  // A challenger that passed the rule meets live traffic first where the target has a canary stage.
  if (promoted && champion && deps.champions.canary) {
    const canary = await deps.champions.canary(model.name, deployment.name, await sampleBody(deps, input.runId, args.prep.target));
    if (canary && !canary.passed) return { ...base, promoted: false, reason: `CANARY_FAILED: ${canary.reason}`, champion, canary };
    if (canary) return { ...base, promoted, reason: `${reason}; canary passed: ${canary.reason}`, champion, canary };
  }
  return { ...base, promoted, reason, champion };
}

export async function decidePromotion(
  deps: PipelineDeps,
  args: { input: RunInput; prep: PrepareOutput; model: RegisteredModelRef; deployment: DeploymentRef; benchmark: RunSummary['benchmark'] },
): Promise<Decision> {
  const { input, model, deployment } = args;
  const run = await deps.runs.get(input.runId);
  const recorded = run?.decision as unknown as (Decision & { applied?: boolean }) | undefined;
  if (recorded?.applied) return strip(recorded); // decided and carried out already (activity replayed)
  await deps.runs.update(input.runId, { phase: 'decide' });

  // One decision at a time: two runs finishing together must not both replace the same champion.
  const decision = await deps.champions.withLock(model.name, async () => {
    // A decision recorded by an attempt that crashed before carrying it out is carried out as recorded:
    // recomputing it would find the challenger already champion and forget whom it replaced.
    const decision = recorded ?? (await makeDecision(deps, args));
    if (!recorded) await deps.runs.update(input.runId, { decision: decision as unknown as Record<string, unknown> });
    const { promoted, reason, champion } = decision;
    const challengerScore = decision.challenger.testScore;
    // Every step below is idempotent, so repeating them after a crash is harmless.
    if (promoted) {
      await deps.champions.promote(deployment.name);
      if (champion && champion.deployment !== deployment.name) await deps.deployer.retire(champion.deployment);
      await deps.models.update(model.name, model.version, { status: 'champion', testScore: challengerScore, decision: reason });
      // The old champion keeps its own held-out score; its score on this run's rows is in the decision.
      if (champion) await deps.models.update(champion.model, champion.version, { status: 'retired' });
    } else {
      await deps.deployer.retire(deployment.name);
      await deps.models.update(model.name, model.version, { status: 'rejected', testScore: challengerScore, decision: reason });
    }
    return decision;
  });
  const { promoted, reason } = decision;
  const challengerScore = decision.challenger.testScore;
  await deps.runs.update(input.runId, { phase: 'completed', decision: { ...decision, applied: true } as unknown as Record<string, unknown> });
  deps.telemetry.event(
    promoted ? 'ModelPromoted' : 'ModelRejected',
    { runId: input.runId, model: model.name, version: model.version, reason },
    {
      testScore: challengerScore,
    },
  );
  await deps.events.publish(promoted ? 'Mlops.ModelPromoted' : 'Mlops.ModelRejected', `models/${model.name}/versions/${model.version}`, {
    runId: input.runId,
    ...decision,
  });
  // A run's telemetry is complete when it ends: don't leave it to the exporter's interval.
  await deps.telemetry.flush().catch(() => undefined);
  return strip(decision);
}

export async function failRun(
  deps: PipelineDeps,
  args: { input: RunInput; deployment?: DeploymentRef; model?: RegisteredModelRef; jobId?: string; error: string },
): Promise<void> {
  const { input } = args;
  // The AutoML worker stops with the run, whatever state it is in.
  if (args.jobId) await deps.automl.cancel(args.jobId).catch(() => undefined);
  // The deployment this run made, or may have made before its deploy step failed, goes too
  // (never the champion).
  const name = args.deployment?.name ?? (args.model ? deploymentName(args.model.name, args.model.version) : undefined);
  if (name) {
    const model = args.model?.name ?? name;
    const champ = args.model ? await deps.champions.champion(model) : undefined;
    if (champ?.name !== name) await deps.deployer.retire(name).catch(() => undefined);
  }
  const code = /^([A-Z][A-Z0-9_]+):/.exec(args.error)?.[1] ?? 'RUN_FAILED';
  await deps.runs.open({ runId: input.runId, dataset: input.dataset, datasetVersion: input.datasetVersion, trigger: input.trigger });
  await deps.runs.update(input.runId, { phase: 'failed', error: { code, message: args.error } });
  deps.telemetry.event('RunFailed', { runId: input.runId, code });
  await deps.events.publish('Mlops.RunFailed', `runs/${input.runId}`, { runId: input.runId, code, message: args.error });
  await deps.telemetry.flush().catch(() => undefined);
}
