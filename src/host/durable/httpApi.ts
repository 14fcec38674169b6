/**
 * The extension's HTTP API (HttpApiHandler), served twice: on the local RPC listener
 * (http://127.0.0.1:17071/durabletask/, what df.getClient's rpcBaseUrl points at) and on the host port
 * under /runtime/webhooks/durabletask/ (system key), where createCheckStatusResponse URLs point.
 *
 *   POST   orchestrators/{functionName}[/{instanceId}]     start            202 check-status payload
 *   GET    instances/{id}?showHistory&showHistoryOutput&showInput   status   200 / 202 / 404
 *   GET    instances/?runtimeStatus&createdTimeFrom&createdTimeTo&instanceIdPrefix&top (x-ms-continuation-token)
 *   DELETE instances/{id}                                  purge            200 / 404 / 412
 *   DELETE instances/?createdTimeFrom&createdTimeTo&runtimeStatus         purge by filter
 *   POST   instances/{id}/raiseEvent/{name}                                 202 / 400 / 404 / 410
 *   POST   instances/{id}/terminate|suspend|resume|rewind?reason=           202 / 404 / 410 / 412
 *   POST   instances/{id}/restart?restartWithNewInstanceId=true|false       202 check-status payload / 400 / 409
 *   GET    entities/{name}/{key}                                           200 state / 404
 *   POST   entities/{name}/{key}?op=                                       202 (signal)
 */
import type * as http from 'node:http';
import { DurableApiError, DurableManagement, parseRuntimeStatuses, validInstanceId } from './management';
import type { InstanceQuery } from './store';

export interface ManagementUrls {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

export const INSTANCE_ID_PLACEHOLDER = 'INSTANCEID';

/** Management URLs as GetClientResponseLinks builds them; `query` is "taskHub=..&connection=..&code=..". */
export function managementUrls(webhookBase: string, instanceId: string, query: string): ManagementUrls {
  const prefix = `${webhookBase}/instances/${instanceId === INSTANCE_ID_PLACEHOLDER ? instanceId : encodeURIComponent(instanceId)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${prefix}?${query}`,
    sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${prefix}/terminate?reason={text}&${query}`,
    rewindPostUri: `${prefix}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${prefix}?${query}`,
    restartPostUri: `${prefix}/restart?${query}`,
    suspendPostUri: `${prefix}/suspend?reason={text}&${query}`,
    resumePostUri: `${prefix}/resume?reason={text}&${query}`,
  };
}

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new DurableApiError('DURABLE_BODY_TOO_LARGE', 413, 'Request body too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function bool(v: string | null, fallback: boolean): boolean {
  if (v === null) return fallback;
  if (v.toLowerCase() === 'true') return true;
  if (v.toLowerCase() === 'false') return false;
  return fallback;
}

function dateParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new DurableApiError('DURABLE_BAD_QUERY', 400, `Query parameter '${name}' is not a date.`);
  return d.toISOString();
}

export interface HttpApiOptions {
  management: DurableManagement;
  /** Public webhook base for links, e.g. http://127.0.0.1:7071/runtime/webhooks/durabletask */
  webhookBase: () => string;
  /** taskHub=..&connection=..&code=.. */
  linkQuery: () => Promise<string>;
  log: (message: string) => void;
}

/** Handles one request whose path starts with `basePath` (e.g. "/durabletask"). */
export async function handleDurableHttp(
  opts: HttpApiOptions,
  basePath: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  /** On the host port links use the caller's origin; on the RPC port they use the host's base URL. */
  linksFromRequestOrigin: boolean,
): Promise<void> {
  try {
    const rest = decodeURIComponent(url.pathname).slice(basePath.length).replace(/^\/+/, '');
    const parts = rest.split('/');
    const method = (req.method ?? 'GET').toUpperCase();
    const m = opts.management;

    if (parts[0] === 'orchestrators' && parts[1]) {
      if (method !== 'POST') return send(res, 404);
      const body = await readBody(req);
      const id = await m.startNew(parts[1], parts[2] || undefined, body.trim() === '' ? undefined : body, url.searchParams.get('version') ?? undefined);
      const base = linksFromRequestOrigin ? originBase(req, opts.webhookBase()) : opts.webhookBase();
      const links = managementUrls(base, id, await opts.linkQuery());
      return send(res, 202, links, { Location: links.statusQueryGetUri, 'Retry-After': '10' });
    }

    if (parts[0] === 'entities' && parts[1]) {
      const name = parts[1];
      const key = parts[2] === '$' ? '' : (parts[2] ?? '');
      if (method === 'GET') {
        if (!key) return send(res, 404);
        const r = await m.readEntityState(name, key);
        return r.exists ? send(res, 200, r.state) : send(res, 404);
      }
      if (method === 'POST') {
        const body = await readBody(req);
        if (body.trim() !== '') {
          try {
            JSON.parse(body);
          } catch {
            return send(res, 400, { code: 'DURABLE_BAD_INPUT', Message: 'Could not parse JSON content.' });
          }
        }
        await m.signalEntity(name, key, url.searchParams.get('op') ?? '', body.trim() === '' ? undefined : body);
        return send(res, 202);
      }
      return send(res, 404);
    }

    if (parts[0] === 'instances') {
      const instanceId = parts[1] || undefined;
      const op = parts[2];
      if (instanceId !== undefined && !validInstanceId(instanceId)) {
        return send(res, 400, { code: 'DURABLE_BAD_INSTANCE_ID', Message: 'The instance ID is not valid.' });
      }
      if (!instanceId) {
        const q: InstanceQuery = {
          createdTimeFrom: dateParam(url, 'createdTimeFrom'),
          createdTimeTo: dateParam(url, 'createdTimeTo'),
          runtimeStatus: parseRuntimeStatuses(url.searchParams.get('runtimeStatus')),
          instanceIdPrefix: url.searchParams.get('instanceIdPrefix') ?? undefined,
        };
        if (method === 'GET') {
          const topRaw = url.searchParams.get('top');
          const top = topRaw !== null && /^\d+$/.test(topRaw) ? Number(topRaw) : undefined;
          const token = (req.headers['x-ms-continuation-token'] as string | undefined) || undefined;
          let page: Awaited<ReturnType<DurableManagement['list']>>;
          try {
            page = await m.list(q, top, token, bool(url.searchParams.get('showInput'), true));
          } catch (err) {
            if (!token) throw err;
            return send(res, 400, { code: 'DURABLE_BAD_CONTINUATION_TOKEN', Message: 'The continuation token is not valid.' });
          }
          return send(res, 200, page.statuses, page.continuationToken ? { 'x-ms-continuation-token': page.continuationToken } : {});
        }
        if (method === 'DELETE') {
          if (!q.createdTimeFrom) return send(res, 400, { code: 'DURABLE_BAD_QUERY', Message: "Please provide value for 'createdTimeFrom' parameter." });
          const r = await m.purgeBy(q);
          return r.instancesDeleted === 0 ? send(res, 404) : send(res, 200, r);
        }
        return send(res, 404);
      }
      if (!op) {
        if (method === 'GET') {
          const status = await m.getStatus(instanceId, {
            showHistory: bool(url.searchParams.get('showHistory'), false),
            showHistoryOutput: bool(url.searchParams.get('showHistoryOutput'), false),
            showInput: bool(url.searchParams.get('showInput'), true),
          });
          if (!status) return send(res, 404);
          switch (status.runtimeStatus) {
            case 'Running':
            case 'Pending':
            case 'ContinuedAsNew':
            case 'Suspended':
              return send(res, 202, status, { Location: requestUrl(req, url), 'Retry-After': '5' });
            case 'Failed':
              return send(res, bool(url.searchParams.get('returnInternalServerErrorOnFailure'), false) ? 500 : 200, status);
            default:
              return send(res, 200, status);
          }
        }
        if (method === 'DELETE') return send(res, 200, await m.purge(instanceId));
        return send(res, 404);
      }
      if (method !== 'POST') return send(res, 404);
      const reason = url.searchParams.get('reason') ?? undefined;
      switch (op.toLowerCase()) {
        case 'raiseevent': {
          const name = parts[3];
          if (!name) return send(res, 404);
          const type = String(req.headers['content-type'] ?? '')
            .split(';')[0]
            .trim()
            .toLowerCase();
          const body = await readBody(req);
          if (type !== 'application/json') {
            return send(res, 400, { code: 'DURABLE_BAD_CONTENT_TYPE', Message: 'Only application/json request content is supported' });
          }
          const text = body.trim() === '' ? 'null' : body;
          try {
            JSON.parse(text);
          } catch {
            return send(res, 400, { code: 'DURABLE_BAD_INPUT', Message: 'Invalid JSON content' });
          }
          await m.raiseEvent(instanceId, name, text);
          return send(res, 202);
        }
        case 'terminate':
          await m.terminate(instanceId, reason);
          return send(res, 202);
        case 'suspend':
          await m.suspend(instanceId, reason);
          return send(res, 202);
        case 'resume':
          await m.resume(instanceId, reason);
          return send(res, 202);
        case 'rewind':
          await m.rewind(instanceId, reason);
          return send(res, 202);
        case 'restart': {
          const id = await m.restart(instanceId, bool(url.searchParams.get('restartWithNewInstanceId'), true));
          const base = linksFromRequestOrigin ? originBase(req, opts.webhookBase()) : opts.webhookBase();
          const links = managementUrls(base, id, await opts.linkQuery());
          return send(res, 202, links, { Location: links.statusQueryGetUri, 'Retry-After': '10' });
        }
        default:
          return send(res, 404);
      }
    }
    return send(res, 404);
  } catch (err) {
    if (err instanceof DurableApiError) {
      return send(res, err.status, { code: err.code, Message: err.message });
    }
    opts.log(`Durable HTTP API error: ${(err as Error)?.stack ?? String(err)}`);
    return send(res, 500, { code: 'DURABLE_INTERNAL', Message: 'Something went wrong while processing your request' });
  }
}

function requestUrl(req: http.IncomingMessage, url: URL): string {
  const host = req.headers.host;
  return host ? `http://${host}${url.pathname}${url.search}` : url.href;
}

/** Links use the caller's origin (as GetClientResponseLinks does with the request URI). */
function originBase(req: http.IncomingMessage, webhookBase: string): string {
  const host = req.headers.host;
  if (!host) return webhookBase;
  const base = new URL(webhookBase);
  return `http://${host}${base.pathname.replace(/\/$/, '')}`;
}
