/**
 * Models and deployments for operators (function key): GET /api/models (every version, and the champion
 * of each served model), GET /api/models/{name}, POST /api/models/{name}/rollback {"version": n} (serve
 * an earlier version again), POST /api/models/{name}/retire (stop serving the model, keep its history),
 * GET /api/deployments (champions marked), POST /api/deployments/{name}/retire (retire one deployment
 * that is not a champion).
 */
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { appRoot } from '../src/app';
import { DEPLOYMENT_NAME, DeployError } from '../src/deploy/target';

const root = appRoot();
const json = (status: number, body: unknown): HttpResponseInit => ({ status, jsonBody: body, headers: { 'cache-control': 'no-store' } });
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

async function champions(): Promise<{ model: string; version: number; deployment: string; scoringRoute: string }[]> {
  return (await root.champions().champions()).map((c) => ({
    model: c.modelName,
    version: Number(c.modelVersion),
    deployment: c.name,
    scoringRoute: `/api/models/${encodeURIComponent(c.modelName)}/score`,
  }));
}

/** Operator actions answer with their DeployError's status and code, never a 500 for a bad request. */
async function action(context: InvocationContext, fn: () => Promise<unknown>): Promise<HttpResponseInit> {
  try {
    return json(200, await fn());
  } catch (err) {
    if (err instanceof DeployError) return json(err.status >= 500 ? 502 : err.status, { error: { code: err.code, message: err.message } });
    context.error(`model action failed: ${(err as Error).message}`);
    throw err;
  }
}

app.http('listModels', {
  route: 'models',
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => json(200, { models: await root.models().list(), champions: await champions() }),
});

app.http('getModel', {
  route: 'models/{name}',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (req: HttpRequest) => {
    const name = req.params.name ?? '';
    const versions = MODEL_NAME.test(name) ? await root.models().list(name) : [];
    if (!versions.length) return json(404, { error: { code: 'MODEL_NOT_FOUND', message: `no model '${name.slice(0, 100)}'` } });
    const champion = (await champions()).find((c) => c.model === name);
    return json(200, { name, versions, champion });
  },
});

app.http('rollbackModel', {
  route: 'models/{name}/rollback',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (req: HttpRequest, context: InvocationContext) => {
    const name = req.params.name ?? '';
    let body: { version?: unknown };
    try {
      body = JSON.parse((await req.text()) || '{}');
    } catch {
      return json(400, { error: { code: 'INVALID_JSON', message: 'the request body is not valid JSON' } });
    }
    const version = Number(body?.version);
    if (!MODEL_NAME.test(name)) return json(404, { error: { code: 'MODEL_NOT_FOUND', message: `no model '${name.slice(0, 100)}'` } });
    if (!Number.isSafeInteger(version) || version < 1)
      return json(400, { error: { code: 'INVALID_REQUEST', message: 'body must be {"version": n} with n >= 1' } });
    return action(context, () => root.rollback(name, version));
  },
});

app.http('retireModel', {
  route: 'models/{name}/retire',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (req: HttpRequest, context: InvocationContext) => {
    const name = req.params.name ?? '';
    if (!MODEL_NAME.test(name)) return json(404, { error: { code: 'MODEL_NOT_FOUND', message: `no model '${name.slice(0, 100)}'` } });
    return action(context, () => root.retireLineage(name));
  },
});

app.http('listDeployments', {
  route: 'deployments',
  methods: ['GET'],
  authLevel: 'function',
  handler: async () => {
    const deployments = (await root.target().list()).map((d) => ({
      name: d.name,
      model: { name: d.modelName, version: Number(d.modelVersion) },
      status: d.status,
      champion: d.champion,
      scoringUri: d.url ? `${d.url}/score` : '',
      target: d.target,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    }));
    return json(200, { deployments });
  },
});

app.http('retireDeployment', {
  route: 'deployments/{name}/retire',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (req: HttpRequest, context: InvocationContext) => {
    const name = req.params.name ?? '';
    if (!DEPLOYMENT_NAME.test(name)) return json(404, { error: { code: 'DEPLOYMENT_NOT_FOUND', message: `no deployment '${name.slice(0, 100)}'` } });
    return action(context, () => root.retireDeployment(name));
  },
});
