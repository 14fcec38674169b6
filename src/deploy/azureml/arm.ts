/**
 * Resource Manager access for the Azure ML target: the SDK client (its auth, retry and LRO policies)
 * plus raw JSON requests and LROs through that same client, for the bodies the SDK cannot carry.
 *
 * Why raw at all: @azure/arm-machinelearning 2.1.1 is generated for api-version 2022-10-01, whose
 * OnlineEndpoint has no `mirrorTraffic`; its serializer drops unknown properties and its deserializer
 * drops them from answers. Endpoint reads and writes therefore go raw at API_VERSION (a GA version that
 * has mirror traffic), and every SDK call is sent at the same version (the client's apiVersion option
 * rewrites the query of every request, LRO polls included), so the service sees one version throughout.
 */
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { createHttpPoller, LongRunningOperation, LroResponse, OperationState } from '@azure/core-lro';
import { createHttpHeaders, createPipelineRequest, HttpClient } from '@azure/core-rest-pipeline';
import { DeployError } from '../target';
import type { AzureMLTargetSettings } from './settings';

export const API_VERSION = '2025-12-01';

/** One poll of a long-running operation, for progress reports. */
export interface LroProgress {
  operation: string;
  resource: string;
  status: string;
}

export type ProgressSink = (p: LroProgress) => void;

export interface ArmErrorBody {
  error?: { code?: string; message?: string; details?: { code?: string; message?: string }[] };
}

/** An ARM answer that is not a success, as a DeployError with the service's code kept in `armCode`. */
export class ArmError extends DeployError {
  constructor(
    status: number,
    readonly armCode: string,
    message: string,
  ) {
    super(status, 'AZUREML_REQUEST_FAILED', message);
    this.name = 'ArmError';
  }
}

export interface ArmOptions {
  /** A custom transport (tests); the default is the SDK's. */
  httpClient?: HttpClient;
  /** Extra CA certificate(s) to trust (an emulator's self-signed certificate), as PEM. */
  tlsCa?: string | Buffer;
}

function errorFrom(status: number, text: string, what: string): ArmError {
  let body: ArmErrorBody = {};
  try {
    body = JSON.parse(text) as ArmErrorBody;
  } catch {
    /* not JSON */
  }
  const code = body.error?.code ?? `HTTP${status}`;
  const message = body.error?.message ?? (text.slice(0, 300) || `HTTP ${status}`);
  return new ArmError(status, code, `${what}: ${code}: ${message}`);
}

/** Turns whatever the SDK threw (RestError, LRO failure) into a DeployError with a stable code. */
export function toDeployError(err: unknown, what: string, code = 'AZUREML_REQUEST_FAILED'): DeployError {
  if (err instanceof DeployError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; details?: { error?: { code?: string; message?: string } } };
  const armCode = e.details?.error?.code ?? e.code;
  const status = e.statusCode ?? 502;
  const d = new ArmError(status >= 400 ? status : 502, armCode ?? 'Unknown', `${what}: ${e.message ?? String(err)}`);
  return code === 'AZUREML_REQUEST_FAILED' ? d : Object.assign(d, { code });
}

export class Arm {
  readonly sdk: AzureMachineLearningWorkspaces;
  readonly rg: string;
  readonly ws: string;
  private readonly base: string;

  constructor(
    private readonly settings: AzureMLTargetSettings,
    opts: ArmOptions = {},
  ) {
    this.sdk = new AzureMachineLearningWorkspaces(settings.credential, settings.subscriptionId, {
      endpoint: settings.armEndpoint,
      credentialScopes: [settings.armScope],
      apiVersion: API_VERSION,
      ...(opts.httpClient ? { httpClient: opts.httpClient } : {}),
      // Read by core-rest-pipeline's createPipelineFromOptions (tlsPolicy); not in the SDK's option type.
      ...(opts.tlsCa ? ({ tlsOptions: { ca: opts.tlsCa } } as object) : {}),
    });
    this.rg = settings.resourceGroup;
    this.ws = settings.workspace;
    this.base =
      `${settings.armEndpoint.replace(/\/+$/, '')}/subscriptions/${encodeURIComponent(settings.subscriptionId)}` +
      `/resourceGroups/${encodeURIComponent(settings.resourceGroup)}/providers/Microsoft.MachineLearningServices` +
      `/workspaces/${encodeURIComponent(settings.workspace)}`;
  }

  /** Absolute URL of a workspace-relative path (`/onlineEndpoints/x`), with the api-version. */
  url(path: string): string {
    return `${this.base}${path}?api-version=${API_VERSION}`;
  }

  /** A JSON request through the SDK's pipeline (bearer token, retries). Throws ArmError unless 2xx. */
  async request<T>(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH',
    url: string,
    body?: unknown,
    what = `${method} ${url}`,
  ): Promise<{ status: number; headers: Record<string, string>; body: T }> {
    const res = await this.sdk.sendRequest(
      createPipelineRequest({
        url,
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
      }),
    );
    const text = res.bodyAsText ?? '';
    if (res.status < 200 || res.status >= 300) throw errorFrom(res.status, text, what);
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new ArmError(502, 'InvalidResponse', `${what}: the service answered with a body that is not JSON`);
      }
    }
    return { status: res.status, headers: res.headers.toJSON(), body: parsed as T };
  }

  /** GET that answers undefined on 404. */
  async getOrUndefined<T>(url: string, what: string): Promise<T | undefined> {
    try {
      return (await this.request<T>('GET', url, undefined, what)).body;
    } catch (err) {
      if (err instanceof ArmError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * A raw long-running operation driven by core-lro (the poller the SDK uses): Azure-AsyncOperation or
   * Location polls, Retry-After honoured, the resource read again after a PUT. Reports each poll.
   */
  async lro<T>(method: 'PUT' | 'POST' | 'DELETE', url: string, body: unknown, what: string, progress?: ProgressSink): Promise<T | undefined> {
    const toLro = (r: { status: number; headers: Record<string, string>; body: unknown }): LroResponse<unknown> => ({
      flatResponse: r.body,
      rawResponse: { statusCode: r.status, headers: r.headers, body: r.body },
    });
    const lro: LongRunningOperation<unknown> = {
      requestMethod: method,
      requestPath: url,
      sendInitialRequest: async () => toLro(await this.request(method, url, body, what)),
      sendPollRequest: async (path: string) => {
        // Poll URLs come from the service; keep only those on the ARM host we talk to.
        const target = new URL(path, url);
        if (target.origin !== new URL(url).origin) throw new ArmError(502, 'InvalidPollUrl', `${what}: the service asked to poll another host`);
        const res = await this.sdk.sendRequest(
          createPipelineRequest({ url: target.toString(), method: 'GET', headers: createHttpHeaders({ accept: 'application/json' }) }),
        );
        const text = res.bodyAsText ?? '';
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        if (res.status >= 400 && res.status !== 404) throw errorFrom(res.status, text, what);
        return toLro({ status: res.status, headers: res.headers.toJSON(), body: parsed });
      },
    };
    try {
      const poller = await createHttpPoller<unknown, OperationState<unknown>>(lro, {
        intervalInMs: this.settings.lroPollMs,
        resourceLocationConfig: method === 'PUT' ? 'original-uri' : 'location',
      });
      poller.onProgress((s) => progress?.({ operation: what, resource: url.split('?')[0], status: s.status }));
      return (await poller.pollUntilDone()) as T | undefined;
    } catch (err) {
      throw toDeployError(err, what);
    }
  }
}
