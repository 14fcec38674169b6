/**
 * Invokes a registered function as the Node worker does (worker src/eventHandlers/InvocationHandler.ts):
 * invocation model from the programming model, getArguments, preInvocation hooks, invokeFunction,
 * postInvocation hooks, getResponse. Adds provider-supplied input bindings and host.json functionTimeout.
 */
import { randomUUID } from 'node:crypto';
import { CoreLogCategory, CoreLogLevel, CoreRegistry, HostError } from './coreApi';
import { describeInvocationError } from './invocationError';
import { ConsoleLog } from './logger';
import type { InvokeRequest, InvokeResult, Provider, RegisteredFunction, RpcTypedData } from './provider';

export class FunctionTimeoutError extends HostError {
  constructor(functionName: string, timeoutMs: number) {
    super('HOST_FUNCTION_TIMEOUT', `Timeout value of ${formatTimeSpan(timeoutMs)} exceeded by function 'Functions.${functionName}'.`);
  }
}

export function formatTimeSpan(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** A readonly-ish property bag like the worker's hook contexts (hookData/appHookData are read-only). */
function readOnly(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    enumerable: true,
    get: () => value,
    set: () => {
      throw new HostError('HOST_READ_ONLY', `Cannot assign "${name}" because it is read-only.`);
    },
  });
}

export class Invoker {
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly registry: CoreRegistry,
    private readonly functions: ReadonlyMap<string, RegisteredFunction>,
    private readonly providers: () => readonly Provider[],
    private readonly log: ConsoleLog,
    private readonly timeoutMs: number | undefined,
  ) {}

  get running(): number {
    return this.inFlight;
  }

  /** Resolves when no invocation is running (or after `maxMs`). */
  async idle(maxMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, maxMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async invoke(functionName: string, req: InvokeRequest & { reason?: string }): Promise<InvokeResult> {
    const fn = this.functions.get(functionName.toLowerCase());
    const captured = this.registry.functions.get(functionName.toLowerCase());
    if (!fn || !captured) throw new HostError('HOST_UNKNOWN_FUNCTION', `No function named "${functionName}" is registered.`);
    const model = this.registry.programmingModel;
    if (!model) throw new HostError('HOST_NO_PROGRAMMING_MODEL', 'The app did not set a programming model.');
    const invocationId = req.invocationId ?? randomUUID();
    const category = `Function.${fn.name}`;
    const inputData = [...req.inputData];
    for (const [bindingName, binding] of Object.entries(fn.bindings)) {
      if (binding.direction !== 'in' || bindingName === fn.triggerBindingName) continue;
      if (inputData.some((d) => d.name === bindingName)) continue;
      const provider = this.providers().find((p) => p.inputBindingTypes?.includes(binding.type) && p.bindInput);
      if (provider) inputData.push({ name: bindingName, data: await provider.bindInput!(fn, bindingName, binding) });
    }

    const started = Date.now();
    this.inFlight++;
    this.log.line(
      'information',
      category,
      `Executing 'Functions.${fn.name}' (Reason='${req.reason ?? 'This function was programmatically called.'}', Id=${invocationId})`,
    );
    const coreCtx: Record<string, unknown> = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.name,
        inputData,
        triggerMetadata: req.triggerMetadata ?? {},
        retryContext: req.retryContext,
      },
      metadata: { name: fn.name, functionId: fn.name, bindings: fn.bindings, retryOptions: fn.retryOptions },
      state: undefined,
      log: (level: CoreLogLevel, logCategory: CoreLogCategory, message: string) =>
        this.userLog(level, logCategory, message, category, invocationId, invocationContext),
    };
    let invocationContext: unknown;
    try {
      const work = this.run(model, coreCtx, captured.callback, (ctx) => (invocationContext = ctx));
      const result = await this.withTimeout(work, fn.name);
      this.log.line('information', category, `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)`);
      return {
        invocationId,
        returnValue: (result.returnValue ?? undefined) as RpcTypedData | undefined,
        outputData: (result.outputData ?? []).filter((d: any) => d && d.data !== undefined && d.data !== null),
      };
    } catch (err) {
      this.log.line('error', category, `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Date.now() - started}ms)`);
      this.log.line('error', category, `Result: Failure Exception: ${describeInvocationError(err)}`, invocationId);
      throw err;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    }
  }

  private async run(
    model: NonNullable<CoreRegistry['programmingModel']>,
    coreCtx: Record<string, unknown>,
    callback: (...args: unknown[]) => unknown,
    onContext: (ctx: unknown) => void,
  ) {
    const invocModel = await model.getInvocationModel(coreCtx);
    const hookData: Record<string, unknown> = {};
    const args = await invocModel.getArguments();
    const context = args.context;
    let inputs = args.inputs;
    onContext(context);

    const pre: Record<string, unknown> = { functionCallback: callback, inputs };
    readOnly(pre, 'hookData', hookData);
    readOnly(pre, 'appHookData', this.registry.appHookData);
    readOnly(pre, 'invocationContext', context);
    coreCtx.state = 'preInvocationHooks';
    try {
      for (const hook of [...this.registry.hooks.preInvocation]) await hook(pre);
    } finally {
      coreCtx.state = undefined;
    }
    inputs = pre.inputs as unknown[];
    const fnCallback = pre.functionCallback as (...a: unknown[]) => unknown;

    const post: Record<string, unknown> = { inputs, result: null, error: null };
    readOnly(post, 'hookData', hookData);
    readOnly(post, 'appHookData', this.registry.appHookData);
    readOnly(post, 'invocationContext', context);
    coreCtx.state = 'invocation';
    try {
      post.result = await invocModel.invokeFunction(context, inputs, fnCallback);
    } catch (err) {
      post.error = err;
    } finally {
      coreCtx.state = undefined;
    }
    coreCtx.state = 'postInvocationHooks';
    try {
      for (const hook of [...this.registry.hooks.postInvocation]) await hook(post);
    } finally {
      coreCtx.state = undefined;
    }
    // As in the worker, a postInvocation hook may clear the error (only Error instances are rethrown).
    if (post.error instanceof Error) throw post.error;
    return invocModel.getResponse(context, post.result);
  }

  private withTimeout<T>(work: Promise<T>, functionName: string): Promise<T> {
    const ms = this.timeoutMs;
    if (ms === undefined) return work;
    let timer: NodeJS.Timeout;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeoutError(functionName, ms)), ms);
    });
    // JavaScript cannot cancel the handler: it keeps running in the background, like a timed-out
    // function in Azure until the host recycles the worker. The caller sees the timeout now.
    work.catch(() => {});
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private userLog(
    level: CoreLogLevel,
    logCategory: CoreLogCategory,
    message: string,
    category: string,
    invocationId: string,
    invocationContext: unknown,
  ): void {
    if (logCategory === 'system') {
      this.log.line(level, `${category}.System`, message, invocationId);
      return;
    }
    const hookCtx: Record<string, unknown> = { level, message, category: logCategory, invocationContext };
    readOnly(hookCtx, 'hookData', {});
    readOnly(hookCtx, 'appHookData', this.registry.appHookData);
    for (const hook of [...this.registry.hooks.log]) {
      try {
        hook(hookCtx);
      } catch {
        // A failing log hook must not break the function's logging.
      }
    }
    this.log.line(String(hookCtx.level ?? level), `${category}.User`, String(hookCtx.message ?? message), invocationId);
  }
}
