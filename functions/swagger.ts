import { app, HttpRequest, HttpResponseInit } from '@azure/functions';
import { scoringService } from '../src/scoring/service';

/** The API root of this request's host (http://host:port/api), from the URL the client used. */
function apiBase(req: HttpRequest): string {
  const u = new URL(req.url);
  const i = u.pathname.toLowerCase().lastIndexOf('/swagger.json');
  const docs = u.pathname.toLowerCase().indexOf('/docs');
  const prefix = i >= 0 ? u.pathname.slice(0, i) : docs >= 0 ? u.pathname.slice(0, docs) : '';
  return `${u.origin}${prefix}`;
}

/** GET /api/swagger.json (anonymous): OpenAPI 3 document of POST /api/score, from the champion's input schema. */
export async function swaggerJson(req: HttpRequest): Promise<HttpResponseInit> {
  const r = await scoringService().swagger(apiBase(req));
  return { status: r.status, headers: r.headers, body: r.body };
}

/** GET /api/docs[/{file}] (anonymous): Swagger UI from swagger-ui-dist, pointed at ./swagger.json. */
export async function docs(req: HttpRequest): Promise<HttpResponseInit> {
  const base = apiBase(req);
  const path = new URL(base).pathname;
  const r = scoringService().docs(req.params.file, `${path}/swagger.json`, `${path}/docs`);
  return { status: r.status, headers: r.headers, body: r.body };
}

app.http('swagger', { methods: ['GET'], authLevel: 'anonymous', route: 'swagger.json', handler: swaggerJson });
app.http('docs', { methods: ['GET'], authLevel: 'anonymous', route: 'docs/{file?}', handler: docs });
