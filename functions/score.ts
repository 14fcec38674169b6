import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { scoringService } from '../src/scoring/service';

/**
 * POST /api/score (function key): validates the body against the champion's input schema and forwards
 * it to the champion deployment with its key (src/scoring/proxy.ts). 400 with the fields at fault,
 * 413 too large, 503 no model, 504 upstream timeout; headers x-model-name / x-model-version. The
 * `azureml-model-deployment` header targets a named running deployment instead (404 if none).
 */
export async function score(req: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const service = scoringService();
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > service.settings.maxBodyBytes) {
    return {
      status: 413,
      jsonBody: { error: { code: 'body_too_large', message: `the request body is larger than ${service.settings.maxBodyBytes} bytes` } },
    };
  }
  const body = Buffer.from(await req.arrayBuffer());
  const r = await service.score(body, req.headers.get('azureml-model-deployment') ?? undefined);
  if (r.status >= 500) context.warn(`score: ${r.status} ${r.body.slice(0, 200)}`);
  return { status: r.status, headers: r.headers, body: r.body };
}

app.http('score', { methods: ['POST'], authLevel: 'function', route: 'score', handler: score });
