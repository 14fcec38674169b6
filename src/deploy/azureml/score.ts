/**
 * Scoring through a lineage's endpoint: POST the scoring URI with the cached key; on a 401 (the key was
 * regenerated) read the keys again and send once more, so a rotation never fails a request. Used by
 * the canary probe and available to the proxy.
 */
import * as https from 'node:https';
import type { ScoringRoute } from './routing';

export interface ScoreAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
  /** Azure ML deployment that answered (response header azureml-model-deployment), when given. */
  servedBy?: string;
}

export interface ScoreOptions {
  deployment?: string;
  agent?: https.Agent;
  timeoutMs?: number;
}

type RouteSource = (lineage: string, deployment: string | undefined, opts: { refreshKey?: boolean }) => Promise<ScoringRoute | undefined>;

let defaultAgent: https.Agent | undefined;
const agentFor = (a?: https.Agent) => a ?? (defaultAgent ??= new https.Agent({ keepAlive: true, maxSockets: 128 }));

function postOnce(route: ScoringRoute, body: Buffer, agent: https.Agent, timeoutMs: number): Promise<ScoreAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      route.url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', ...route.headers, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
          resolve({
            status: res.statusCode ?? 502,
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
            latencyMs: performance.now() - started,
            servedBy: headers['azureml-model-deployment'],
          });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(Object.assign(err, { reused: req.reusedSocket }));
    });
    req.end(body);
  });
}

/** Scores `body` on the lineage (or one deployment of it). Rejects only on transport failure or no endpoint. */
export async function scoreThrough(routes: RouteSource, lineage: string, body: string | Buffer, opts: ScoreOptions = {}): Promise<ScoreAnswer> {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const agent = agentFor(opts.agent);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const route = await routes(lineage, opts.deployment, {});
  if (!route) throw Object.assign(new Error(`lineage '${lineage}' has no endpoint`), { code: 'NO_ENDPOINT' });
  const send = async (r: ScoringRoute) => {
    try {
      return await postOnce(r, raw, agent, timeoutMs);
    } catch (err) {
      // A pooled socket the server closed just as it was reused: scoring is idempotent, send once more.
      const e = err as NodeJS.ErrnoException & { reused?: boolean };
      if (e.reused && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return postOnce(r, raw, agent, timeoutMs);
      throw err;
    }
  };
  const first = await send(route);
  if (first.status !== 401) return first;
  const fresh = await routes(lineage, opts.deployment, { refreshKey: true });
  if (!fresh) return first;
  return send(fresh);
}
