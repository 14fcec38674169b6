/** GET /api/models (every model version) and GET /api/deployments (champion marked), function key. */
import { app, HttpResponseInit } from '@azure/functions';
import { pipelineRuntime } from '../src/pipeline/wiring';

const json = (body: unknown): HttpResponseInit => ({ status: 200, jsonBody: body, headers: { 'cache-control': 'no-store' } });

app.http('listModels', {
  route: 'models',
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => json({ models: await pipelineRuntime().deps.models.list() }),
});

app.http('listDeployments', {
  route: 'deployments',
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => {
    const deployments = (await pipelineRuntime().target.list()).map((d) => ({
      name: d.name,
      model: { name: d.modelName, version: Number(d.modelVersion) },
      status: d.status,
      champion: d.champion,
      scoringUri: d.url ? `${d.url}/score` : '',
      target: d.target,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    }));
    return json({ deployments });
  },
});
