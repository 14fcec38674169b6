import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { appRoot } from '../src/app';
import { checkHealth } from '../src/host/health';

// A bad setting fails every function file at load, health included: the host log names the setting.
appRoot();

/** GET /api/health (anonymous): storage reachable, versions, registered functions. 503 when unhealthy. */
export async function health(_req: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const report = await checkHealth();
  if (report.status !== 'Healthy') {
    const failing = (report.triggers ?? [])
      .filter((t) => t.state === 'failing' || t.state === 'partial')
      .map((t) => `${t.function}: ${t.lastError?.code ?? t.state}`);
    context.warn(`Unhealthy: ${[report.storage.error?.code, ...failing].filter(Boolean).join('; ') || 'unknown'}`);
  }
  return { status: report.status === 'Healthy' ? 200 : 503, jsonBody: report, headers: { 'cache-control': 'no-store' } };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
