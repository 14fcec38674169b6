/**
 * A stack for the dashboard's browser test: Azurite and the embedded host running the real app, with
 * a short real pipeline behind it. Two versions of a bank-marketing slice are trained (the first with
 * permuted labels, so the second is promoted over it) and a third upload is rejected with a line.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

const SAMPLE = path.resolve(__dirname, '../../samples/bankmarketing_train.csv');
const lines = fs.readFileSync(SAMPLE, 'utf8').trimEnd().split('\n');
const header = lines[0];
const yIndex = header.split(',').indexOf('y');

export const ENV = {
  AUTOML_BUDGET_SECONDS: '8',
  AUTOML_POLL_SECONDS: '0.5',
  BENCHMARK_REQUESTS: '100',
  BENCHMARK_CONCURRENCY: '4',
  // The machine's noise must not decide; the page shows where this SLO lies.
  BENCHMARK_MAX_P95_MS: '10000',
  MLOPS_BLOB_SCAN_INTERVAL_MS: '500',
};

export function slice(from: number, count: number): string[] {
  return lines.slice(1 + from, 1 + from + count);
}
export function csv(rows: string[]): string {
  return [header, ...rows].join('\n') + '\n';
}
/** The same rows with the labels permuted (a fixed shuffle): a model trained on it learns nothing. */
export function shuffledLabels(rows: string[]): string[] {
  const cells = rows.map((r) => r.split(','));
  const ys = cells.map((c) => c[yIndex]);
  let s = 12345;
  for (let i = ys.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [ys[i], ys[j]] = [ys[j], ys[i]];
  }
  return cells.map((c, i) => ((c[yIndex] = ys[i]), c.join(',')));
}

export interface Stack {
  host: TestHost;
  datasets: ContainerClient;
  api(p: string, key?: string | null): Promise<{ status: number; body: any }>;
  upload(name: string, text: string, metadata?: Record<string, string>): Promise<void>;
  waitForRun(runId: string, timeoutMs?: number): Promise<any>;
  waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const az = await startTestAzurite();
  let host: TestHost;
  try {
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env: ENV });
  } catch (err) {
    await az.stop();
    throw err;
  }
  const datasets = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
  await datasets.createIfNotExists();
  const api: Stack['api'] = async (p, key) => {
    const headers: Record<string, string> = {};
    if (key !== null) headers['x-functions-key'] = key ?? host.hostKey;
    const r = await fetch(`${host.baseUrl}${p}`, { headers });
    const text = await r.text();
    try {
      return { status: r.status, body: JSON.parse(text) };
    } catch {
      return { status: r.status, body: text };
    }
  };
  const waitFor: Stack['waitFor'] = async (what, fn, timeoutMs = 240000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const v = await fn();
      if (v !== undefined) return v;
      await new Promise((res) => setTimeout(res, 1000));
    }
    throw new Error(`timed out waiting for ${what}\n${host.logs().split('\n').slice(-30).join('\n')}`);
  };
  return {
    host,
    datasets,
    api,
    async upload(name, text, metadata) {
      await datasets.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), { metadata });
    },
    waitForRun: (runId, timeoutMs) =>
      waitFor(
        `run ${runId}`,
        async () => {
          const r = await api(`/api/runs/${runId}`);
          return r.status === 200 && ['Completed', 'Failed', 'Terminated'].includes(r.body.runtimeStatus) ? r.body : undefined;
        },
        timeoutMs,
      ),
    waitFor,
    async stop() {
      await host.stop();
      await az.stop();
    },
  };
}
