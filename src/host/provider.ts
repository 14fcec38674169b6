/**
 * The seam between the embedded host and the trigger/binding providers that plug into it
 * (HTTP and blob triggers are built in; the Durable engine is a provider). The host owns function
 * registration, invocation through the programming model, settings, logging and the HTTP listener;
 * a provider owns a kind of trigger (it decides when to invoke) and/or a kind of input binding (it
 * supplies that binding's data at each invocation).
 *
 * Contract shared by src/host (host core) and src/host/durable (Durable engine): extend, don't break.
 */
import type * as http from 'node:http';

/** RPC typed data as the Node worker passes it to the programming model (subset we use). */
export type RpcTypedData =
  | { string: string }
  | { json: string }
  | { bytes: Uint8Array }
  | { http: unknown }
  | { int: number }
  | { double: number }
  /** A reference instead of the value (deferred binding: SDK-type bindings), as the extensions send it. */
  | { modelBindingData: { version: string; source: string; contentType: string; content: Uint8Array } }
  /** An empty TypedData: the argument is undefined (a blob the host does not read, ...). */
  | Record<string, never>;

export interface RpcBindingInfo {
  type: string;
  direction: 'in' | 'out' | 'inout' | number;
  dataType?: string | number;
  [key: string]: unknown;
}

/** One function as the app registered it through @azure/functions-core's registerFunction. */
export interface RegisteredFunction {
  name: string;
  /** Binding name -> binding info; exactly one binding has a type ending in "Trigger". */
  bindings: Record<string, RpcBindingInfo>;
  triggerBindingName: string;
  triggerType: string;
  /** The trigger binding's own options (route, methods, authLevel, path, connection, ...). */
  trigger: RpcBindingInfo;
  retryOptions?: unknown;
}

export interface InvokeRequest {
  /** Trigger data plus any input data a provider must pass explicitly, keyed by binding name. */
  inputData: { name: string; data: RpcTypedData }[];
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Optional: defaults to a new UUID. */
  invocationId?: string;
  /** Optional: why the function runs, for the "Executing 'Functions.X' (Reason=...)" log line. */
  reason?: string;
  retryContext?: { retryCount: number; maxRetryCount: number };
}

export interface InvokeResult {
  invocationId: string;
  /** The function's return value converted to RPC typed data (undefined when it returned nothing). */
  returnValue?: RpcTypedData;
  /** Output bindings by name, as RPC typed data. */
  outputData: { name: string; data: RpcTypedData }[];
}

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';

export interface HostLogger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** A handler for a route the runtime owns (not under routePrefix), e.g. /runtime/webhooks/... */
export type RuntimeRouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

/** Auth levels the host enforces for runtime routes as Azure does ('system' = the system key). */
export type RuntimeAuth = 'anonymous' | 'function' | 'admin' | 'system';

/** What a provider gets from the host. */
export interface HostServices {
  /** Every function the app registered. */
  readonly functions: readonly RegisteredFunction[];
  /** Parsed host.json. */
  readonly hostJson: Record<string, any>;
  /** Settings (process.env after local.settings.json was applied). */
  readonly settings: Readonly<Record<string, string | undefined>>;
  /** Connection string of the storage the host uses (AzureWebJobsStorage). */
  readonly storageConnectionString: string;
  /** Base URL of the host's HTTP listener, e.g. http://127.0.0.1:7071 */
  readonly baseUrl: string;
  /** The host id (names the app's folders in azure-webjobs-secrets / azure-webjobs-hosts). Optional for test doubles. */
  readonly hostId?: string;
  /** Invoke a function through the programming model, with pre/post invocation hooks. */
  invoke(functionName: string, req: InvokeRequest): Promise<InvokeResult>;
  /** Serve a runtime route on the host port (prefix match on the path), protected by `auth`. */
  addRuntimeRoute(pathPrefix: string, auth: RuntimeAuth, handler: RuntimeRouteHandler): void;
  /** Read a named system key (created if absent, kept in azure-webjobs-secrets/host.json systemKeys). */
  getSystemKey(name: string): Promise<string>;
  logger: HostLogger;
}

/** How one trigger listener is doing (a blob container scan, ...), as GET /api/health shows it. */
export interface TriggerHealth {
  function: string;
  /** ok: working; partial: some items failed and are retried; failing: the listener itself fails; pending: not run yet. */
  state: 'pending' | 'ok' | 'partial' | 'failing';
  lastError: { code: string; message: string } | null;
  [detail: string]: unknown;
}

export interface Provider {
  readonly name: string;
  /** Trigger binding types this provider drives (e.g. 'orchestrationTrigger', 'activityTrigger'). */
  readonly triggerTypes?: readonly string[];
  /** Input binding types this provider supplies data for on any function (e.g. 'durableClient'). */
  readonly inputBindingTypes?: readonly string[];
  /**
   * Called once after the app loaded and its appStart hooks ran, before the host reports ready (HTTP
   * requests get 503 until every provider started); start listeners here.
   */
  start(host: HostServices): Promise<void>;
  /** Graceful stop: finish or abandon in-flight work so that a restart resumes it. */
  stop(): Promise<void>;
  /** Optional: the state of this provider's trigger listeners, for health reports. */
  health?(): TriggerHealth[];
  /** Data for an input binding of one of `inputBindingTypes`, for one invocation. */
  bindInput?(fn: RegisteredFunction, bindingName: string, binding: RpcBindingInfo): Promise<RpcTypedData>;
}
