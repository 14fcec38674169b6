/**
 * A minimal in-process stand-in for the embedded host, for engine tests: captures registrations
 * through a virtual `@azure/functions-core` and invokes functions through the programming model as the
 * Node worker does. End-to-end tests use the real host process (test/host/durable/e2e.test.ts).
 *
 * Usage (at the top of a test file):
 *   jest.mock('@azure/functions-core', () => require('./support/inProcessHost').core, { virtual: true });
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostServices, InvokeRequest, InvokeResult, RegisteredFunction, RpcBindingInfo, RuntimeRouteHandler } from '../../../../src/host/provider';
import { DurableProvider, DurableProviderOptions } from '../../../../src/host/durable/provider';

interface Captured {
  metadata: { name: string; bindings: Record<string, RpcBindingInfo>; retryOptions?: unknown };
  callback: (...args: unknown[]) => unknown;
}

interface CoreState {
  functions: Map<string, Captured>;
  model: any;
}

const g = globalThis as unknown as { __durableTestCore?: CoreState };
const state: CoreState = (g.__durableTestCore ??= { functions: new Map(), model: undefined });

class Disposable {
  constructor(private readonly cb: () => void) {}
  dispose(): void {
    this.cb();
  }
}

export const core = {
  version: '3.10.1',
  hostVersion: '4.1000.0-test',
  registerFunction(metadata: Captured['metadata'], callback: Captured['callback']) {
    state.functions.set(metadata.name.toLowerCase(), { metadata, callback });
    return new Disposable(() => state.functions.delete(metadata.name.toLowerCase()));
  },
  registerHook() {
    return new Disposable(() => undefined);
  },
  setProgrammingModel(m: unknown) {
    state.model = m;
  },
  getProgrammingModel() {
    return state.model;
  },
  log() {},
  Disposable,
};

function registered(): RegisteredFunction[] {
  return [...state.functions.values()].map(({ metadata }) => {
    const [triggerBindingName, trigger] = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(String(b.type)))!;
    return {
      name: metadata.name,
      bindings: metadata.bindings,
      triggerBindingName,
      triggerType: String(trigger.type),
      trigger,
      retryOptions: metadata.retryOptions,
    };
  });
}

export interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

export interface InProcessHost {
  services: HostServices;
  provider: DurableProvider;
  baseUrl: string;
  systemKey: string;
  logs: LogLine[];
  invoke(name: string, req: InvokeRequest): Promise<InvokeResult>;
  stop(): Promise<void>;
}

/** Starts the Durable provider against the functions registered so far, with an HTTP listener for runtime routes. */
export async function startInProcessHost(opts: {
  connectionString: string;
  hostJson: Record<string, any>;
  settings?: Record<string, string>;
  provider?: DurableProviderOptions;
}): Promise<InProcessHost> {
  const routes: { prefix: string; handler: RuntimeRouteHandler }[] = [];
  const systemKey = 'test-system-key';
  const logs: LogLine[] = [];
  const functions = registered();
  const provider = new DurableProvider({ rpcPort: 0, ...opts.provider });

  const invoke = async (name: string, req: InvokeRequest): Promise<InvokeResult> => {
    const fn = functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
    const captured = state.functions.get(name.toLowerCase());
    if (!fn || !captured) throw new Error(`No function named "${name}"`);
    const inputData = [...req.inputData];
    for (const [bindingName, b] of Object.entries(fn.bindings)) {
      if (b.direction === 'in' && b.type === 'durableClient' && !inputData.some((d) => d.name === bindingName)) {
        inputData.push({ name: bindingName, data: await provider.bindInput(fn, bindingName, b) });
      }
    }
    const invocationId = req.invocationId ?? Math.random().toString(16).slice(2);
    const coreCtx = {
      invocationId,
      request: { invocationId, functionId: fn.name, inputData, triggerMetadata: req.triggerMetadata ?? {} },
      metadata: { name: fn.name, functionId: fn.name, bindings: fn.bindings },
      state: undefined,
      log: (level: string, _cat: string, message: string) => logs.push({ level, message }),
    };
    const model = await state.model.getInvocationModel(coreCtx);
    const { context, inputs } = await model.getArguments();
    const result = await model.invokeFunction(context, inputs, captured.callback);
    const response = await model.getResponse(context, result);
    return { invocationId, returnValue: response.returnValue ?? undefined, outputData: response.outputData ?? [] };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes.find((r) => url.pathname.startsWith(r.prefix));
    if (!route) return void res.writeHead(404).end();
    if (url.searchParams.get('code') !== systemKey && req.headers['x-functions-key'] !== systemKey) return void res.writeHead(401).end();
    void route.handler(req, res, url);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const services: HostServices = {
    functions,
    hostJson: opts.hostJson,
    settings: { ...opts.settings },
    storageConnectionString: opts.connectionString,
    baseUrl,
    invoke,
    addRuntimeRoute: (prefix, _auth, handler) => routes.push({ prefix, handler }),
    getSystemKey: async () => systemKey,
    logger: { log: (level, message, fields) => logs.push({ level, message, fields }) },
  };
  await provider.start(services);
  return {
    services,
    provider,
    baseUrl,
    systemKey,
    logs,
    invoke,
    stop: async () => {
      await provider.stop();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 30000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
