/**
 * The scoring routes of the app (what functions/score.ts and functions/swagger.ts call), one per served
 * model: POST /api/models/{name}/score forwards to that lineage's champion, POST /api/score to the
 * default model (SCORING_DEFAULT_MODEL, else the only served model, else 400 with the list). OpenAPI per
 * model and one Swagger UI page that switches between them. Free of Functions types.
 */
import { headerSafe } from '../contract/errors';
import { buildOpenApi } from '../contract/openapi';
import type { Telemetry } from '../telemetry';
import { forwardScore, ProxyResponse, type Champion } from './proxy';
import { RouteCache, type RouteDirectory } from './routes';
import { swaggerUiAsset, swaggerUiHtml } from './swaggerUi';

export interface ScoringSettings {
  timeoutMs: number;
  maxBodyBytes: number;
  maxRows: number;
  championCacheMs: number;
  championMaxStaleMs: number;
  defaultModel?: string;
}

/** Azure ML's deployment-name rule; anything else in `azureml-model-deployment` is refused at once. */
const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const JSON_TYPE = 'application/json; charset=utf-8';

function errorResponse(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): ProxyResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify({ error: { code, message, ...extra } }) };
}

const unavailable = (): ProxyResponse =>
  errorResponse(503, 'REGISTRY_UNAVAILABLE', 'the deployment registry cannot be read right now', {}, { 'retry-after': '5' });

/** A route was answered from the last known champion while storage was slow or down. */
function withStale(r: ProxyResponse, staleMs: number): ProxyResponse {
  if (staleMs <= 0) return r;
  return { ...r, headers: { ...r.headers, 'x-champion-stale': `${Math.round(staleMs / 1000)}s` } };
}

type Resolved = { ok: true; champion: Champion; staleMs: number } | { ok: false; response: ProxyResponse };

export class ScoringService {
  private readonly routes: RouteCache;
  private readonly swaggerCache = new Map<string, string>();

  constructor(
    directory: RouteDirectory,
    readonly settings: ScoringSettings,
    private readonly telemetry?: Telemetry,
    private readonly onError: (message: string) => void = (m) => console.error(`[scoring] ${m}`),
  ) {
    this.routes = new RouteCache(directory, { ttlMs: settings.championCacheMs, maxStaleMs: settings.championMaxStaleMs });
  }

  /** A change of deployments made in this process: routes are read again at once. */
  invalidate(): void {
    this.routes.invalidate();
    this.swaggerCache.clear();
  }

  /** The model POST /api/score serves, or the response that says why there is none. */
  private async defaultModel(): Promise<{ ok: true; model: string; staleMs: number } | { ok: false; response: ProxyResponse }> {
    if (this.settings.defaultModel) return { ok: true, model: this.settings.defaultModel, staleMs: 0 };
    const all = await this.routes.champions();
    const names = all.value.map((c) => c.modelName);
    if (names.length === 1) return { ok: true, model: names[0], staleMs: all.staleMs };
    if (names.length === 0) {
      return { ok: false, response: errorResponse(503, 'NO_MODEL', 'no model is deployed yet', {}, { 'retry-after': '30' }) };
    }
    return {
      ok: false,
      response: errorResponse(
        400,
        'MODEL_REQUIRED',
        `${names.length} models are served: score one with POST /api/models/{name}/score, or set SCORING_DEFAULT_MODEL`,
        {
          models: names,
        },
      ),
    };
  }

  /** The deployment a request goes to: the model's champion, or one named deployment of it. */
  private async resolve(model: string | undefined, deployment: string | undefined): Promise<Resolved> {
    try {
      if (deployment !== undefined && !DEPLOYMENT_NAME.test(deployment)) {
        return {
          ok: false,
          response: errorResponse(400, 'INVALID_DEPLOYMENT_NAME', 'azureml-model-deployment must name a deployment: 1-63 letters, digits or dashes'),
        };
      }
      if (model !== undefined && !MODEL_NAME.test(model)) {
        return { ok: false, response: errorResponse(404, 'MODEL_NOT_FOUND', `no served model '${model.slice(0, 100)}'`) };
      }
      let staleMs = 0;
      if (model === undefined && deployment === undefined) {
        const d = await this.defaultModel();
        if (!d.ok) return d;
        model = d.model;
        staleMs = d.staleMs;
      }
      if (deployment !== undefined) {
        const r = await this.routes.deployment(deployment);
        if (!r.value || (model !== undefined && r.value.modelName !== model)) {
          const of = model !== undefined ? ` of model '${model}'` : '';
          return { ok: false, response: errorResponse(404, 'DEPLOYMENT_NOT_FOUND', `no running deployment '${deployment}'${of}`) };
        }
        return { ok: true, champion: r.value, staleMs: Math.max(staleMs, r.staleMs) };
      }
      const r = await this.routes.champion(model!);
      if (!r.value) {
        const all = await this.routes.champions().catch(() => ({ value: [] as Champion[] }));
        if (!all.value.length) return { ok: false, response: errorResponse(503, 'NO_MODEL', 'no model is deployed yet', {}, { 'retry-after': '30' }) };
        return { ok: false, response: errorResponse(404, 'MODEL_NOT_FOUND', `no served model '${model}'`, { models: all.value.map((c) => c.modelName) }) };
      }
      return { ok: true, champion: r.value, staleMs: Math.max(staleMs, r.staleMs) };
    } catch (err) {
      this.onError(`deployment lookup failed: ${(err as Error).message}`);
      return { ok: false, response: unavailable() };
    }
  }

  /**
   * POST /api/score (model undefined) or /api/models/{model}/score. `deployment` (the client's
   * `azureml-model-deployment` header, as on an Azure ML endpoint) targets one running deployment of
   * that model instead of its champion, e.g. to try a challenger.
   */
  async score(body: Buffer | string | undefined, opts: { model?: string; deployment?: string } = {}): Promise<ProxyResponse> {
    const r = await this.resolve(opts.model, opts.deployment || undefined);
    if (!r.ok) return r.response;
    const t = this.telemetry;
    const res = await forwardScore(r.champion, body, {
      timeoutMs: this.settings.timeoutMs,
      maxBodyBytes: this.settings.maxBodyBytes,
      maxRows: this.settings.maxRows,
      onUpstream: t?.enabled
        ? (c) =>
            t.dependency({
              name: `POST /score (${c.deployment})`,
              target: c.target,
              durationMs: c.durationMs,
              resultCode: c.status,
              success: c.success,
              type: 'HTTP',
            })
        : undefined,
    });
    return withStale(res, r.staleMs);
  }

  /** Names of the served models (for the Swagger UI selector and the APIs). */
  async servedModels(): Promise<string[]> {
    try {
      return (await this.routes.champions()).value.map((c) => c.modelName);
    } catch {
      return [];
    }
  }

  /**
   * GET /api/swagger.json (model undefined: the default model) or /api/models/{model}/swagger.json.
   * `apiBase` is the configured or relative API root (never the request's Host header).
   */
  async swagger(model: string | undefined, apiBase = '/api'): Promise<ProxyResponse> {
    const r = await this.resolve(model, undefined);
    if (!r.ok) {
      if (r.response.status === 503 && r.response.body.includes('NO_MODEL')) {
        return errorResponse(503, 'NO_MODEL', 'no model is deployed yet: the API is documented once a champion exists', {}, { 'retry-after': '30' });
      }
      return r.response;
    }
    const c = r.champion;
    const scorePath = model === undefined ? '/score' : `/models/${encodeURIComponent(c.modelName)}/score`;
    const key = `${c.name}|${apiBase}|${scorePath}`;
    let body = this.swaggerCache.get(key);
    if (!body) {
      const doc = buildOpenApi(c.schema, {
        auth: 'functionKey',
        proxy: true,
        serverUrl: apiBase,
        scorePath,
        modelName: c.modelName,
        modelVersion: c.modelVersion,
        maxRows: this.settings.maxRows,
        maxBodyBytes: this.settings.maxBodyBytes,
        description: `Scoring API of the MLOps app for model '${c.modelName}': forwards to its champion deployment. Send a function key.`,
      });
      body = JSON.stringify(doc);
      if (this.swaggerCache.size > 100) this.swaggerCache.clear();
      this.swaggerCache.set(key, body);
    }
    return withStale(
      {
        status: 200,
        headers: {
          'content-type': JSON_TYPE,
          'cache-control': 'no-cache',
          'x-model-name': headerSafe(c.modelName),
          'x-model-version': headerSafe(c.modelVersion),
        },
        body,
      },
      r.staleMs,
    );
  }

  /** GET /api/docs and GET /api/docs/{file}: Swagger UI with one document per served model. */
  async docs(file: string | undefined, apiPath: string): Promise<{ status: number; headers: Record<string, string>; body: string | Buffer }> {
    if (!file || file === 'index.html') {
      const models = await this.servedModels();
      const urls = models.map((m) => ({ name: m, url: `${apiPath}/models/${encodeURIComponent(m)}/swagger.json` }));
      const primary = this.settings.defaultModel && models.includes(this.settings.defaultModel) ? this.settings.defaultModel : models[0];
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
        body: swaggerUiHtml({
          specUrl: `${apiPath}/swagger.json`,
          assetBase: `${apiPath}/docs`,
          title: 'Scoring API',
          urls: urls.length > 1 ? urls : undefined,
          primary,
        }),
      };
    }
    const asset = swaggerUiAsset(file);
    if (!asset)
      return {
        status: 404,
        headers: { 'content-type': JSON_TYPE },
        body: JSON.stringify({ error: { code: 'NOT_FOUND', message: `no asset '${file.slice(0, 100)}'` } }),
      };
    return { status: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400' }, body: asset.body };
  }
}
