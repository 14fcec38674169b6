import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { AZUREML_API_VERSION, AzureMLDeps, AzureMLSettings } from './settings';

export const ARM_SCOPE = 'https://management.azure.com/.default';

/** A fixed token, for the local emulator only (settings refuse it for any other endpoint). */
function staticCredential(token: string): TokenCredential {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) };
}

export function credentialFor(settings: AzureMLSettings, deps: AzureMLDeps): TokenCredential {
  if (deps.credential) return deps.credential;
  return settings.credential.kind === 'emulator' ? staticCredential(settings.credential.token) : new DefaultAzureCredential();
}

/**
 * The SDK client and a raw JSON call through the same pipeline. The SDK gives us its bearer-token
 * policy, retries (429 + Retry-After, 5xx) and long-running-operation pollers; `call` sends bodies
 * the SDK would mangle (its AutoML serializer drops primaryMetric, limitSettings, trainingSettings:
 * Azure/azure-sdk-for-js#29328) at the GA api-version the provider targets.
 */
export class AzureMLClient {
  readonly sdk: AzureMachineLearningWorkspaces;
  readonly workspacePath: string;

  constructor(
    readonly settings: AzureMLSettings,
    readonly credential: TokenCredential,
    deps: AzureMLDeps,
  ) {
    this.sdk = new AzureMachineLearningWorkspaces(credential, settings.subscriptionId, {
      endpoint: settings.armEndpoint,
      credentialScopes: [ARM_SCOPE],
      // Every SDK request (LRO polls included) goes at the same GA version as the raw calls.
      apiVersion: AZUREML_API_VERSION,
      ...(deps.ca ? { tlsOptions: { ca: deps.ca } } : {}),
    });
    this.workspacePath = `/subscriptions/${settings.subscriptionId}/resourceGroups/${settings.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${settings.workspace}`;
  }

  /** A JSON request through the SDK's pipeline (auth, retries); throws RestError for >= 400. */
  async call<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: T }> {
    const req = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const res = await this.sdk.sendRequest(req);
    let parsed: unknown;
    try {
      parsed = res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined;
    } catch {
      parsed = res.bodyAsText;
    }
    if (res.status >= 400) {
      const err = (parsed as { error?: { code?: string; message?: string; details?: unknown } })?.error;
      const mlflow = parsed as { error_code?: string; message?: string };
      const e = new RestError(err?.message ?? mlflow?.message ?? `HTTP ${res.status}`, {
        statusCode: res.status,
        code: err?.code ?? mlflow?.error_code,
        request: req,
        response: res,
      });
      (e as RestError & { details?: unknown }).details = err?.details;
      throw e;
    }
    return { status: res.status, body: parsed as T };
  }

  /** An ARM URL under the workspace. */
  armUrl(subPath: string): string {
    return `${this.settings.armEndpoint}${this.workspacePath}${subPath}?api-version=${AZUREML_API_VERSION}`;
  }
}
