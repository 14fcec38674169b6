import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { appRoot } from '../src/app';

const root = appRoot();

/**
 * POST /api/models/{name}/score and POST /api/score (the default model), function key: validates the
 * body against that model's input schema and forwards it to its champion deployment with its key
 * (src/scoring/proxy.ts). 400 with the fields at fault, 413 too large, 503 no model, 504 upstream
 * timeout; headers x-model-name / x-model-version. `azureml-model-deployment` targets one running
 * deployment of that model instead (404 if none).
 */
async function forward(req: HttpRequest, context: InvocationContext, model: string | undefined): Promise<HttpResponseInit> {
  const service = root.scoring();
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > service.settings.maxBodyBytes) {
    return {
      status: 413,
      jsonBody: { error: { code: 'BODY_TOO_LARGE', message: `the request body is larger than ${service.settings.maxBodyBytes} bytes` } },
    };
  }
  const body = Buffer.from(await req.arrayBuffer());
  const r = await service.score(body, { model, deployment: req.headers.get('azureml-model-deployment') ?? undefined });
  if (r.status >= 500) context.warn(`score: ${r.status} ${r.body.slice(0, 200)}`);
  return { status: r.status, headers: r.headers, body: r.body };
}

export const score = (req: HttpRequest, context: InvocationContext) => forward(req, context, undefined);
export const scoreModel = (req: HttpRequest, context: InvocationContext) => forward(req, context, req.params.name ?? '');

app.http('score', { methods: ['POST'], authLevel: 'function', route: 'score', handler: score });
app.http('scoreModel', { methods: ['POST'], authLevel: 'function', route: 'models/{name}/score', handler: scoreModel });
