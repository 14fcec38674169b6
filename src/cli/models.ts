/**
 * `mlops models [NAME]`: every registered model version with its scores and status, the champion of
 * each model (what its scoring route serves) and the deployments; NAME: one model's versions.
 */
import { fmt, table } from '../client/format';
import { defineCommand, EXIT } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

const versionsTable = (models: any[]) =>
  table(
    ['model', 'version', 'status', 'learner', 'metric', 'CV', 'held-out', 'dataset', 'run'],
    models.map((m: any) => [
      m.name,
      String(m.version),
      m.status,
      m.learner,
      m.primaryMetric,
      fmt(m.cvScore),
      fmt(m.testScore),
      `${m.lineage?.dataset} v${m.lineage?.datasetVersion}`,
      m.lineage?.runId ?? '-',
    ]),
  );

const championsTable = (champions: any[]) =>
  table(
    ['champion of', 'version', 'deployment', 'scoring route'],
    champions.map((c: any) => [c.model, String(c.version), c.deployment, c.scoringRoute]),
  );

export const main = defineCommand(
  {
    name: 'models',
    summary: summaryOf('models'),
    positionals: [{ name: 'NAME', help: 'one model (= its dataset name): its versions and champion' }],
    options: [],
    remote: true,
    json: true,
  },
  async ({ opts, args, print }) => {
    const api = await client(opts);
    if (args.NAME) {
      const body = await api.get(`/api/models/${encodeURIComponent(args.NAME)}`);
      print(body, () => `${versionsTable(body.versions)}\n\n${body.champion ? championsTable([body.champion]) : `no champion: ${args.NAME} is not served`}`);
      return EXIT.OK;
    }
    const [{ models, champions }, { deployments }] = await Promise.all([api.get('/api/models'), api.get('/api/deployments')]);
    print({ models, champions, deployments }, () =>
      [
        models.length ? versionsTable(models) : 'no models registered yet',
        champions?.length ? championsTable(champions) : 'no champion: nothing is served (POST /api/score answers 503 NO_MODEL)',
        deployments.length
          ? table(
              ['deployment', 'model', 'status', 'champion'],
              deployments.map((d: any) => [d.name, `${d.model.name} v${d.model.version}`, d.status, d.champion ? 'yes' : '']),
            )
          : 'no deployments',
      ].join('\n\n'),
    );
    return EXIT.OK;
  },
);
