import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AzuriteProcess, startAzurite } from '../../src/host/azurite';

/** Starts a private Azurite on free ports with a temporary data folder; call stop() in afterAll. */
export async function startTestAzurite(): Promise<AzuriteProcess & { location: string }> {
  const location = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-azurite-'));
  const az = await startAzurite({ location });
  return {
    ...az,
    location,
    stop: async () => {
      await az.stop();
      fs.rmSync(location, { recursive: true, force: true });
    },
  };
}
