/**
 * The Durable engine as a host provider: drives orchestrationTrigger and activityTrigger functions,
 * supplies durableClient binding data, serves the RPC listener (127.0.0.1:17071/durabletask/) and the
 * system-key webhook API (/runtime/webhooks/durabletask/) on the host port.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostServices, Provider, RegisteredFunction, RpcBindingInfo, RpcTypedData } from '../provider';
import { DurableEngine } from './engine';
import { failureFromError } from './failure';
import { EngineHooks, installedEngineHooks } from './hooks';
import type { ActivityOutcome, EntityBatchResult, EntityOutcome, FunctionRunner, OrchestratorOutcome, OrchestratorState } from './runner';
import type { FailureDetails } from './history';
import { handleDurableHttp, HttpApiOptions, INSTANCE_ID_PLACEHOLDER, managementUrls } from './httpApi';
import { DurableManagement } from './management';
import { DurableSettings, readDurableSettings } from './options';
import { DurableStore } from './store';

export const SYSTEM_KEY_NAME = 'durabletask_extension';
export const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

/** JSON text of an RPC typed value (a function's return value). */
export function typedDataToJsonText(data: RpcTypedData | undefined | null): string | null {
  if (!data) return null;
  if ('json' in data && typeof data.json === 'string') return data.json;
  if ('string' in data && typeof data.string === 'string') return JSON.stringify(data.string);
  if ('int' in data) return JSON.stringify(Number(data.int));
  if ('double' in data) return JSON.stringify(Number(data.double));
  if ('bytes' in data && data.bytes) return JSON.stringify(Buffer.from(data.bytes).toString('base64'));
  return null;
}

/** Splits the SDK's failed-orchestration message into the error and the OrchestratorState it carries. */
export function parseOrchestratorFailure(err: unknown): { error: string; state?: OrchestratorState; failureDetails?: FailureDetails } {
  const message = (err as Error)?.message ?? String(err);
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { error: message };
  try {
    // The SDK puts the real error in the state (the text before the label is not always meaningful).
    const state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorState & { failureDetails?: FailureDetails };
    return { error: state.error ?? message.slice(0, at).trim(), state, failureDetails: state.failureDetails };
  } catch {
    return { error: message.slice(0, at).trim() };
  }
}

/** FailureDetails of an activity error; wrapActivityHandler may have put them, as JSON, in the message. */
export function activityFailure(err: unknown): FailureDetails {
  const base = failureFromError(err);
  try {
    const o = JSON.parse(base.ErrorMessage) as Record<string, unknown>;
    if (o && typeof o.errorType === 'string' && typeof o.errorMessage === 'string') {
      return {
        ErrorType: o.errorType,
        ErrorMessage: o.errorMessage,
        StackTrace: typeof o.stackTrace === 'string' ? o.stackTrace : base.StackTrace,
        IsNonRetriable: o.isNonRetriable === true,
        Properties: (o.properties as Record<string, unknown>) ?? undefined,
      };
    }
  } catch {
    // A plain message.
  }
  return base;
}

class HostRunner implements FunctionRunner {
  private readonly orchestrators = new Map<string, RegisteredFunction>();
  private readonly activities = new Map<string, RegisteredFunction>();
  private readonly entities = new Map<string, RegisteredFunction>();

  constructor(private readonly host: HostServices) {
    for (const fn of host.functions) {
      const t = fn.triggerType.toLowerCase();
      if (t === 'orchestrationtrigger') this.orchestrators.set(fn.name.toLowerCase(), fn);
      if (t === 'activitytrigger') this.activities.set(fn.name.toLowerCase(), fn);
      if (t === 'entitytrigger') this.entities.set(fn.name.toLowerCase(), fn);
    }
  }

  isOrchestrator(name: string): boolean {
    return this.orchestrators.has(name.toLowerCase());
  }
  isActivity(name: string): boolean {
    return this.activities.has(name.toLowerCase());
  }
  canonicalName(name: string): string {
    const k = name.toLowerCase();
    return this.orchestrators.get(k)?.name ?? this.activities.get(k)?.name ?? this.entities.get(k)?.name ?? name;
  }
  isEntity(name: string): boolean {
    return this.entities.has(name.toLowerCase());
  }

  async runEntity(name: string, binding: Record<string, unknown>, entityId: string): Promise<EntityOutcome> {
    const fn = this.entities.get(name.toLowerCase());
    if (!fn) return { ok: false, error: `The function '${name}' doesn't exist, is disabled, or is not an entity function.` };
    this.host.logger.log('information', `Executing entity '${fn.name}' (${entityId}).`, { instanceId: entityId, functionName: fn.name });
    try {
      const res = await this.host.invoke(fn.name, { inputData: [{ name: fn.triggerBindingName, data: { json: JSON.stringify(binding) } }] });
      const text = typedDataToJsonText(res.returnValue);
      const result = text ? (JSON.parse(text) as EntityBatchResult) : undefined;
      if (!result || !Array.isArray(result.results)) return { ok: false, error: 'The entity function did not return an entity state.' };
      return { ok: true, result };
    } catch (err) {
      return { ok: false, error: (err as Error)?.message ?? String(err) };
    }
  }

  async runOrchestrator(name: string, binding: Record<string, unknown>, instanceId: string): Promise<OrchestratorOutcome> {
    const fn = this.orchestrators.get(name.toLowerCase());
    if (!fn) {
      const error = `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`;
      return { ok: false, error, failure: { ErrorType: 'FunctionNotFound', ErrorMessage: error } };
    }
    this.host.logger.log('information', `Executing orchestrator '${fn.name}' (instance ${instanceId}).`, { instanceId, functionName: fn.name });
    try {
      const res = await this.host.invoke(fn.name, {
        inputData: [{ name: fn.triggerBindingName, data: { json: JSON.stringify(binding) } }],
      });
      const text = typedDataToJsonText(res.returnValue);
      const state = text ? (JSON.parse(text) as OrchestratorState) : undefined;
      if (!state || !Array.isArray(state.actions)) {
        const error = 'Out of proc orchestrators must return a valid JSON schema';
        return { ok: false, error, failure: { ErrorType: 'InvalidOperation', ErrorMessage: error } };
      }
      return { ok: true, state };
    } catch (err) {
      const { error, state, failureDetails } = parseOrchestratorFailure(err);
      const failure = failureDetails ?? { ...failureFromError(err), ErrorMessage: error, StackTrace: undefined };
      return { ok: false, error, state, failure };
    }
  }

  async runActivity(name: string, input: string | null, instanceId: string): Promise<ActivityOutcome> {
    const fn = this.activities.get(name.toLowerCase());
    if (!fn) {
      const msg = `The function '${name}' doesn't exist, is disabled, or is not an activity function.`;
      return { ok: false, failure: { Reason: msg, FailureDetails: { ErrorType: 'FunctionNotFound', ErrorMessage: msg } } };
    }
    this.host.logger.log('information', `Executing activity '${fn.name}' (instance ${instanceId}).`, { instanceId, functionName: fn.name });
    try {
      const res = await this.host.invoke(fn.name, {
        inputData: [{ name: fn.triggerBindingName, data: { string: input ?? 'null' } }],
      });
      return { ok: true, result: typedDataToJsonText(res.returnValue) };
    } catch (err) {
      const details = activityFailure(err);
      this.host.logger.log('warning', `Activity '${fn.name}' (instance ${instanceId}) failed: ${details.ErrorMessage}`, {
        instanceId,
        functionName: fn.name,
      });
      return { ok: false, failure: { Reason: `${details.ErrorType}: ${details.ErrorMessage}`, Details: details.StackTrace, FailureDetails: details } };
    }
  }
}

export interface DurableProviderOptions {
  /** Overrides DURABLE_RPC_PORT (0 = a free port). */
  rpcPort?: number;
  /** Other engine settings (tests). */
  settings?: Partial<DurableSettings>;
  /** Test seams; default: the hooks a test preload installed (installEngineHooks), else none. */
  hooks?: EngineHooks;
}

export class DurableProvider implements Provider {
  readonly name = 'durable';
  readonly triggerTypes = ['orchestrationTrigger', 'activityTrigger', 'entityTrigger'] as const;
  readonly inputBindingTypes = ['durableClient'] as const;
  engine: DurableEngine | undefined;
  management: DurableManagement | undefined;
  settings: DurableSettings | undefined;
  private host: HostServices | undefined;
  private rpc: http.Server | undefined;
  rpcBaseUrl = '';

  constructor(private readonly opts: DurableProviderOptions = {}) {}

  async start(host: HostServices): Promise<void> {
    this.host = host;
    const durableTypes = new Set(['orchestrationtrigger', 'activitytrigger', 'entitytrigger', 'durableclient', 'orchestrationclient']);
    const usesDurable = host.functions.some((fn) => Object.values(fn.bindings).some((b) => durableTypes.has(String(b.type).toLowerCase())));
    if (!usesDurable) return; // Nothing to drive: no task hub, no listener.
    const settings = readDurableSettings(host.hostJson, host.settings, {
      ...(this.opts.rpcPort !== undefined ? { rpcPort: this.opts.rpcPort } : {}),
      ...this.opts.settings,
    });
    settings.controlVisibilitySec = Math.max(1, Math.round(settings.controlVisibilitySec));
    settings.workItemVisibilitySec = Math.max(1, Math.round(settings.workItemVisibilitySec));
    this.settings = settings;
    // df.getClient rewrites webhook URLs to localhost:7071 unless WEBSITE_HOSTNAME names the host (Azure sets it).
    if (!process.env.WEBSITE_HOSTNAME) process.env.WEBSITE_HOSTNAME = new URL(host.baseUrl).host;

    const store = new DurableStore(host.storageConnectionString, settings.hubName);
    const runner = new HostRunner(host);
    const hooks = this.opts.hooks ?? installedEngineHooks();
    this.engine = new DurableEngine(store, runner, hooks ? { ...settings, hooks } : settings, host.logger);
    this.management = new DurableManagement(this.engine);
    const api: HttpApiOptions = {
      management: this.management,
      webhookBase: () => `${host.baseUrl}${WEBHOOK_PATH}`,
      linkQuery: async () =>
        `taskHub=${encodeURIComponent(settings.hubName)}&connection=${settings.connectionName}&code=${encodeURIComponent(await host.getSystemKey(SYSTEM_KEY_NAME))}`,
      log: (m) => host.logger.log('error', m),
    };
    await this.engine.start();

    this.rpc = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!url.pathname.startsWith('/durabletask/') && url.pathname !== '/durabletask') {
        res.writeHead(404).end();
        return;
      }
      void handleDurableHttp(api, '/durabletask', req, res, url, false);
    });
    const listen = (port: number) =>
      new Promise<void>((resolve, reject) => {
        this.rpc!.once('error', reject);
        this.rpc!.listen(port, '127.0.0.1', () => resolve());
      });
    try {
      await listen(settings.rpcPort);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      // Another host (or test) holds the default port: clients find ours through rpcBaseUrl anyway.
      host.logger.log('warning', `Durable RPC port ${settings.rpcPort} is in use; listening on a free port instead.`);
      await listen(0);
    }
    const port = (this.rpc.address() as AddressInfo).port;
    this.rpcBaseUrl = `http://127.0.0.1:${port}/durabletask/`;
    host.addRuntimeRoute(WEBHOOK_PATH, 'system', (req, res, url) => handleDurableHttp(api, WEBHOOK_PATH, req, res, url, true));
    host.logger.log('information', `Durable engine started: task hub '${settings.hubName}', RPC ${this.rpcBaseUrl}`);
  }

  async stop(): Promise<void> {
    await this.engine?.stop();
    this.engine = undefined;
    if (this.rpc) await new Promise<void>((r) => this.rpc!.close(() => r()));
    this.rpc = undefined;
  }

  /** durableClient binding data, as the extension's BindingHelper produces it. */
  async clientData(taskHub?: string): Promise<Record<string, unknown>> {
    const host = this.host!;
    const settings = this.settings!;
    const hub = taskHub || settings.hubName;
    const key = encodeURIComponent(await host.getSystemKey(SYSTEM_KEY_NAME));
    const base = `${host.baseUrl}${WEBHOOK_PATH}`;
    return {
      taskHubName: hub,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=${key}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${key}`,
      },
      managementUrls: managementUrls(base, INSTANCE_ID_PLACEHOLDER, `taskHub=${encodeURIComponent(hub)}&connection=${settings.connectionName}&code=${key}`),
      baseUrl: base,
      requiredQueryStringParameters: `code=${key}`,
      rpcBaseUrl: this.rpcBaseUrl,
      httpBaseUrl: '',
      maxGrpcMessageSizeInBytes: 0,
      grpcHttpClientTimeout: '00:01:40',
    };
  }

  async bindInput(_fn: RegisteredFunction, _bindingName: string, binding: RpcBindingInfo): Promise<RpcTypedData> {
    const hub = typeof binding.taskHub === 'string' ? binding.taskHub : undefined;
    return { json: JSON.stringify(await this.clientData(hub)) };
  }
}

export function createDurableProvider(opts: DurableProviderOptions = {}): DurableProvider {
  return new DurableProvider(opts);
}
