import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { checkHealth } from '../src/host/health';

/** GET /api/health (anonymous): storage reachable, versions, registered functions. 503 when unhealthy. */
export async function health(_req: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const report = await checkHealth();
  if (report.status !== 'Healthy') context.warn(`Unhealthy: ${report.storage.error?.code ?? 'unknown'}`);
  return { status: report.status === 'Healthy' ? 200 : 503, jsonBody: report, headers: { 'cache-control': 'no-store' } };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
