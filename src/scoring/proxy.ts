/**
 * The scoring proxy core, free of any Functions type: validate a client's body against the champion's
 * input schema, forward it with the champion's key (never exposed) over pooled keep-alive connections,
 * and map every failure to a stable status: 400 bad body, 413 too large, 503 no model, 504 timeout,
 * 502 unreachable/failed deployment.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { headerSafe, ScoringError } from '../contract/errors';
import { parseScoreBody } from '../contract/request';
import { InputSchema } from '../contract/schema';

export interface Champion {
  name: string;
  modelName: string;
  modelVersion: string;
  /** Deployment base URL (the proxy posts to {url}/score), or a scoring URL ending in /score. */
  url: string;
  /** Bearer key (a local endpoint); or `headers` carry the authentication (an Azure ML endpoint). */
  key: string;
  /** Headers sent upstream instead of `Authorization: Bearer key` (e.g. with `azureml-model-deployment`). */
  headers?: Record<string, string>;
  /** Fresh headers after the endpoint refused the proxy's key (a key rotation): retried once. */
  refreshHeaders?: () => Promise<Record<string, string> | undefined>;
  /** Agent for an https scoring URL (e.g. one trusting an emulator's certificate). */
  httpsAgent?: https.Agent;
  schema: InputSchema;
}

export interface UpstreamCall {
  deployment: string;
  target: string;
  durationMs: number;
  status: number;
  success: boolean;
  error?: string;
}

export interface ForwardOptions {
  agent?: http.Agent;
  /** Upstream deadline (ms) -> 504. Default 30 s. */
  timeoutMs?: number;
  /** Body limit (bytes) -> 413. Default 4 MiB. */
  maxBodyBytes?: number;
  maxRows?: number;
  /** Called once per forwarded request (telemetry: a dependency call). */
  onUpstream?: (call: UpstreamCall) => void;
}

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const DEFAULT_PROXY_TIMEOUT_MS = 30000;
export const DEFAULT_PROXY_MAX_BODY = 4 * 1024 * 1024;

let sharedAgent: http.Agent | undefined;

let sharedHttpsAgent: https.Agent | undefined;

/** The pooled keep-alive agent for https scoring URLs (Azure ML online endpoints). */
export function httpsScoringAgent(): https.Agent {
  return (sharedHttpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 30000 }));
}

/** One pooled keep-alive agent per process (idle sockets closed before the endpoint's 65 s keep-alive). */
export function scoringAgent(): http.Agent {
  return (sharedAgent ??= new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 30000 }));
}

const JSON_TYPE = 'application/json; charset=utf-8';

function json(status: number, body: unknown, headers: Record<string, string> = {}): ProxyResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): ProxyResponse {
  return json(status, { error: { code, message } }, headers);
}

function modelHeaders(c: Champion): Record<string, string> {
  return { 'x-model-name': headerSafe(c.modelName), 'x-model-version': headerSafe(c.modelVersion), 'x-model-deployment': headerSafe(c.name) };
}

interface UpstreamResult {
  status: number;
  body: string;
  contentType?: string;
}

class UpstreamTimeout extends Error {}

function postOnce(url: URL, auth: Record<string, string>, body: Buffer, agent: http.Agent, timeoutMs: number): Promise<UpstreamResult & { reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          ...auth,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 502,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: res.headers['content-type'],
            reused: req.reusedSocket,
          });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(Object.assign(err, { reused: req.reusedSocket }));
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new UpstreamTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(Object.assign(err, { reused: req.reusedSocket }));
    });
    req.end(body);
  });
}

/**
 * Validates `body` against the champion's schema and forwards it. Never throws: every outcome is a
 * response with a stable error code.
 */
export async function forwardScore(
  champion: Champion | null | undefined,
  body: string | Buffer | undefined | null,
  opts: ForwardOptions = {},
): Promise<ProxyResponse> {
  if (!champion) return errorResponse(503, 'NO_MODEL', 'no model is deployed yet', { 'retry-after': '30' });
  const headers = modelHeaders(champion);
  const raw = body == null ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_PROXY_MAX_BODY;
  if (raw.length > maxBody) return errorResponse(413, 'BODY_TOO_LARGE', `the request body is larger than ${maxBody} bytes`, headers);
  try {
    parseScoreBody(raw, champion.schema, { maxRows: opts.maxRows });
  } catch (err) {
    if (err instanceof ScoringError) return json(err.status, err.toBody(), headers);
    return errorResponse(400, 'INVALID_BODY', (err as Error).message, headers);
  }

  const url = /\/score$/.test(new URL(champion.url).pathname) ? new URL(champion.url) : new URL('/score', champion.url);
  const agent = url.protocol === 'https:' ? (champion.httpsAgent ?? httpsScoringAgent()) : (opts.agent ?? scoringAgent());
  let auth = champion.headers ?? { authorization: `Bearer ${champion.key}` };
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
  const started = performance.now();
  const report = (status: number, success: boolean, error?: string) =>
    opts.onUpstream?.({ deployment: champion.name, target: url.host, durationMs: performance.now() - started, status, success, error });

  let result: UpstreamResult;
  try {
    try {
      result = await postOnce(url, auth, raw, agent, timeoutMs);
    } catch (err) {
      // A pooled socket the server closed just as we reused it: safe to send once more (scoring is idempotent).
      const e = err as NodeJS.ErrnoException & { reused?: boolean };
      if (e.reused && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) result = await postOnce(url, auth, raw, agent, timeoutMs);
      else throw err;
    }
    // The endpoint's key was rotated (regenerateKeys): read the keys again, once, and retry.
    if ((result.status === 401 || result.status === 403) && champion.refreshHeaders) {
      const fresh = await champion.refreshHeaders().catch(() => undefined);
      if (fresh) {
        auth = fresh;
        result = await postOnce(url, auth, raw, agent, timeoutMs);
      }
    }
  } catch (err) {
    if (err instanceof UpstreamTimeout) {
      report(504, false, 'timeout');
      return errorResponse(504, 'UPSTREAM_TIMEOUT', `the model deployment did not answer within ${timeoutMs} ms`, headers);
    }
    report(502, false, (err as NodeJS.ErrnoException).code ?? 'error');
    return errorResponse(502, 'UPSTREAM_UNAVAILABLE', 'the model deployment could not be reached', headers);
  }

  report(result.status, result.status < 400);
  if (result.status === 200) return { status: 200, headers: { 'content-type': result.contentType ?? JSON_TYPE, ...headers }, body: result.body };
  if (result.status === 401 || result.status === 403) {
    // The proxy's own key was refused: the caller is not at fault, and must not see auth details.
    return errorResponse(502, 'UPSTREAM_AUTH', 'the model deployment refused the proxy', headers);
  }
  if (result.status >= 400 && result.status < 500) {
    return { status: result.status, headers: { 'content-type': result.contentType ?? JSON_TYPE, ...headers }, body: result.body };
  }
  return errorResponse(502, 'UPSTREAM_ERROR', `the model deployment failed (HTTP ${result.status})`, headers);
}
