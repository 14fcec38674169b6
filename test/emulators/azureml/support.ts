import * as fs from 'node:fs';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
import { startTestAzurite } from '../../support/azurite';
import { startAzureMLEmulator, RunningEmulator, EmulatorSettings, EmulatorPlugin } from '../../../emulators/azureml';

export const FAKE_TOKEN = 'emulator-test-token';

/** A credential like DefaultAzureCredential's shape, with a fixed token (the emulator checks it). */
export function fakeCredential(token = FAKE_TOKEN): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    getToken: async (s) => {
      scopes.push(Array.isArray(s) ? s : [s]);
      return { token, expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };
}

export interface EmulatorStack {
  emulator: RunningEmulator;
  azurite: Awaited<ReturnType<typeof startTestAzurite>>;
  /** The real SDK client, pointed at the emulator, trusting its certificate in process. */
  client(credential?: TokenCredential): AzureMachineLearningWorkspaces;
  stop(): Promise<void>;
}

/** Azurite (a process) + the emulator (in process, HTTPS on a free port). */
export async function startEmulatorStack(settings: Partial<EmulatorSettings> = {}, plugins?: readonly EmulatorPlugin[]): Promise<EmulatorStack> {
  const azurite = await startTestAzurite();
  let emulator: RunningEmulator;
  try {
    emulator = await startAzureMLEmulator(
      { storage: { connectionString: azurite.connectionString, container: 'azureml-blobstore' }, lroDelayMs: 100, ...settings },
      plugins,
    );
  } catch (err) {
    await azurite.stop();
    throw err;
  }
  const ca = fs.readFileSync(emulator.caFile);
  return {
    emulator,
    azurite,
    client: (credential = fakeCredential()) =>
      new AzureMachineLearningWorkspaces(credential, emulator.settings.subscriptionId, {
        endpoint: emulator.url,
        credentialScopes: ['https://management.azure.com/.default'],
        tlsOptions: { ca },
      }),
    stop: async () => {
      await emulator.stop();
      await azurite.stop();
    },
  };
}
