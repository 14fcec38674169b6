import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { AutoMLJobRef, AutoMLJobStatus, Decision, DeploymentRef, PrepareOutput, RegisteredModelRef, RunInput, RunSummary } from './types';

export const ORCHESTRATION = 'trainDeployBenchmark';

export const Activities = {
  prepare: 'prepareData',
  submit: 'submitAutoML',
  poll: 'pollAutoML',
  register: 'registerModel',
  deploy: 'deployModel',
  benchmark: 'benchmarkDeployment',
  decide: 'decidePromotion',
  fail: 'failRun',
} as const;

/** Transient failures (storage hiccups, a busy port) retry with backoff; the host schedules retries. */
function retryOptions(): df.RetryOptions {
  const r = new df.RetryOptions(2000, 3);
  r.backoffCoefficient = 2;
  r.maxRetryIntervalInMilliseconds = 15000;
  return r;
}

/**
 * The training pipeline: prepare a stratified hold-out split, run AutoML as a submitted job polled on
 * durable timers (progress goes to custom status), register the best model, deploy it, benchmark it,
 * then promote it or keep the champion. Any failure ends the run Failed with the challenger retired
 * and the champion untouched. Deterministic: every value that varies comes from input or activities.
 */
export function* trainDeployBenchmark(ctx: OrchestrationContext): Generator<df.Task, RunSummary, any> {
  const input = ctx.df.getInput() as RunInput;
  const retry = retryOptions();
  const started = ctx.df.currentUtcDateTime.getTime();
  const status = (s: Record<string, unknown>) =>
    ctx.df.setCustomStatus({
      runId: input.runId,
      dataset: input.dataset,
      datasetVersion: input.datasetVersion,
      elapsedSeconds: Math.round((ctx.df.currentUtcDateTime.getTime() - started) / 1000),
      ...s,
    });

  let deployment: DeploymentRef | undefined;
  let model: RegisteredModelRef | undefined;
  let job: AutoMLJobRef | undefined;
  try {
    status({ phase: 'prepare' });
    const prep: PrepareOutput = yield ctx.df.callActivityWithRetry(Activities.prepare, retry, input);

    status({ phase: 'automl', trials: 0 });
    job = (yield ctx.df.callActivityWithRetry(Activities.submit, retry, { input, prep, attempt: 0 })) as AutoMLJobRef;
    let resubmits = 0;
    // Long budgets poll less often (history stays small); a job that outlives its budget by far is
    // stuck, whatever its heartbeat says.
    const budget = input.automl.budgetSeconds ?? 60;
    const interval = Math.min(Math.max(input.settings.pollSeconds, budget / 60), 15);
    let deadline = ctx.df.currentUtcDateTime.getTime() + (budget * 1.5 + 120) * 1000;
    for (;;) {
      if (ctx.df.currentUtcDateTime.getTime() > deadline) {
        throw new Error(`AUTOML_TIMEOUT: the AutoML job did not finish within its budget of ${budget} s plus grace`);
      }
      const fireAt = new Date(ctx.df.currentUtcDateTime.getTime() + interval * 1000);
      yield ctx.df.createTimer(fireAt);
      const st: AutoMLJobStatus = yield ctx.df.callActivityWithRetry(Activities.poll, retry, { runId: input.runId, jobId: job.jobId });
      status({
        phase: 'automl',
        trials: st.trials,
        bestScore: st.bestScore,
        bestLearner: st.bestLearner,
        primaryMetric: st.primaryMetric,
        automlElapsedSeconds: st.elapsedSeconds,
      });
      if (st.state === 'completed') break;
      if (st.state === 'failed') {
        if (st.retryable && resubmits < input.settings.maxAutoMLResubmits) {
          resubmits++;
          job = (yield ctx.df.callActivityWithRetry(Activities.submit, retry, { input, prep, attempt: resubmits })) as AutoMLJobRef;
          deadline = ctx.df.currentUtcDateTime.getTime() + (budget * 1.5 + 120) * 1000;
          continue;
        }
        throw new Error(`${st.error?.code ?? 'AUTOML_FAILED'}: ${st.error?.message ?? 'AutoML job failed'}`);
      }
    }

    status({ phase: 'register' });
    model = (yield ctx.df.callActivityWithRetry(Activities.register, retry, {
      input,
      prep,
      jobId: job.jobId,
    })) as RegisteredModelRef;

    status({ phase: 'deploy', model });
    deployment = (yield ctx.df.callActivityWithRetry(Activities.deploy, retry, { input, model })) as DeploymentRef;

    status({ phase: 'benchmark', model, deployment: deployment.name });
    const benchmark: RunSummary['benchmark'] = yield ctx.df.callActivityWithRetry(Activities.benchmark, retry, {
      input,
      prep,
      model,
      deployment,
    });

    status({ phase: 'decide', model, deployment: deployment.name, p95Ms: benchmark.direct.p95Ms });
    const decision: Decision = yield ctx.df.callActivityWithRetry(Activities.decide, retry, {
      input,
      prep,
      model,
      deployment,
      benchmark,
    });

    status({ phase: 'completed', model, deployment: deployment.name, promoted: decision.promoted, reason: decision.reason });
    return { runId: input.runId, model, deployment, benchmark, decision };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    status({ phase: 'failed', error: message });
    try {
      yield ctx.df.callActivityWithRetry(Activities.fail, retry, { input, deployment, model, jobId: job?.jobId, error: message });
    } catch {
      // The run fails with its own reason, not with the clean-up's.
    }
    throw err;
  }
}
