/**
 * Application Insights telemetry, on when APPLICATIONINSIGHTS_CONNECTION_STRING is set, a no-op
 * otherwise. Domain code calls these few functions; it never sees the SDK.
 *
 * In Azure, Application Insights has local (instrumentation key) authentication disabled, and
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING=`ClientId=<identity>;Authorization=AAD` makes the client
 * send an Entra token of that managed identity (which holds Monitoring Metrics Publisher), as Azure
 * documents for applicationinsights 3.x (`config.aadTokenCredential`). A malformed authentication
 * string turns telemetry off with one error line (TELEMETRY_AUTH_STRING_INVALID) rather than
 * sending telemetry the service would reject.
 */
import type { TokenCredential } from '@azure/identity';
import type { TelemetryClient } from 'applicationinsights';
import { parseAuthenticationString, TelemetryAuth } from './authentication';

export type Props = Record<string, string | number | boolean | undefined>;

export interface Telemetry {
  readonly enabled: boolean;
  event(name: string, properties?: Props, measurements?: Record<string, number>): void;
  metric(name: string, value: number, properties?: Props): void;
  dependency(d: { name: string; target: string; data?: string; durationMs: number; resultCode: number | string; success: boolean; type?: string }): void;
  flush(): Promise<void>;
}

const noop: Telemetry = {
  enabled: false,
  event: () => undefined,
  metric: () => undefined,
  dependency: () => undefined,
  flush: async () => undefined,
};

let current: Telemetry | undefined;

function stringProps(p?: Props): Record<string, string> | undefined {
  if (!p) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = String(v);
  return out;
}

function credentialFor(auth: TelemetryAuth): TokenCredential | undefined {
  if (auth.kind !== 'managedIdentity') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ManagedIdentityCredential } = require('@azure/identity') as typeof import('@azure/identity');
  return auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new ManagedIdentityCredential();
}

function create(connectionString: string, auth: TelemetryAuth): Telemetry {
  // Loaded lazily: the SDK starts OpenTelemetry machinery we don't want when telemetry is off.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ai = require('applicationinsights') as typeof import('applicationinsights');
  const client: TelemetryClient = new ai.TelemetryClient(connectionString);
  // Read when the client initializes, on its first track call: set it before any.
  const credential = credentialFor(auth);
  if (credential) client.config.aadTokenCredential = credential;
  return {
    enabled: true,
    event: (name, properties, measurements) => client.trackEvent({ name, properties: { ...stringProps(properties), ...numberProps(measurements) } }),
    metric: (name, value, properties) => client.trackMetric({ name, value, properties: stringProps(properties) }),
    dependency: (d) =>
      client.trackDependency({
        name: d.name,
        target: d.target,
        data: d.data ?? d.name,
        duration: d.durationMs,
        resultCode: d.resultCode,
        success: d.success,
        dependencyTypeName: d.type ?? 'HTTP',
      }),
    flush: () => client.flush(),
  };
}

function numberProps(m?: Record<string, number>): Record<string, string> | undefined {
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = String(v);
  return out;
}

/** The process-wide telemetry: App Insights when configured, else a no-op. */
export function telemetry(env: NodeJS.ProcessEnv = process.env): Telemetry {
  if (!current) {
    const conn = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
    const auth = parseAuthenticationString(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
    if (conn && auth.kind === 'invalid') {
      console.error(`[telemetry] ${auth.code}: ${auth.message}; telemetry is off`);
      current = noop;
    } else {
      current = conn ? create(conn, auth) : noop;
    }
  }
  return current;
}
