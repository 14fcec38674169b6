/**
 * The scoring route of the app (what functions/score.ts and functions/swagger.ts call): the champion
 * from the deployments table (cached briefly), the proxy, and the champion's OpenAPI document and
 * Swagger UI. Free of Functions types; one instance per process.
 */
import { ChampionSource } from '../deploy/champion';
import { DeploymentStore } from '../deploy/store';
import { appStorageConnection } from '../storage/clients';
import { telemetry } from '../telemetry';
import { headerSafe } from './errors';
import { buildOpenApi } from './openapi';
import { DEFAULT_PROXY_MAX_BODY, DEFAULT_PROXY_TIMEOUT_MS, forwardScore, ProxyResponse } from './proxy';
import { DEFAULT_MAX_ROWS } from './request';
import { swaggerUiAsset, swaggerUiHtml } from './swagger-ui';

export interface ScoringSettings {
  timeoutMs: number;
  maxBodyBytes: number;
  maxRows: number;
  championCacheMs: number;
}

function setting(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`setting ${name}=${raw} must be a positive number`);
  return v;
}

export function scoringSettings(env: NodeJS.ProcessEnv = process.env): ScoringSettings {
  return {
    timeoutMs: setting(env, 'SCORE_TIMEOUT_MS', DEFAULT_PROXY_TIMEOUT_MS),
    maxBodyBytes: setting(env, 'SCORE_MAX_BODY_BYTES', DEFAULT_PROXY_MAX_BODY),
    maxRows: setting(env, 'SCORE_MAX_ROWS', DEFAULT_MAX_ROWS),
    championCacheMs: setting(env, 'CHAMPION_CACHE_MS', 1000),
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';
const unavailable = (): ProxyResponse => ({
  status: 503,
  headers: { 'content-type': JSON_TYPE, 'retry-after': '5' },
  body: JSON.stringify({ error: { code: 'registry_unavailable', message: 'the deployment registry cannot be read right now' } }),
});

export class ScoringService {
  private readonly champions: ChampionSource;
  private swaggerCache?: { key: string; body: string };

  constructor(
    store: DeploymentStore,
    readonly settings: ScoringSettings,
    private readonly onError: (message: string) => void = (m) => console.error(`[scoring] ${m}`),
  ) {
    this.champions = new ChampionSource(store, settings.championCacheMs);
  }

  /**
   * POST /api/score. `deployment` (the client's `azureml-model-deployment` header, as on an Azure ML
   * endpoint) targets a named running deployment instead of the champion, e.g. to try a challenger.
   */
  async score(body: Buffer | string | undefined, deployment?: string): Promise<ProxyResponse> {
    let champion;
    try {
      champion = await this.champions.get(deployment || undefined);
    } catch (err) {
      this.onError(`deployment lookup failed: ${(err as Error).message}`);
      return unavailable();
    }
    if (deployment && !champion) {
      return {
        status: 404,
        headers: { 'content-type': JSON_TYPE },
        body: JSON.stringify({ error: { code: 'deployment_not_found', message: `no running deployment '${deployment.slice(0, 100)}'` } }),
      };
    }
    const t = telemetry();
    return forwardScore(champion, body, {
      timeoutMs: this.settings.timeoutMs,
      maxBodyBytes: this.settings.maxBodyBytes,
      maxRows: this.settings.maxRows,
      onUpstream: t.enabled
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
  }

  /** GET /api/swagger.json: the champion's OpenAPI document, servers = `apiBaseUrl` (e.g. http://host/api). */
  async swagger(apiBaseUrl: string): Promise<ProxyResponse> {
    let champion;
    try {
      champion = await this.champions.get();
    } catch (err) {
      this.onError(`champion lookup failed: ${(err as Error).message}`);
      return unavailable();
    }
    if (!champion) {
      return {
        status: 503,
        headers: { 'content-type': JSON_TYPE, 'retry-after': '30' },
        body: JSON.stringify({ error: { code: 'no_model', message: 'no model is deployed yet: the API is documented once a champion exists' } }),
      };
    }
    const key = `${champion.name}|${apiBaseUrl}`;
    if (this.swaggerCache?.key !== key) {
      const doc = buildOpenApi(champion.schema, {
        auth: 'functionKey',
        proxy: true,
        serverUrl: apiBaseUrl,
        scorePath: '/score',
        modelName: champion.modelName,
        modelVersion: champion.modelVersion,
        maxRows: this.settings.maxRows,
        maxBodyBytes: this.settings.maxBodyBytes,
        description: 'Scoring API of the MLOps app: forwards to the champion model deployment. Send a function key.',
      });
      this.swaggerCache = { key, body: JSON.stringify(doc) };
    }
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-cache', 'x-model-name': headerSafe(champion.modelName), 'x-model-version': headerSafe(champion.modelVersion) },
      body: this.swaggerCache.body,
    };
  }

  /** GET /api/docs and GET /api/docs/{file}: Swagger UI pointed at `specUrl`. */
  docs(file: string | undefined, specUrl: string, assetBase: string): { status: number; headers: Record<string, string>; body: string | Buffer } {
    if (!file || file === 'index.html') {
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
        body: swaggerUiHtml({ specUrl, assetBase, title: 'Scoring API' }),
      };
    }
    const asset = swaggerUiAsset(file);
    if (!asset) {
      return { status: 404, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ error: { code: 'not_found', message: `no asset '${file.slice(0, 100)}'` } }) };
    }
    return { status: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400' }, body: asset.body };
  }
}

let shared: ScoringService | undefined;

/** The process-wide scoring service, from AzureWebJobsStorage and the SCORE_* settings. */
export function scoringService(env: NodeJS.ProcessEnv = process.env): ScoringService {
  return (shared ??= new ScoringService(new DeploymentStore(appStorageConnection(env)), scoringSettings(env)));
}
