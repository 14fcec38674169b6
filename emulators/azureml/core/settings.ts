/** The emulator's configuration, validated once by main.ts (or passed in process by tests). */
export interface EmulatorSettings {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  region: string;
  /** Interface to listen on (default 127.0.0.1) and port (0 picks a free one). */
  host: string;
  port: number;
  /**
   * The workspace's storage account (Azurite): `container` backs the default datastore
   * (workspaceblobstore), `artifactsContainer` (default `azureml`) the run artifacts
   * (workspaceartifactstore, `ExperimentRun/dcid.<run id>/...`).
   */
  storage: { connectionString: string; container: string; artifactsContainer?: string };
  /** api-versions the emulator answers; others get ARM's NoRegisteredProviderFound. */
  apiVersions: readonly string[];
  /** How long an ARM long-running operation stays InProgress. */
  lroDelayMs: number;
  /** Retry-After (seconds) on LRO responses: core-lro waits that long between polls. */
  retryAfterSeconds: number;
  /** When set, only these bearer tokens are accepted. */
  acceptedTokens?: readonly string[];
  /** State (state.json), certificate (tls/) and job work folders survive restarts here; in memory when absent. */
  stateDir?: string;
  /** Options of individual plugins, by plugin name. */
  plugins: Record<string, unknown>;
}

/** The api-version the provider sends (a current GA one) and the SDK's built-in constant. */
export const GA_API_VERSION = '2025-12-01';
export const SDK_API_VERSION = '2022-10-01';

export function defaultSettings(overrides: Partial<EmulatorSettings> & Pick<EmulatorSettings, 'storage'>): EmulatorSettings {
  return {
    subscriptionId: '00000000-0000-0000-0000-000000000000',
    resourceGroup: 'rg-mlops',
    workspace: 'mlw-mlops',
    region: 'westeurope',
    host: '127.0.0.1',
    port: 0,
    apiVersions: [SDK_API_VERSION, GA_API_VERSION],
    lroDelayMs: 200,
    retryAfterSeconds: 1,
    plugins: {},
    ...overrides,
  };
}
