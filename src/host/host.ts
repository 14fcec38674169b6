/**
 * The embedded Functions host: applies settings, provides @azure/functions-core, loads the app,
 * runs appStart hooks, opens the HTTP listener, loads keys and starts the trigger providers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entryPointFiles, readAppPackage } from './appLoader';
import { CoreRegistry, createCoreApi, HostError, installCoreModule } from './coreApi';
import { HostConfig, readHostConfig } from './hostConfig';
import { computeHostId } from './hostId';
import { compileHttpRoutes, HttpHost } from './httpServer';
import { Invoker } from './invoker';
import { ConsoleLog } from './logger';
import type { HostServices, InvokeRequest, Provider, RegisteredFunction, RpcBindingInfo } from './provider';
import { SecretStore } from './secrets';
import { applyLocalSettings, boolSetting, numberSetting, readLocalSettings } from './settings';
import { resolveConnectionString, StorageClients, storageClients } from './storage';

export const HOST_VERSION = '4.1000.0-embedded';
export const READY_MARKER = 'MLOPS_HOST_READY';

export interface HostOptions {
  appDir: string;
  /** 0 = any free port; default: local.settings.json Host.LocalHttpPort, else 7071. */
  port?: number;
  listenHost?: string;
  /** Overrides AzureWebJobsStorage (also for the app). */
  storage?: string;
  /** Overrides MLOPS_HOST_AUTH. */
  authEnabled?: boolean;
  /** Providers besides the built-in HTTP trigger (the CLI passes blob trigger + builtInProviders()). */
  providers?: (services: { log: ConsoleLog; config: HostConfig; hostId: string }) => Provider[];
  log?: ConsoleLog;
}

export interface HostInfo {
  baseUrl: string;
  port: number;
  hostId: string;
  functions: { name: string; trigger: string; url?: string; methods?: string[]; authLevel?: string }[];
}

function toRegistered(name: string, bindings: Record<string, RpcBindingInfo>, retryOptions: unknown): RegisteredFunction {
  const entries = Object.entries(bindings ?? {});
  const triggers = entries.filter(([, b]) => /trigger$/i.test(String(b?.type ?? '')));
  if (triggers.length !== 1) {
    throw new HostError('HOST_BAD_FUNCTION', `Function "${name}" must have exactly one trigger binding (found ${triggers.length}).`);
  }
  const [triggerBindingName, trigger] = triggers[0];
  return { name, bindings, triggerBindingName, triggerType: String(trigger.type), trigger, retryOptions };
}

export class FunctionsHost {
  readonly registry = new CoreRegistry();
  readonly log: ConsoleLog;
  config!: HostConfig;
  functions: RegisteredFunction[] = [];
  private readonly byName = new Map<string, RegisteredFunction>();
  http!: HttpHost;
  secrets: SecretStore | undefined;
  invoker: Invoker | undefined;
  storage!: StorageClients;
  providers: Provider[] = [];
  private started: Provider[] = [];
  hostId = '';
  port = 0;
  baseUrl = '';
  authEnabled = true;
  private streamProxyUri: string | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: HostOptions) {
    this.log = opts.log ?? new ConsoleLog();
  }

  async start(): Promise<HostInfo> {
    const appDir = path.resolve(this.opts.appDir);
    if (!fs.existsSync(appDir)) throw new HostError('HOST_NO_APP', `App folder not found: ${appDir}`);
    const local = readLocalSettings(appDir);
    applyLocalSettings(local);
    if (this.opts.storage) process.env.AzureWebJobsStorage = this.opts.storage;
    process.env.FUNCTIONS_WORKER_RUNTIME ??= 'node';
    process.env.FUNCTIONS_EXTENSION_VERSION ??= '~4';
    this.config = readHostConfig(appDir);
    this.log.configure(this.config.logLevels);
    const settings = process.env;
    this.authEnabled = this.opts.authEnabled ?? boolSetting(settings.MLOPS_HOST_AUTH, true);
    const connectionString = resolveConnectionString(settings.AzureWebJobsStorage);
    this.storage = storageClients(connectionString);

    // Listen first so the app sees its real address (WEBSITE_HOSTNAME) while it loads; requests get
    // 503 until the host is ready.
    this.http = new HttpHost({
      routePrefix: this.config.routePrefix,
      maxRequestBodyBytes: numberSetting(settings.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 104857600, 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT'),
      smallRequestBodyBytes: numberSetting(settings.MLOPS_HTTP_SMALL_BODY_BYTES, 8192, 'MLOPS_HTTP_SMALL_BODY_BYTES'),
      authEnabled: this.authEnabled,
      secrets: () => this.secrets,
      invoker: () => this.invoker,
      log: this.log,
      streamProxyUri: () => this.streamProxyUri,
      status: () => ({ id: this.hostId, version: HOST_VERSION, processId: process.pid, functions: this.functions.map((f) => f.name) }),
    });
    const listenHost = this.opts.listenHost ?? '127.0.0.1';
    const port = this.opts.port ?? Number(local?.Host?.LocalHttpPort ?? 7071);
    try {
      this.port = await this.http.listen(port, listenHost);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new HostError('HOST_PORT_IN_USE', `Cannot listen on ${listenHost}:${port}${code ? ` (${code})` : ''}. Use --port to choose another.`);
    }
    const shownHost = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost;
    this.baseUrl = `http://${shownHost}:${this.port}`;
    process.env.WEBSITE_HOSTNAME = `${shownHost}:${this.port}`;

    const pkg = readAppPackage(appDir);
    this.hostId = computeHostId(settings, pkg.name);
    this.registry.systemLog = (level, category, message) => this.log.line(level, category === 'user' ? 'Host.Worker.User' : 'Host.Worker', message);
    installCoreModule(createCoreApi(this.registry, HOST_VERSION));
    process.chdir(appDir); // the worker runs in the app's root folder

    this.loadApp(appDir, pkg);
    await this.runAppHooks('appStart', { functionAppDirectory: appDir });
    if (this.registry.programmingModel?.getCapabilities) {
      const caps = await this.registry.programmingModel.getCapabilities({});
      this.streamProxyUri = caps?.HttpUri;
    }
    this.registry.startupFinished = true;

    this.http.setRoutes(compileHttpRoutes(this.functions));
    this.secrets = new SecretStore(this.storage.blobs, this.hostId, `${shownHost}:${this.port}`);
    try {
      await this.secrets.init(this.functions.map((f) => f.name));
      const secrets = this.secrets;
      this.registry.functionKey = (fn) => secrets.functionKeys(fn).find((k) => k.name === 'default' && !k.encrypted)?.value;
    } catch (err) {
      if (err instanceof HostError) throw err;
      throw new HostError('HOST_STORAGE_UNREACHABLE', `Storage (AzureWebJobsStorage) is not reachable: ${(err as Error).message}. Is Azurite running?`);
    }
    this.invoker = new Invoker(this.registry, this.byName, () => this.providers, this.log, this.config.functionTimeoutMs);
    this.providers = this.opts.providers?.({ log: this.log, config: this.config, hostId: this.hostId }) ?? [];
    this.registry.triggerHealth = () => this.providers.flatMap((p) => p.health?.() ?? []);
    this.warnUnhandledTriggers();
    const services = this.services();
    for (const p of this.providers) {
      await p.start(services);
      this.started.push(p);
    }
    this.http.setReady(true);
    return this.info();
  }

  info(): HostInfo {
    const routes = this.http.httpRoutes;
    return {
      baseUrl: this.baseUrl,
      port: this.port,
      hostId: this.hostId,
      functions: this.functions.map((f) => {
        const r = routes.find((x) => x.fn === f);
        if (!r) return { name: f.name, trigger: f.triggerType };
        const prefix = this.config.routePrefix ? `/${this.config.routePrefix}` : '';
        return {
          name: f.name,
          trigger: f.triggerType,
          url: `${this.baseUrl}${prefix}/${r.route.template}`,
          methods: r.methods ? [...r.methods] : undefined,
          authLevel: r.authLevel,
        };
      }),
    };
  }

  private loadApp(appDir: string, pkg: ReturnType<typeof readAppPackage>): void {
    const files = entryPointFiles(appDir, pkg);
    for (const file of files) {
      this.log.line('debug', 'Host.Worker', `Loading entry point file "${path.relative(appDir, file)}"`);
      try {
        // The app's entry points are loaded as the worker loads them: CommonJS, in order.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(file);
      } catch (err) {
        // As the worker: a failing entry point stops loading; the functions registered so far remain.
        this.log.line('error', 'Host.Worker', `Worker was unable to load entry point "${path.relative(appDir, file)}": ${(err as Error)?.stack ?? err}`);
        break;
      }
    }
    for (const captured of this.registry.functions.values()) {
      const fn = toRegistered(captured.metadata.name, captured.metadata.bindings, captured.metadata.retryOptions);
      this.functions.push(fn);
      this.byName.set(fn.name.toLowerCase(), fn);
    }
    if (this.functions.length === 0) this.log.line('warning', 'Host', 'No job functions found.');
  }

  private async runAppHooks(name: 'appStart' | 'appTerminate', extra: Record<string, unknown>): Promise<void> {
    const hooks = [...this.registry.hooks[name]];
    const ctx: Record<string, unknown> = { ...extra };
    Object.defineProperty(ctx, 'hookData', { get: () => this.registry.appLevelOnlyHookData, enumerable: true });
    Object.defineProperty(ctx, 'appHookData', { get: () => this.registry.appHookData, enumerable: true });
    for (const h of hooks) await h(ctx);
  }

  private warnUnhandledTriggers(): void {
    const builtIn = ['httptrigger'];
    for (const fn of this.functions) {
      const t = fn.triggerType.toLowerCase();
      if (builtIn.includes(t)) continue;
      if (this.providers.some((p) => p.triggerTypes?.some((x) => x.toLowerCase() === t))) continue;
      this.log.line('warning', 'Host', `Function "${fn.name}": trigger type "${fn.triggerType}" is not supported by the embedded host; it will not run.`);
    }
    for (const fn of this.functions) {
      for (const [name, b] of Object.entries(fn.bindings)) {
        if (name === fn.triggerBindingName) continue;
        const t = String(b.type).toLowerCase();
        if (b.direction === 'out' && t === 'http') continue;
        if (b.direction === 'in' && this.providers.some((p) => p.inputBindingTypes?.some((x) => x.toLowerCase() === t))) continue;
        // Output bindings still reach getResponse (their values are computed), but nothing writes them.
        this.log.line(
          'warning',
          'Host',
          `Function "${fn.name}": ${b.direction} binding "${name}" of type "${b.type}" is not supported by the embedded host; it is ignored (use the storage SDK instead).`,
        );
      }
    }
  }

  services(): HostServices {
    const host = this;
    return {
      get functions() {
        return host.functions;
      },
      get hostJson() {
        return host.config.raw;
      },
      get settings() {
        return process.env;
      },
      get storageConnectionString() {
        return host.storage.connectionString;
      },
      get baseUrl() {
        return host.baseUrl;
      },
      get hostId() {
        return host.hostId;
      },
      invoke: (name: string, req: InvokeRequest) => {
        if (!host.invoker) throw new HostError('HOST_NOT_STARTED', 'The host is not started.');
        return host.invoker.invoke(name, req);
      },
      addRuntimeRoute: (prefix, auth, handler) => host.http.addRuntimeRoute(prefix, auth, handler),
      getSystemKey: (name: string) => {
        if (!host.secrets) throw new HostError('HOST_NOT_STARTED', 'The host is not started.');
        return host.secrets.getSystemKey(name);
      },
      logger: this.log,
    };
  }

  /** Graceful stop: no new requests, providers stop, in-flight invocations get a grace period, appTerminate. */
  stop(graceMs = 10000): Promise<void> {
    this.stopping ??= (async () => {
      this.http?.setReady(false);
      const closing = this.http?.close();
      for (const p of [...this.started].reverse()) {
        try {
          await p.stop();
        } catch (err) {
          this.log.line('error', 'Host', `Provider ${p.name} failed to stop: ${(err as Error).message}`);
        }
      }
      await this.invoker?.idle(graceMs);
      try {
        await this.runAppHooks('appTerminate', {});
      } catch (err) {
        this.log.line('error', 'Host', `appTerminate hook failed: ${(err as Error).message}`);
      }
      await closing;
    })();
    return this.stopping;
  }
}
