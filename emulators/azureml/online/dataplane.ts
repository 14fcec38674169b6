/**
 * The scoring data plane: `POST {origin}/online/{endpoint}/score` (the emulator cannot own
 * {endpoint}.{region}.inference.ml.azure.com, so the endpoint is a path segment). Checks the Bearer
 * key (or an AMLToken), picks the deployment named by `azureml-model-deployment` or one by the traffic
 * weights, copies a share of requests to mirrored deployments (their answers dropped), forwards to the
 * deployment's endpoint process and answers with its status and body plus `azureml-model-deployment`.
 */
import * as http from 'node:http';
import { bearerMatches } from '../../../src/deploy/keys';
import { json } from '../core/http';
import type { EmuRequest, EmuResponse } from '../core/http';
import type { EmulatorContext } from '../core/plugin';
import type { Backend, Runtime } from './runtime';
import { deploymentsOf } from './endpoints';
import { DeploymentRecord, depKey, EndpointRecord, ENDPOINTS } from './state';
import { durationMs } from './validate';

export interface DeploymentStats {
  requests: number;
  mirrored: number;
  byStatus: Record<string, number>;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const error = (status: number, code: string, message: string, headers: Record<string, string> = {}): EmuResponse =>
  json(status, { error: { code, message } }, headers);

function forward(
  b: Backend,
  path: string,
  method: string,
  body: Buffer,
  timeoutMs: number,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: b.port,
        path,
        method,
        agent,
        headers: { authorization: `Bearer ${b.key}`, 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('request timeout'), { code: 'TIMEOUT' })), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

export function registerDataPlane(ctx: EmulatorContext, runtime: Runtime): { stats: Map<string, DeploymentStats> } {
  const stats = new Map<string, DeploymentStats>();
  const count = (name: string, status: number, mirrored: boolean) => {
    const key = name.toLowerCase();
    const s = stats.get(key) ?? { requests: 0, mirrored: 0, byStatus: {} };
    if (mirrored) s.mirrored++;
    else s.requests++;
    s.byStatus[status] = (s.byStatus[status] ?? 0) + 1;
    stats.set(key, s);
  };

  const authorized = (ep: EndpointRecord, header: string | undefined): boolean => {
    if (ep.authMode === 'Key') return bearerMatches(header, { primary: ep.keys.primaryKey, secondary: ep.keys.secondaryKey });
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    const now = Math.floor(Date.now() / 1000);
    return !!m && ep.tokens.some((t) => t.token === m[1] && t.expiresAt > now);
  };

  const serving = (ep: EndpointRecord): Map<string, { d: DeploymentRecord; b: Backend }> => {
    const out = new Map<string, { d: DeploymentRecord; b: Backend }>();
    for (const d of deploymentsOf(ctx, ep.name)) {
      const b = runtime.get(depKey(ep.name, d.name));
      // Updating/Scaling deployments keep serving with their current process.
      if (b && ['Succeeded', 'Updating', 'Scaling'].includes(d.properties.provisioningState)) out.set(d.name.toLowerCase(), { d, b });
    }
    return out;
  };

  const pick = (ep: EndpointRecord, live: Map<string, { d: DeploymentRecord; b: Backend }>) => {
    const weighted = Object.entries(ep.traffic)
      .map(([name, pct]) => ({ t: live.get(name.toLowerCase()), pct }))
      .filter((x) => x.t && x.pct > 0);
    const total = weighted.reduce((s, x) => s + x.pct, 0);
    let r = Math.random() * total;
    for (const x of weighted) {
      if ((r -= x.pct) < 0) return x.t;
    }
    return weighted[weighted.length - 1]?.t;
  };

  const handle = async (req: EmuRequest, path: '/score' | '/swagger.json' | '/'): Promise<EmuResponse> => {
    const ep = ctx.state.get<EndpointRecord>(ENDPOINTS, req.params.endpointName);
    if (!ep || ep.provisioningState === 'Creating' || ep.provisioningState === 'Deleting')
      return error(404, 'EndpointNotFound', `No online endpoint '${req.params.endpointName}' is serving.`);
    if (path === '/score' && !authorized(ep, req.headers.authorization)) {
      return error(401, 'Unauthorized', 'A valid key or token is required: Authorization: Bearer <key>.', { 'www-authenticate': 'Bearer' });
    }
    const live = serving(ep);
    const named = req.headers['azureml-model-deployment'];
    let target: { d: DeploymentRecord; b: Backend } | undefined;
    if (typeof named === 'string' && named) {
      target = live.get(named.toLowerCase());
      if (!target) return error(404, 'DeploymentNotFound', `Deployment '${named.slice(0, 64)}' of endpoint ${ep.name} is not serving.`);
    } else {
      target = pick(ep, live);
      if (!target)
        return error(
          424,
          'NoDeploymentWithTraffic',
          'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive traffic, or name one with the azureml-model-deployment header.',
        );
    }
    const key = depKey(ep.name, target.d.name);
    const timeout =
      durationMs(target.d.properties.requestSettings && (target.d.properties.requestSettings as { requestTimeout?: string }).requestTimeout) ?? 5000;
    const method = path === '/score' ? 'POST' : 'GET';
    if (path === '/score' && typeof named !== 'string') {
      for (const [name, pct] of Object.entries(ep.mirrorTraffic)) {
        const m = live.get(name.toLowerCase());
        if (!m || Math.random() * 100 >= pct) continue;
        forward(m.b, path, method, req.rawBody, timeout).then(
          (r) => count(depKey(ep.name, m.d.name), r.status, true),
          () => count(depKey(ep.name, m.d.name), 0, true),
        );
      }
    }
    let r;
    try {
      r = await forward(target.b, path, method, path === '/score' ? req.rawBody : Buffer.alloc(0), timeout);
    } catch (err) {
      const timedOut = (err as { code?: string }).code === 'TIMEOUT';
      count(key, timedOut ? 408 : 502, false);
      return error(
        timedOut ? 408 : 502,
        timedOut ? 'RequestTimeout' : 'BadGateway',
        timedOut ? `The deployment did not answer within ${timeout} ms.` : 'The deployment could not be reached.',
        { 'azureml-model-deployment': target.d.name },
      );
    }
    count(key, r.status, false);
    const headers: Record<string, string> = { 'azureml-model-deployment': target.d.name };
    for (const h of ['content-type', 'x-model-name', 'x-model-version']) if (typeof r.headers[h] === 'string') headers[h] = r.headers[h] as string;
    return { status: r.status, headers, body: r.body };
  };

  const opts = { auth: 'none' as const, apiVersion: false };
  ctx.router.add('POST', '/online/{endpointName}/score', (req) => handle(req, '/score'), opts);
  ctx.router.add('GET', '/online/{endpointName}/swagger.json', (req) => handle(req, '/swagger.json'), opts);
  ctx.router.add('GET', '/online/{endpointName}', (req) => handle(req, '/'), opts);
  // Test visibility: how many requests (and mirrored copies) each deployment answered.
  ctx.router.add(
    'GET',
    '/_emulator/online/{endpointName}/stats',
    (req) => {
      const prefix = `${req.params.endpointName.toLowerCase()}/`;
      return json(200, Object.fromEntries([...stats].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])));
    },
    opts,
  );
  return { stats };
}
