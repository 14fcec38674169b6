/**
 * The host's HTTP listener: HTTP-triggered functions under the route prefix (routing, methods, auth
 * keys, body limit), runtime routes that providers add (/runtime/webhooks/...), and a few admin routes.
 * Protocol only: invocation goes through the Invoker, keys through the SecretStore.
 */
import * as http from 'node:http';
import { BodyLimit, bodyLimitFor, bodyLimitMessage, declaredBodyLimit } from './bodyLimit';
import { HostError } from './coreApi';
import { FunctionTimeoutError, Invoker } from './invoker';
import { ConsoleLog } from './logger';
import type { RegisteredFunction, RpcTypedData, RuntimeAuth, RuntimeRouteHandler } from './provider';
import { CompiledRoute, comparePrecedence, compileRoute, matchRoute, splitPath } from './routing';
import { KeyLevel, SecretStore } from './secrets';

export type HttpAuthLevel = 'anonymous' | 'function' | 'admin';

export interface HttpRoute {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: Set<string> | undefined;
  authLevel: HttpAuthLevel;
  /** The route's own body limit (trigger option maxRequestBodyBytes), when it declares one. */
  declaredBodyBytes?: number;
}

interface RuntimeRoute {
  prefix: string;
  auth: RuntimeAuth;
  handler: RuntimeRouteHandler;
}

export interface HttpHostOptions {
  routePrefix: string;
  maxRequestBodyBytes: number;
  /** Body limit of anonymous routes and body-less methods (see bodyLimit.ts). */
  smallRequestBodyBytes: number;
  authEnabled: boolean;
  secrets: () => SecretStore | undefined;
  invoker: () => Invoker | undefined;
  log: ConsoleLog;
  /** HttpUri of the library's stream proxy when the app enabled HTTP streaming. */
  streamProxyUri: () => string | undefined;
  /** Extra fields for GET /admin/host/status. */
  status: () => Record<string, unknown>;
}

/** A JSON error body with a stable code (never a stack trace, never a secret). */
export function sendError(res: http.ServerResponse, status: number, code: string, message: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extraHeaders });
  res.end(body);
}

/** What a rejected body may still send, discarded, before its connection is cut. */
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 5000;

/**
 * 413 for a body over its limit, with a lingering close: the answer is written whole at once, but the
 * response ends (and the connection closes) only when the client has stopped sending, the rest of the
 * body being read and discarded. Closing while the client still sends makes its kernel drop our answer
 * (EPIPE/ECONNRESET, no status at all). Nothing is buffered; past LINGER_BYTES or LINGER_MS the
 * connection is cut anyway.
 */
function rejectBody(req: http.IncomingMessage, res: http.ServerResponse, message: string): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ error: { code: 'HOST_BODY_TOO_LARGE', message } });
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.write(body);
  let discarded = 0;
  let done = false;
  const finish = (cutIt: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (cutIt) req.socket.destroy();
    else res.end();
  };
  const timer = setTimeout(() => finish(true), LINGER_MS);
  timer.unref();
  req.on('data', (c: Buffer) => {
    discarded += c.length;
    if (discarded > LINGER_BYTES) finish(true);
  });
  req.on('end', () => finish(false));
  req.on('close', () => finish(false));
  if (req.complete) finish(false);
  else req.resume();
}

export function compileHttpRoutes(functions: readonly RegisteredFunction[]): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const fn of functions) {
    if (fn.triggerType.toLowerCase() !== 'httptrigger') continue;
    const t = fn.trigger as { route?: string; methods?: string[]; authLevel?: string };
    const level = String(t.authLevel ?? 'function').toLowerCase();
    if (!['anonymous', 'function', 'admin'].includes(level)) {
      throw new HostError('HOST_BAD_AUTH_LEVEL', `Function "${fn.name}": authLevel "${t.authLevel}" is not anonymous, function or admin.`);
    }
    const declaredBodyBytes = declaredBodyLimit(fn.trigger);
    routes.push({
      fn,
      route: compileRoute(t.route ?? fn.name),
      methods: t.methods && t.methods.length ? new Set(t.methods.map((m) => String(m).toUpperCase())) : undefined,
      authLevel: level as HttpAuthLevel,
      ...(declaredBodyBytes !== undefined ? { declaredBodyBytes } : {}),
    });
  }
  // Stable sort: more specific templates first, then registration order.
  return routes
    .map((r, i) => ({ r, i }))
    .sort((a, b) => comparePrecedence(a.r.route, b.r.route) || a.i - b.i)
    .map((x) => x.r);
}

/** Header or query key, as the host accepts it. */
export function presentedKey(req: http.IncomingMessage, url: URL): string | undefined {
  const h = req.headers['x-functions-key'];
  const fromHeader = Array.isArray(h) ? h[0] : h;
  return fromHeader || url.searchParams.get('code') || undefined;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => !failed && reject(e));
    // A client that goes away mid-body must not leave the request pending forever.
    req.on('close', () => !ended && !failed && reject(new Error('client closed the connection before sending the whole body')));
  });
}

function headerRecord(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function serializeCookie(c: any): string {
  const parts = [`${c.name}=${encodeURIComponent(String(c.value ?? ''))}`];
  const val = (x: any) => (x && typeof x === 'object' && 'value' in x ? x.value : x);
  const domain = val(c.domain);
  const path = val(c.path);
  const expires = val(c.expires);
  const maxAge = val(c.maxAge);
  if (domain) parts.push(`Domain=${domain}`);
  if (path) parts.push(`Path=${path}`);
  if (expires && typeof expires === 'object' && expires.seconds !== undefined) {
    parts.push(`Expires=${new Date(Number(expires.seconds) * 1000).toUTCString()}`);
  }
  if (maxAge !== undefined && maxAge !== null) parts.push(`Max-Age=${Math.trunc(Number(maxAge))}`);
  if (val(c.secure)) parts.push('Secure');
  if (val(c.httpOnly)) parts.push('HttpOnly');
  const sameSite = String(c.sameSite ?? 'none').toLowerCase();
  if (sameSite === 'lax') parts.push('SameSite=Lax');
  else if (sameSite === 'strict') parts.push('SameSite=Strict');
  else if (sameSite === 'explicitnone') parts.push('SameSite=None');
  return parts.join('; ');
}

function bodyBytes(body: RpcTypedData | undefined | null): Buffer {
  if (!body) return Buffer.alloc(0);
  const b = body as any;
  if (b.bytes !== undefined && b.bytes !== null) return Buffer.from(b.bytes);
  if (b.string !== undefined && b.string !== null) return Buffer.from(String(b.string), 'utf8');
  if (b.json !== undefined && b.json !== null) return Buffer.from(String(b.json), 'utf8');
  if (b.int !== undefined) return Buffer.from(String(b.int));
  if (b.double !== undefined) return Buffer.from(String(b.double));
  return Buffer.alloc(0);
}

export class HttpHost {
  readonly server: http.Server;
  private routes: HttpRoute[] = [];
  private readonly runtimeRoutes: RuntimeRoute[] = [];
  private ready = false;
  private port = 0;

  constructor(private readonly opts: HttpHostOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        opts.log.line('error', 'Host.Http', `Unhandled error for ${req.method} ${req.url?.split('?')[0]}: ${(err as Error)?.message}`);
        sendError(res, 500, 'HOST_INTERNAL', 'The host failed to process the request.');
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  setRoutes(routes: HttpRoute[]): void {
    this.routes = routes;
  }

  get httpRoutes(): readonly HttpRoute[] {
    return this.routes;
  }

  addRuntimeRoute(prefix: string, auth: RuntimeAuth, handler: RuntimeRouteHandler): void {
    const p = '/' + prefix.replace(/^\/+|\/+$/g, '');
    this.runtimeRoutes.push({ prefix: p.toLowerCase(), auth, handler });
    this.runtimeRoutes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  setReady(ready: boolean): void {
    this.ready = ready;
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections?.();
      setTimeout(() => {
        this.server.closeAllConnections?.();
        resolve();
      }, 3000).unref();
    });
  }

  /** Whether a presented key grants `required` (for functionName / a system key name). */
  private async authorized(req: http.IncomingMessage, url: URL, required: RuntimeAuth, functionName?: string, systemKeyName?: string): Promise<boolean> {
    if (!this.opts.authEnabled || required === 'anonymous') return true;
    const key = presentedKey(req, url);
    const secrets = this.opts.secrets();
    if (!key || !secrets) return false;
    const ok = (levels: Set<KeyLevel>) =>
      levels.has('admin') || (required === 'function' && levels.has('function')) || (required === 'system' && levels.has('system'));
    if (ok(secrets.levelsFor(key, functionName, systemKeyName))) return true;
    // Keys may have been added to storage since we loaded them (by hand or by another tool).
    await secrets.refresh();
    return ok(secrets.levelsFor(key, functionName, systemKeyName));
  }

  private unauthorized(res: http.ServerResponse): void {
    // Azure answers 401 with an empty body.
    res.writeHead(401, { 'content-length': 0 });
    res.end();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? `127.0.0.1:${this.port}`}`);
    } catch {
      return sendError(res, 400, 'HOST_BAD_URL', 'The request URL is malformed.');
    }
    const pathLower = url.pathname.toLowerCase();
    if (pathLower === '/admin/host/ping') {
      res.writeHead(200, { 'content-length': 0 });
      return void res.end();
    }
    if (!this.ready) {
      return sendError(res, 503, 'HOST_STARTING', 'The host is starting; retry shortly.', { 'retry-after': '1' });
    }

    for (const rr of this.runtimeRoutes) {
      if (pathLower === rr.prefix || pathLower.startsWith(rr.prefix + '/') || pathLower.startsWith(rr.prefix + '?')) {
        const ext = /^\/runtime\/webhooks\/([^/]+)/.exec(pathLower)?.[1];
        const systemKeyName = ext ? `${ext}_extension` : undefined;
        if (!(await this.authorized(req, url, rr.auth, undefined, systemKeyName))) return this.unauthorized(res);
        try {
          await rr.handler(req, res, url);
        } catch (err) {
          const code = err instanceof HostError ? err.code : 'HOST_RUNTIME_ROUTE_FAILED';
          this.opts.log.line('error', 'Host.Http', `Runtime route ${rr.prefix} failed: ${(err as Error)?.message}`);
          sendError(res, 500, code, 'The runtime route failed.');
        }
        return;
      }
    }

    if (pathLower === '/admin/host/status') {
      if (!(await this.authorized(req, url, 'admin'))) return this.unauthorized(res);
      const body = JSON.stringify({ state: 'Running', ...this.opts.status() });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      return void res.end(body);
    }
    const keysMatch = /^\/admin\/(?:host\/(keys|systemkeys)|functions\/([^/]+)\/keys)\/?$/.exec(pathLower);
    if (keysMatch) {
      // The host's key-management API (read-only here): master key required.
      if (!(await this.authorized(req, url, 'admin'))) return this.unauthorized(res);
      if ((req.method ?? 'GET').toUpperCase() !== 'GET')
        return sendError(res, 405, 'HOST_METHOD_NOT_ALLOWED', 'Only GET is supported on the key API.', { allow: 'GET' });
      const secrets = this.opts.secrets();
      if (!secrets) return sendError(res, 503, 'HOST_STARTING', 'The host is starting; retry shortly.', { 'retry-after': '1' });
      await secrets.refresh();
      let keys: readonly { name: string; value: string }[];
      if (keysMatch[1] === 'keys') keys = secrets.hostFunctionKeys();
      else if (keysMatch[1] === 'systemkeys') keys = secrets.systemKeys();
      else {
        const fnName = decodeURIComponent(keysMatch[2]);
        if (!this.routes.some((r) => r.fn.name.toLowerCase() === fnName) && !secrets.functionKeys(fnName).length) {
          return sendError(res, 404, 'HOST_UNKNOWN_FUNCTION', 'No such function.');
        }
        keys = secrets.functionKeys(fnName);
      }
      const body = JSON.stringify({ keys: keys.map((k) => ({ name: k.name, value: k.value })) });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(body);
    }
    if (pathLower === '/' || pathLower === '') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Your Functions host is up and running.');
    }

    const prefix = this.opts.routePrefix ? `/${this.opts.routePrefix.toLowerCase()}` : '';
    if (prefix && pathLower !== prefix && !pathLower.startsWith(prefix + '/')) {
      return sendError(res, 404, 'HOST_NOT_FOUND', 'No function matches this route.');
    }
    const segments = splitPath(url.pathname.slice(prefix.length));
    if (!segments) return sendError(res, 400, 'HOST_BAD_URL', 'The request path is not valid percent-encoding.');
    const method = (req.method ?? 'GET').toUpperCase();
    const pathMatched: HttpRoute[] = [];
    let chosen: { route: HttpRoute; params: Record<string, string> } | undefined;
    for (const r of this.routes) {
      const params = matchRoute(r.route, segments);
      if (!params) continue;
      pathMatched.push(r);
      if (!r.methods || r.methods.has(method)) {
        chosen = { route: r, params };
        break;
      }
    }
    if (!chosen) {
      if (pathMatched.length === 0) return sendError(res, 404, 'HOST_NOT_FOUND', 'No function matches this route.');
      const allow = [...new Set(pathMatched.flatMap((r) => [...(r.methods ?? [])]))].join(', ');
      return sendError(res, 405, 'HOST_METHOD_NOT_ALLOWED', `Method ${method} is not allowed on this route.`, { allow });
    }
    const { route, params } = chosen;
    if (!(await this.authorized(req, url, route.authLevel, route.fn.name))) return this.unauthorized(res);

    const limit = bodyLimitFor(route, method, { maxBytes: this.opts.maxRequestBodyBytes, smallBytes: this.opts.smallRequestBodyBytes });
    const tooLarge = () => rejectBody(req, res, bodyLimitMessage(limit, method));
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit.bytes) return tooLarge();
    const invoker = this.opts.invoker();
    if (!invoker) return sendError(res, 503, 'HOST_STARTING', 'The host is starting; retry shortly.', { 'retry-after': '1' });
    const streamUri = this.opts.streamProxyUri();
    if (streamUri) return this.invokeStreaming(req, res, url, route, params, invoker, streamUri, limit);

    let body: Buffer;
    try {
      body = await readBody(req, limit.bytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) return tooLarge();
      throw err;
    }
    const headers = headerRecord(req);
    const rpcHttp: Record<string, unknown> = { method, url: url.toString(), headers, params };
    if (body.length > 0) rpcHttp.body = { bytes: body };
    const result = await this.invoke(res, invoker, route.fn, {
      inputData: [{ name: route.fn.triggerBindingName, data: { http: rpcHttp } }],
      triggerMetadata: this.httpTriggerMetadata(headers, url, params),
      reason: `This function was programmatically called via the host APIs.`,
    });
    if (!result) return;
    this.writeResponse(res, route.fn, result);
  }

  private httpTriggerMetadata(headers: Record<string, string>, url: URL, params: Record<string, string>): Record<string, RpcTypedData> {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const md: Record<string, RpcTypedData> = { Headers: { json: JSON.stringify(headers) }, Query: { json: JSON.stringify(query) } };
    for (const [k, v] of Object.entries(params)) md[k] = { string: v };
    return md;
  }

  private async invoke(res: http.ServerResponse, invoker: Invoker, fn: RegisteredFunction, req: Parameters<Invoker['invoke']>[1]) {
    try {
      return await invoker.invoke(fn.name, req);
    } catch (err) {
      if (err instanceof FunctionTimeoutError) {
        sendError(res, 500, err.code, 'The function timed out.');
      } else if (!res.headersSent) {
        // Azure answers an unhandled function error with a bare 500 (details only in the logs).
        res.writeHead(500, { 'content-length': 0 });
        res.end();
      } else res.destroy();
      return undefined;
    }
  }

  private findHttpOutput(fn: RegisteredFunction, result: { returnValue?: RpcTypedData; outputData: { name: string; data: RpcTypedData }[] }): any {
    const ret = fn.bindings['$return'];
    if (ret && String(ret.type).toLowerCase() === 'http') return result.returnValue;
    for (const [name, b] of Object.entries(fn.bindings)) {
      if (b.direction === 'out' && String(b.type).toLowerCase() === 'http') {
        return result.outputData.find((d) => d.name === name)?.data;
      }
    }
    return undefined;
  }

  private writeResponse(
    res: http.ServerResponse,
    fn: RegisteredFunction,
    result: { returnValue?: RpcTypedData; outputData: { name: string; data: RpcTypedData }[] },
  ): void {
    const out = this.findHttpOutput(fn, result);
    const rpc = out && typeof out === 'object' && 'http' in out ? (out.http as any) : undefined;
    if (!rpc) {
      res.writeHead(204);
      return void res.end();
    }
    const status = Number.parseInt(String(rpc.statusCode ?? '200'), 10);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries<any>(rpc.headers ?? {})) {
      if (k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding') continue;
      headers[k] = String(v);
    }
    const cookies = (rpc.cookies ?? []).map(serializeCookie);
    if (cookies.length) headers['set-cookie'] = cookies;
    const body = bodyBytes(rpc.body);
    const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
    if (!noBody) headers['content-length'] = String(body.length);
    res.writeHead(Number.isFinite(status) && status >= 100 && status <= 999 ? status : 500, headers);
    res.end(noBody ? undefined : body);
  }

  /**
   * With `app.setup({ enableHttpStream: true })` the library serves the request itself on its proxy
   * (HttpUri from getCapabilities): the host forwards the raw request there, tagged with the
   * invocation id, and relays the proxy's response; the invocation carries headers/params as metadata.
   */
  private async invokeStreaming(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    route: HttpRoute,
    params: Record<string, string>,
    invoker: Invoker,
    streamUri: string,
    limit: BodyLimit,
  ): Promise<void> {
    const { randomUUID } = await import('node:crypto');
    const invocationId = randomUUID();
    const headers = headerRecord(req);
    const target = new URL(url.pathname + url.search, streamUri);
    let received = 0;
    let tooLarge = false;
    const proxyReq = http.request(target, {
      method: req.method,
      headers: {
        ...req.headers,
        host: target.host,
        'x-ms-invocation-id': invocationId,
        'x-forwarded-host': url.host,
        'x-forwarded-proto': 'http',
      },
    });
    const proxied = new Promise<void>((resolve) => {
      proxyReq.on('response', (pres) => {
        const h = { ...pres.headers };
        delete h['x-ms-invocation-id'];
        res.writeHead(pres.statusCode ?? 200, h);
        pres.pipe(res);
        pres.on('end', resolve);
        pres.on('error', () => {
          res.destroy();
          resolve();
        });
      });
      proxyReq.on('error', () => resolve());
    });
    req.on('data', (c: Buffer) => {
      received += c.length;
      if (received > limit.bytes && !tooLarge) {
        tooLarge = true;
        req.unpipe(proxyReq);
        proxyReq.destroy();
        rejectBody(req, res, bodyLimitMessage(limit, req.method ?? 'POST'));
      }
    });
    req.pipe(proxyReq);
    const result = await this.invoke(res, invoker, route.fn, {
      invocationId,
      inputData: [{ name: route.fn.triggerBindingName, data: { http: { method: req.method, url: url.toString(), headers, params } } }],
      triggerMetadata: this.httpTriggerMetadata(headers, url, params),
      reason: 'This function was programmatically called via the host APIs.',
    });
    if (!result) {
      proxyReq.destroy();
      return;
    }
    // The library has written its whole response to the proxy before the invocation resolves.
    const settled = await Promise.race([proxied.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
    if (!settled && !res.headersSent) {
      proxyReq.destroy();
      res.writeHead(204);
      res.end();
    }
  }
}
