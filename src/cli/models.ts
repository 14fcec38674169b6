/** `mlops models`: every registered model version with its scores and status; and the deployments. */
import { fmt, table } from '../client/format';
import { remoteCommand } from './_simple';

export const main = remoteCommand('models', 'Registered model versions and deployments (champion marked).', [], async (api, opts) => {
  const [{ models }, { deployments }] = await Promise.all([api.get('/api/models'), api.get('/api/deployments')]);
  if (opts.json) return process.stdout.write(JSON.stringify({ models, deployments }, null, 2) + '\n'), 0;
  process.stdout.write(
    table(
      ['model', 'version', 'status', 'learner', 'metric', 'CV', 'held-out', 'dataset', 'run'],
      models.map((m: any) => [m.name, String(m.version), m.status, m.learner, m.primaryMetric, fmt(m.cvScore), fmt(m.testScore), `${m.lineage.dataset} v${m.lineage.datasetVersion}`, m.lineage.runId]),
    ) + '\n\n',
  );
  process.stdout.write(
    table(
      ['deployment', 'model', 'status', 'champion'],
      deployments.map((d: any) => [d.name, `${d.model.name} v${d.model.version}`, d.status, d.champion ? 'yes' : '']),
    ) + '\n',
  );
  return 0;
});
