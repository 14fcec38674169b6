import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { checkBearer } from './auth';
import { ArmError, armErrors, toArmError } from './errors';
import { FaultInjector } from './faults';
import type { EmuRequest, EmuResponse } from './http';
import { LroManager } from './lro';
import type { EmulatorContext, EmulatorPlugin, ReceivedRequest } from './plugin';
import { Router } from './router';
import type { EmulatorSettings } from './settings';
import { StateStore } from './state';
import { ensureCertificate } from './tls';

export interface RunningEmulator {
  /** https://127.0.0.1:port (no trailing slash): the ARM endpoint clients use. */
  url: string;
  port: number;
  /** Self-signed certificate to trust: NODE_EXTRA_CA_CERTS for child processes, `ca` in process. */
  caFile: string;
  state: StateStore;
  faults: FaultInjector;
  received: ReceivedRequest[];
  settings: EmulatorSettings;
  stop(): Promise<void>;
}

const MAX_BODY = 32 * 1024 * 1024;
const MAX_RECEIVED = 10_000;

function readBody(req: import('node:http').IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(armErrors.badRequest('RequestBodyTooLarge', `request bodies are limited to ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The Azure ML emulator's HTTPS server: TLS, request parsing, recording, fault injection, the bearer
 * check and api-version check, routing to plugins, and ARM error rendering. Everything service-specific
 * lives in plugins (handlers/ and online/).
 */
export async function startServer(settings: EmulatorSettings, plugins: readonly EmulatorPlugin[]): Promise<RunningEmulator> {
  const tempRoot = settings.stateDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-emu-'));
  const root = settings.stateDir ?? tempRoot!;
  const tls = ensureCertificate(path.join(root, 'tls'));
  const state = new StateStore(settings.stateDir ? path.join(root, 'state') : undefined);
  const lro = new LroManager(state, {
    subscriptionId: settings.subscriptionId,
    region: settings.region,
    delayMs: settings.lroDelayMs,
    retryAfterSeconds: settings.retryAfterSeconds,
  });
  const faults = new FaultInjector();
  const router = new Router();
  const received: ReceivedRequest[] = [];
  const stoppers: (() => void | Promise<void>)[] = [];
  let origin = '';

  const ctx: EmulatorContext = {
    router,
    state,
    lro,
    faults,
    settings,
    errors: armErrors,
    workDir: path.join(root, 'work'),
    caFile: tls.certFile,
    origin: () => origin,
    requireWorkspace: (req) => {
      const p = req.params;
      const ok =
        p.subscriptionId?.toLowerCase() === settings.subscriptionId.toLowerCase() &&
        p.resourceGroupName?.toLowerCase() === settings.resourceGroup.toLowerCase() &&
        p.workspaceName?.toLowerCase() === settings.workspace.toLowerCase();
      if (!ok)
        throw new ArmError(
          404,
          'ResourceNotFound',
          `The Resource 'Microsoft.MachineLearningServices/workspaces/${p.workspaceName}' under resource group '${p.resourceGroupName}' was not found.`,
          { target: p.workspaceName },
        );
    },
    received: () => received,
    onStop: (fn) => stoppers.push(fn),
    log: (m) => {
      if (process.env.AZUREML_EMULATOR_LOG) console.log(`[azureml-emulator] ${m}`);
    },
  };
  fs.mkdirSync(ctx.workDir, { recursive: true });
  for (const p of plugins) await p.register(ctx);
  lro.resume();

  const handle = async (req: import('node:http').IncomingMessage): Promise<EmuResponse> => {
    let raw = await readBody(req);
    if (req.headers['content-encoding'] === 'gzip') raw = zlib.gunzipSync(raw);
    const url = new URL(req.url ?? '/', 'https://emulator');
    let body: unknown;
    if (raw.length && /json/i.test(String(req.headers['content-type'] ?? 'application/json'))) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw armErrors.badRequest('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
    }
    const method = (req.method ?? 'GET').toUpperCase();
    received.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, at: new Date().toISOString() });
    // A long-lived emulator (npm start) keeps the most recent requests only.
    if (received.length > MAX_RECEIVED) received.splice(0, received.length - MAX_RECEIVED);
    const fault = faults.take(method, url.pathname);
    if (fault) throw fault;
    const { route, params } = router.match(method, url.pathname);
    if (route.options.auth === 'arm') checkBearer(req.headers, settings.acceptedTokens);
    if (route.options.apiVersion) {
      const v = url.searchParams.get('api-version');
      if (!v) throw armErrors.missingApiVersion();
      if (!settings.apiVersions.includes(v)) throw armErrors.unsupportedApiVersion(v, settings.apiVersions);
    }
    const emuReq: EmuRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody: raw,
      body,
      params,
      origin: req.headers.host ? `https://${req.headers.host}` : origin,
    };
    return route.handler(emuReq);
  };

  const server = https.createServer({ key: fs.readFileSync(tls.keyFile), cert: fs.readFileSync(tls.certFile) }, (req, res) => {
    handle(req)
      .catch((err: unknown) => {
        const e = toArmError(err);
        if (!(err instanceof ArmError)) ctx.log(`handler error: ${(err as Error)?.stack ?? String(err)}`);
        return { status: e.status, headers: e.extra.headers, body: e.toBody() } as EmuResponse;
      })
      .then((out) => {
        const headers: Record<string, string> = { 'x-ms-request-id': randomUUID(), ...(out.headers ?? {}) };
        let payload: Buffer | undefined;
        if (Buffer.isBuffer(out.body)) payload = out.body;
        else if (typeof out.body === 'string') payload = Buffer.from(out.body, 'utf8');
        else if (out.body !== undefined) {
          payload = Buffer.from(JSON.stringify(out.body), 'utf8');
          headers['content-type'] ??= 'application/json; charset=utf-8';
        }
        res.writeHead(out.status, headers);
        res.end(payload);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  origin = `https://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${port}`;

  return {
    url: origin,
    port,
    caFile: tls.certFile,
    state,
    faults,
    received,
    settings,
    stop: async () => {
      lro.stop();
      for (const fn of stoppers.reverse()) await fn();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
    },
  };
}
