/**
 * One scoring endpoint: an HTTP server over an onnxruntime session speaking Azure ML's online-endpoint
 * contract (Bearer key, POST /score with the three request shapes, GET / health, GET /swagger.json).
 * endpointServer.ts runs it as its own process; tests may also run it in-process.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { InferenceSession } from 'onnxruntime-node';
import { errorBody, headerSafe, ScoringError } from '../contract/errors';
import { buildOpenApi } from '../contract/openapi';
import { DEFAULT_MAX_ROWS, parseScoreBody } from '../contract/request';
import { InputSchema, inputSchemaFromOnnx, SchemaHints } from '../contract/schema';
import { batchToFeeds, outputNamesFor, predictionsFromOutputs, responseBody } from '../contract/tensors';
import { bearerMatches, DeploymentKeys } from './keys';

export type ModelLocation = { path: string } | { url: string } | { base64: string };

export interface EndpointConfig {
  name: string;
  modelName: string;
  modelVersion: string;
  model: ModelLocation;
  keys: DeploymentKeys;
  hints?: SchemaHints;
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Identifies this process in GET / (header x-endpoint-instance), so an owner can recognise it. */
  instanceId?: string;
  maxBodyBytes?: number;
  maxRows?: number;
  /** ORT intra-op threads (default 1: the machine is shared by several deployments). */
  threads?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface RunningEndpoint {
  port: number;
  url: string;
  schema: InputSchema;
  /** Replaces the keys (rotation): the old ones are refused from the next request on. */
  setKeys(keys: DeploymentKeys): void;
  /** Stops accepting connections, lets in-flight requests finish, then releases the session. */
  close(): Promise<void>;
}

export function validKeys(k: unknown): k is DeploymentKeys {
  const keys = k as DeploymentKeys | undefined;
  return !!keys && typeof keys.primary === 'string' && typeof keys.secondary === 'string' && keys.primary.length >= 16 && keys.secondary.length >= 16;
}

/** Checks a config received from outside (stdin/env) into a typed value. */
export function parseEndpointConfig(raw: unknown): EndpointConfig {
  const bad = (why: string) => new Error(`invalid endpoint config: ${why}`);
  if (!raw || typeof raw !== 'object') throw bad('not an object');
  const c = raw as Record<string, any>;
  for (const k of ['name', 'modelName']) if (typeof c[k] !== 'string' || !c[k]) throw bad(`'${k}' is required`);
  if (c.modelVersion === undefined) throw bad("'modelVersion' is required");
  const m = c.model;
  if (!m || !(typeof m.path === 'string' || typeof m.url === 'string' || typeof m.base64 === 'string')) {
    throw bad("'model' must be {path} | {url} | {base64}");
  }
  if (!validKeys(c.keys)) {
    throw bad("'keys' must hold a primary and a secondary key of at least 16 characters");
  }
  if (c.port !== undefined && !(Number.isInteger(c.port) && c.port >= 0 && c.port < 65536)) throw bad("'port' must be an integer port");
  return { ...c, modelVersion: String(c.modelVersion) } as EndpointConfig;
}

async function loadModelBytes(loc: ModelLocation): Promise<Uint8Array> {
  if ('path' in loc) return fs.promises.readFile(loc.path);
  if ('base64' in loc) return Buffer.from(loc.base64, 'base64');
  const res = await fetch(loc.url);
  if (!res.ok) throw new Error(`model download failed: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function send(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Reads the body up to `limit` bytes; beyond that rejects with 413 (the rest is drained, not buffered). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return reject(new ScoringError(413, 'BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return reject(new ScoringError(413, 'BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`));
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

export async function startEndpoint(cfg: EndpointConfig): Promise<RunningEndpoint> {
  const bytes = await loadModelBytes(cfg.model);
  const schema = inputSchemaFromOnnx(bytes, cfg.hints);
  const threads = cfg.threads ?? 1;
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  let keys: DeploymentKeys = { ...cfg.keys };
  const maxBodyBytes = cfg.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxRows = cfg.maxRows ?? DEFAULT_MAX_ROWS;
  const modelHeaders = {
    'x-model-name': headerSafe(cfg.modelName),
    'x-model-version': headerSafe(cfg.modelVersion),
    'azureml-model-deployment': headerSafe(cfg.name),
  };
  let swaggerJson: string | undefined;
  /** Set once close() began: answers carry Connection: close so clients stop reusing the socket. */
  let draining = false;
  const swagger = (port: number) =>
    (swaggerJson ??= JSON.stringify(
      buildOpenApi(schema, {
        auth: 'bearer',
        serverUrl: `http://${cfg.host ?? '127.0.0.1'}:${port}`,
        modelName: cfg.modelName,
        modelVersion: cfg.modelVersion,
        health: true,
        maxRows,
        maxBodyBytes,
      }),
    ));

  async function score(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!bearerMatches(req.headers.authorization, keys)) {
      req.resume();
      return send(res, 401, errorBody('unauthorized', 'a valid key is required: Authorization: Bearer <key>'), {
        'www-authenticate': 'Bearer',
      });
    }
    const raw = await readBody(req, maxBodyBytes);
    const batch = parseScoreBody(raw, schema, { maxRows });
    const outputs = await session.run(batchToFeeds(batch, schema), outputNamesFor(batch));
    const body = JSON.stringify(responseBody(batch.shape, predictionsFromOutputs(outputs, batch)));
    send(res, 200, body, modelHeaders);
  }

  const server = http.createServer((req, res) => {
    if (draining) res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    let work: Promise<void> | void;
    if (route === 'GET /' || route === 'HEAD /') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-endpoint-instance': cfg.instanceId ?? '', ...modelHeaders });
      res.end(req.method === 'HEAD' ? undefined : 'Healthy');
      return;
    } else if (route === 'GET /swagger.json') {
      return send(res, 200, swagger((server.address() as AddressInfo).port));
    } else if (url.pathname === '/score') {
      if (req.method !== 'POST') {
        req.resume();
        return send(res, 405, errorBody('METHOD_NOT_ALLOWED', 'use POST /score'), { allow: 'POST' });
      }
      work = score(req, res);
    } else {
      req.resume();
      return send(res, 404, errorBody('NOT_FOUND', `no route ${req.method} ${url.pathname}`));
    }
    Promise.resolve(work).catch((err) => {
      if (err instanceof ScoringError) {
        const extra: http.OutgoingHttpHeaders = err.status === 413 ? { connection: 'close' } : {};
        return send(res, err.status, JSON.stringify(err.toBody()), { ...modelHeaders, ...extra });
      }
      // Not the client's fault: log the reason (no body, no key), answer a generic 500.
      process.stderr.write(`scoring failed: ${(err as Error).message}\n`);
      send(res, 500, errorBody('SCORING_FAILED', 'the model could not score this request'), modelHeaders);
    });
  });
  // Longer than any client pool's idle timeout, so a pooled socket is not closed under a request.
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  server.requestTimeout = 60000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port ?? 0, cfg.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://${cfg.host ?? '127.0.0.1'}:${port}`,
    schema,
    setKeys: (next) => {
      if (!validKeys(next)) throw new Error('keys must be two strings of at least 16 characters');
      keys = { primary: next.primary, secondary: next.secondary };
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        draining = true;
        // Keep-alive sockets become idle once their in-flight request is answered: close them then.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }).then(() => session.release())),
  };
}
