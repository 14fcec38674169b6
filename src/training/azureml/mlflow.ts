import type { AzureMLClient } from './client';

export interface MlflowRun {
  info: { run_id: string; status: string; start_time?: number; end_time?: number; artifact_uri?: string; experiment_id?: string };
  data: { metrics?: { key: string; value: number }[]; tags?: { key: string; value: string }[]; params?: { key: string; value: string }[] };
}

export const tagOf = (r: MlflowRun, key: string) => r.data.tags?.find((t) => t.key === key)?.value;
export const metricOf = (r: MlflowRun, key: string) => r.data.metrics?.find((m) => m.key === key)?.value;

/**
 * The workspace's MLflow tracking REST API (runs/get, runs/search) through the ARM client's pipeline
 * (same token, same retries). The base comes from the workspace's mlFlowTrackingUri
 * (azureml://host/mlflow/v1.0/subscriptions/...), read once.
 */
export class MlflowClient {
  private base?: Promise<string>;

  constructor(private readonly client: AzureMLClient) {}

  private trackingBase(): Promise<string> {
    this.base ??= (async () => {
      const s = this.client.settings;
      const ws = await this.client.sdk.workspaces.get(s.resourceGroup, s.workspace);
      const uri = ws.mlFlowTrackingUri;
      if (!uri) throw new Error(`workspace ${s.workspace} has no mlFlowTrackingUri`);
      return uri.replace(/^azureml:\/\//i, 'https://').replace(/\/+$/, '');
    })().catch((err) => {
      this.base = undefined;
      throw err;
    });
    return this.base;
  }

  async getRun(runId: string): Promise<MlflowRun | undefined> {
    try {
      const r = await this.client.call<{ run: MlflowRun }>('GET', `${await this.trackingBase()}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`);
      return r.body.run;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async experimentId(name: string): Promise<string | undefined> {
    try {
      const r = await this.client.call<{ experiment: { experiment_id: string } }>(
        'GET',
        `${await this.trackingBase()}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      return r.body.experiment.experiment_id;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** The child runs of a parent run (AutoML trials), all pages. */
  async children(experimentId: string, parentRunId: string): Promise<MlflowRun[]> {
    const out: MlflowRun[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await this.client.call<{ runs?: MlflowRun[]; next_page_token?: string }>('POST', `${await this.trackingBase()}/api/2.0/mlflow/runs/search`, {
        experiment_ids: [experimentId],
        filter: `tags.mlflow.parentRunId = '${parentRunId.replace(/'/g, '')}'`,
        max_results: 1000,
        ...(token ? { page_token: token } : {}),
      });
      out.push(...(r.body.runs ?? []));
      token = r.body.next_page_token;
      if (!token) break;
    }
    return out;
  }

  /** Run history's details of a run: where a failed job's error is (the ARM job resource has none). */
  async runError(
    runId: string,
  ): Promise<{ code?: string; message?: string; innerError?: { code?: string }; details?: { code?: string; message?: string }[] } | undefined> {
    const base = (await this.trackingBase()).replace(/\/mlflow\/v[0-9.]+\//, '/history/v1.0/');
    try {
      const r = await this.client.call<{
        error?: { error?: { code?: string; message?: string; innerError?: { code?: string }; details?: { code?: string; message?: string }[] } };
      }>('GET', `${base}/runs/${encodeURIComponent(runId)}`);
      return r.body?.error?.error;
    } catch {
      return undefined;
    }
  }
}
