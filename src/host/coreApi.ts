/**
 * The `@azure/functions-core` module, as the Node worker provides it to the app: the worker is not an
 * npm package, it hands this module to `require` by wrapping Module.prototype.require. We do the same,
 * and keep every registration (function metadata + callback, hooks, programming model).
 */
import Module from 'node:module';
import type { RpcBindingInfo, TriggerHealth } from './provider';

export type CoreLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type CoreLogCategory = 'user' | 'system' | 'customMetric';

/** The metadata `registerFunction` receives (`toCoreFunctionMetadata` in @azure/functions). */
export interface CoreFunctionMetadata {
  name: string;
  functionId?: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookCallback = (context: any) => unknown;

/** The programming model surface the host drives (@azure/functions' ProgrammingModel). */
export interface CoreProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): CoreInvocationModel | Promise<CoreInvocationModel>;
  getCapabilities?(workerCapabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface CoreInvocationModel {
  getArguments(): Promise<{ context: any; inputs: unknown[] }>;
  invokeFunction(context: any, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: any, result: unknown): Promise<{ invocationId: string; outputData?: any[]; returnValue?: any }>;
}

export interface CapturedFunction {
  metadata: CoreFunctionMetadata;
  callback: FunctionCallback;
}

export class Disposable {
  #callOnDispose: (() => void) | undefined;
  constructor(callOnDispose: () => void) {
    this.#callOnDispose = callOnDispose;
  }
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    const f = this.#callOnDispose;
    this.#callOnDispose = undefined;
    f?.();
  }
}

export const HOOK_NAMES = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation', 'log'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Everything the app registered through the core module. */
export class CoreRegistry {
  readonly functions = new Map<string, CapturedFunction>();
  readonly hooks: Record<HookName, HookCallback[]> = {
    appStart: [],
    appTerminate: [],
    preInvocation: [],
    postInvocation: [],
    log: [],
  };
  /** Shared by every hook (`appHookData`), as in the worker. */
  readonly appHookData: Record<string, unknown> = {};
  /** hookData of the app-level hooks (appStart/appTerminate) only. */
  readonly appLevelOnlyHookData: Record<string, unknown> = {};
  programmingModel: CoreProgrammingModel | undefined;
  startupFinished = false;
  /** Where system (worker/library) logs go; set by the host. */
  systemLog: (level: CoreLogLevel, category: CoreLogCategory, message: string) => void = () => {};
  /** A function's default key, once the host's secrets are loaded (see `embeddedHost` below). */
  functionKey: (functionName: string) => string | undefined = () => undefined;
  /** Trigger listeners' state (blob scans ...); set by the host once its providers exist. */
  triggerHealth: () => TriggerHealth[] = () => [];
}

/** A host-side error with a stable code. */
export class HostError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

export function createCoreApi(registry: CoreRegistry, hostVersion: string) {
  return {
    version: '3.10.1',
    hostVersion,
    /**
     * Not part of the worker's module (absent in Azure, where apps get keys through ARM or settings):
     * the embedded host lets the app in its own process learn a function's default key, so the app's
     * benchmark can call its own scoring route as a client would.
     */
    embeddedHost: {
      functionKey: (functionName: string): string | undefined => registry.functionKey(functionName),
    },
    registerFunction(metadata: CoreFunctionMetadata, callback: FunctionCallback): Disposable {
      if (registry.startupFinished) {
        throw new HostError('HOST_REGISTRATION_CLOSED', 'A function can only be registered during app startup.');
      }
      const name = metadata?.name;
      if (!name || typeof name !== 'string') throw new HostError('HOST_BAD_FUNCTION', 'Function metadata has no name.');
      const key = name.toLowerCase();
      if (registry.functions.has(key)) {
        throw new HostError('HOST_DUPLICATE_FUNCTION', `A function named "${name}" is already registered.`);
      }
      registry.functions.set(key, { metadata, callback });
      return new Disposable(() => {
        if (registry.startupFinished) {
          throw new HostError('HOST_REGISTRATION_CLOSED', 'A function can only be disposed during app startup.');
        }
        registry.functions.delete(key);
      });
    },
    registerHook(hookName: string, callback: HookCallback): Disposable {
      if (!(HOOK_NAMES as readonly string[]).includes(hookName)) {
        // The worker throws a RangeError for unknown hook names (the library relies on its name).
        const err = new RangeError(`Unrecognized hook "${hookName}"`);
        (err as any).isAzureFunctionsSystemError = true;
        throw err;
      }
      const list = registry.hooks[hookName as HookName];
      list.push(callback);
      return new Disposable(() => {
        const i = list.indexOf(callback);
        if (i >= 0) list.splice(i, 1);
      });
    },
    setProgrammingModel(model: CoreProgrammingModel): void {
      registry.programmingModel = model;
    },
    getProgrammingModel(): CoreProgrammingModel | undefined {
      return registry.programmingModel;
    },
    log(level: CoreLogLevel, category: CoreLogCategory, message: string): void {
      registry.systemLog(level, category, message);
    },
    Disposable,
    /**
     * Not in the real worker: lets host-aware code (the health function) list what was registered.
     * Code must treat it as optional (it is absent in Azure).
     */
    /** Not in the real worker either (optional for callers): how the host's trigger listeners are doing. */
    getTriggerHealth(): TriggerHealth[] {
      try {
        return registry.triggerHealth();
      } catch {
        return [];
      }
    },
    getRegisteredFunctions(): { name: string; trigger: string }[] {
      return [...registry.functions.values()].map((f) => {
        const trigger = Object.values(f.metadata.bindings).find((b) => /trigger$/i.test(String(b.type)));
        return { name: f.metadata.name, trigger: String(trigger?.type ?? 'unknown') };
      });
    },
  };
}

let installed: ReturnType<typeof createCoreApi> | undefined;

/** Makes `require('@azure/functions-core')` return `api` in this process (once). */
export function installCoreModule(api: ReturnType<typeof createCoreApi>): void {
  if (installed) throw new HostError('HOST_ALREADY_INSTALLED', 'The core module is already installed in this process.');
  installed = api;
  const proto = (Module as any).prototype;
  proto.require = new Proxy(proto.require, {
    apply(target, thisArg, argArray) {
      if (argArray[0] === '@azure/functions-core') return installed;
      return Reflect.apply(target, thisArg, argArray);
    },
  });
}
