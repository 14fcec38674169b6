import type { EmulatorPlugin } from './core/plugin';
import { RunningEmulator, startServer } from './core/server';
import { defaultSettings, EmulatorSettings } from './core/settings';
import { PLUGINS } from './plugins';

export type { RunningEmulator } from './core/server';
export type { EmulatorSettings } from './core/settings';
export type { EmulatorContext, EmulatorPlugin, ReceivedRequest } from './core/plugin';
export type { FaultRule } from './core/faults';
export { GA_API_VERSION, SDK_API_VERSION } from './core/settings';

/**
 * Starts the Azure ML emulator in this process: HTTPS on a free port (by default), a fresh self-signed
 * certificate (reused from stateDir/tls when present), the default datastore on the given storage.
 */
export async function startAzureMLEmulator(
  settings: Partial<EmulatorSettings> & Pick<EmulatorSettings, 'storage'>,
  plugins: readonly EmulatorPlugin[] = PLUGINS,
): Promise<RunningEmulator> {
  return startServer(defaultSettings(settings), plugins);
}
