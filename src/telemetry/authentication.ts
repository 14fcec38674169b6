/**
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING, the App Service / Functions convention for Entra ID
 * (Microsoft Entra) authenticated telemetry: `Authorization=AAD` and, for a user-assigned managed
 * identity, `ClientId=<client id>` (pairs separated by `;`, keys case-insensitive). The Functions
 * host reads it for its own telemetry; the app's SDK client needs the same credential given
 * explicitly (applicationinsights 3.x: `config.aadTokenCredential`), which is what this parses for.
 * Where Application Insights has local authentication disabled (infra/ does), telemetry sent
 * without such a token is rejected: the connection string alone grants nothing.
 */
export type TelemetryAuth =
  { kind: 'none' } | { kind: 'managedIdentity'; clientId?: string } | { kind: 'invalid'; code: 'TELEMETRY_AUTH_STRING_INVALID'; message: string };

export function parseAuthenticationString(value: string | undefined): TelemetryAuth {
  if (!value || !value.trim()) return { kind: 'none' };
  const pairs = new Map<string, string>();
  for (const part of value
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return invalid(`'${part}' is not key=value`);
    pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const authorization = pairs.get('authorization');
  if (authorization?.toUpperCase() !== 'AAD')
    return invalid(`Authorization is ${authorization === undefined ? 'missing' : `'${authorization}'`}; only AAD is supported`);
  for (const k of pairs.keys()) if (k !== 'authorization' && k !== 'clientid') return invalid(`unknown key '${k}'`);
  const clientId = pairs.get('clientid');
  if (clientId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(clientId)) return invalid('ClientId is not a GUID');
  return { kind: 'managedIdentity', clientId };
}

function invalid(why: string): TelemetryAuth {
  // The value holds no secret (a client id at most), so it may appear in the message.
  return {
    kind: 'invalid',
    code: 'TELEMETRY_AUTH_STRING_INVALID',
    message: `APPLICATIONINSIGHTS_AUTHENTICATION_STRING: ${why} (expected Authorization=AAD[;ClientId=<guid>])`,
  };
}
