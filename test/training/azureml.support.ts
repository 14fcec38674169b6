import * as fs from 'node:fs';
import { ContainerClient } from '@azure/storage-blob';
import { containerClient } from '../../src/storage/clients';
import { AzureMLAutoMLProvider, createAzureMLAutoMLProvider, readAzureMLSettings } from '../../src/training/azureml';
import type { AutoMLJobSpec } from '../../src/training/provider';
import type { AutoMLJobStatus } from '../../src/pipeline/types';
import { EmulatorStack, fakeCredential, FAKE_TOKEN } from '../emulators/azureml/support';

/** A small binary dataset: y depends on x1 and the category, so AutoML finds signal quickly. */
export function syntheticCsv(rows: number, seed = 7): string {
  let a = seed;
  const rand = () => (a = (a * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ['x1,x2,color,y'];
  for (let i = 0; i < rows; i++) {
    const x1 = Math.round(rand() * 1000) / 100;
    const x2 = Math.round(rand() * 100) / 10;
    const color = ['red', 'green', 'blue'][i % 3];
    const y = x1 + (color === 'red' ? 2 : 0) + rand() * 2 > 6 ? 'yes' : 'no';
    lines.push(`${x1},${x2},${color},${y}`);
  }
  return lines.join('\n') + '\n';
}

/** AZUREML_* settings for the emulator (what the composition root reads from the environment). */
export function emulatorEnv(stack: EmulatorStack, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const s = stack.emulator.settings;
  return {
    AZUREML_SUBSCRIPTION_ID: s.subscriptionId,
    AZUREML_RESOURCE_GROUP: s.resourceGroup,
    AZUREML_WORKSPACE: s.workspace,
    AZUREML_COMPUTE: 'cpu-cluster',
    AZUREML_ARM_ENDPOINT: stack.emulator.url,
    AZUREML_DATASTORE_AUTH: 'key',
    AZUREML_DATASTORE_BLOB_ENDPOINT: /BlobEndpoint=([^;]+)/.exec(stack.azurite.connectionString)![1],
    AZUREML_EMULATOR_TOKEN: FAKE_TOKEN,
    ...extra,
  };
}

export async function providerFor(
  stack: EmulatorStack,
  extra: Record<string, string> = {},
  token = FAKE_TOKEN,
): Promise<{ provider: AzureMLAutoMLProvider; registry: ContainerClient }> {
  const registry = containerClient(stack.azurite.connectionString, 'registry');
  await registry.createIfNotExists();
  const provider = createAzureMLAutoMLProvider(readAzureMLSettings(emulatorEnv(stack, extra)), {
    registry,
    credential: fakeCredential(token),
    ca: fs.readFileSync(stack.emulator.caFile),
  });
  return { provider, registry };
}

export async function putTrainSplit(registry: ContainerClient, runId: string, csv: string): Promise<string> {
  const blob = `runs/${runId}/train.csv`;
  await registry.getBlockBlobClient(blob).upload(csv, Buffer.byteLength(csv));
  return blob;
}

export function spec(runId: string, trainBlob: string, over: Partial<AutoMLJobSpec> = {}): AutoMLJobSpec {
  return {
    runId,
    attempt: 0,
    trainBlob,
    target: 'y',
    options: { budgetSeconds: 4, maxTrials: 4, cvFolds: 3, ...(over.options ?? {}) },
    dataset: { name: 'synthetic', version: 3, sha256: 'ab'.repeat(32) },
    ...over,
    ...(over.options ? { options: { budgetSeconds: 4, maxTrials: 4, cvFolds: 3, ...over.options } } : {}),
  };
}

/** Polls until the job leaves queued/running (or the deadline), returning every status seen. */
export async function pollUntilDone(provider: AzureMLAutoMLProvider, jobId: string, timeoutMs = 90_000): Promise<AutoMLJobStatus[]> {
  const seen: AutoMLJobStatus[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await provider.status(jobId);
    seen.push(st);
    if (st.state === 'completed' || st.state === 'failed') return seen;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${st.state} after ${timeoutMs} ms: ${JSON.stringify(seen.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
