import { app, HttpRequest, HttpResponseInit } from '@azure/functions';
import { appRoot } from '../src/app';

const root = appRoot();

/**
 * The API root path (e.g. /api) under which these routes are served, from the request path only: the
 * documents never copy the request's Host header into their server URL.
 */
function apiPath(req: HttpRequest): string {
  const p = new URL(req.url).pathname;
  const m = /^(.*?)\/(?:swagger\.json|docs(?:\/.*)?|models\/[^/]+\/swagger\.json)$/i.exec(p);
  return m ? m[1] : '/api';
}

/** GET /api/swagger.json (anonymous): OpenAPI 3 document of POST /api/score (the default model). */
export async function swaggerJson(req: HttpRequest): Promise<HttpResponseInit> {
  const r = await root.scoring().swagger(undefined, apiPath(req));
  return { status: r.status, headers: r.headers, body: r.body };
}

/** GET /api/models/{name}/swagger.json (anonymous): OpenAPI 3 document of POST /api/models/{name}/score. */
export async function modelSwaggerJson(req: HttpRequest): Promise<HttpResponseInit> {
  const r = await root.scoring().swagger(req.params.name ?? '', apiPath(req));
  return { status: r.status, headers: r.headers, body: r.body };
}

/** GET /api/docs[/{file}] (anonymous): Swagger UI from swagger-ui-dist, one document per served model. */
export async function docs(req: HttpRequest): Promise<HttpResponseInit> {
  const r = await root.scoring().docs(req.params.file, apiPath(req));
  return { status: r.status, headers: r.headers, body: r.body };
}

app.http('swagger', { methods: ['GET'], authLevel: 'anonymous', route: 'swagger.json', handler: swaggerJson });
app.http('modelSwagger', { methods: ['GET'], authLevel: 'anonymous', route: 'models/{name}/swagger.json', handler: modelSwaggerJson });
app.http('docs', { methods: ['GET'], authLevel: 'anonymous', route: 'docs/{file?}', handler: docs });
