/**
 * The training pipeline: the trainDeployBenchmark orchestration and its activities (registrations
 * only; the steps are in src/pipeline), plus the host lifecycle of what the pipeline runs: deployments
 * come back when the host starts (whatever form the storage settings take), and endpoint and AutoML
 * worker processes stop with it.
 */
import { app, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appRoot } from '../src/app';
import * as activities from '../src/pipeline/activities';
import { Activities, ORCHESTRATION, trainDeployBenchmark } from '../src/pipeline/orchestrator';
import type { PipelineDeps } from '../src/pipeline/ports';

const root = appRoot();

df.app.orchestration(ORCHESTRATION, trainDeployBenchmark);

type Step<I, O> = (deps: PipelineDeps, input: I) => Promise<O>;

function activity<I, O>(name: string, step: Step<I, O>): void {
  df.app.activity(name, {
    handler: async (input: unknown, context: InvocationContext) => {
      const started = Date.now();
      try {
        return await step(root.pipeline(), input as I);
      } finally {
        context.log(`${name} took ${Date.now() - started} ms`);
      }
    },
  });
}

activity(Activities.prepare, activities.prepareData);
activity(Activities.submit, activities.submitAutoML);
activity(Activities.poll, activities.pollAutoML);
activity(Activities.register, activities.registerModel);
activity(Activities.deploy, activities.deployModel);
activity(Activities.benchmark, activities.benchmarkDeployment);
activity(Activities.decide, activities.decidePromotion);
activity(Activities.fail, activities.failRun);

app.hook.appStart(() => root.start());
app.hook.appTerminate(() => root.stop());
