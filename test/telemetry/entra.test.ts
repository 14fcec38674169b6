/**
 * Entra ID authenticated telemetry, as infra/ deploys it (App Insights local auth off): with
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING=ClientId=<id>;Authorization=AAD the client takes a token of
 * that managed identity from the App Service / Flex Consumption identity endpoint (IDENTITY_ENDPOINT +
 * IDENTITY_HEADER, served here by a local HTTP server speaking that protocol) and sends it as a
 * Bearer token with every ingestion request.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { parseAuthenticationString } from '../../src/telemetry/authentication';
import { startHttpsReceiver } from '../support/httpsReceiver';

const dist = path.resolve(__dirname, '../../dist/src/telemetry/index.js');
const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function runChild(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** The App Service managed identity protocol (2019-08-01): GET ?resource=&client_id= with X-IDENTITY-HEADER. */
async function startIdentityEndpoint(token: string) {
  const requests: { url: URL; header: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ url, header: req.headers['x-identity-header'] as string | undefined });
    if (req.headers['x-identity-header'] !== 'test-identity-header') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
        client_id: url.searchParams.get('client_id'),
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/msi/token`, requests, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('telemetry with Entra ID authentication', () => {
  test('parses the authentication string the Functions platform uses', () => {
    expect(parseAuthenticationString(undefined)).toEqual({ kind: 'none' });
    expect(parseAuthenticationString(`ClientId=${CLIENT_ID};Authorization=AAD`)).toEqual({ kind: 'managedIdentity', clientId: CLIENT_ID });
    expect(parseAuthenticationString('authorization=aad')).toEqual({ kind: 'managedIdentity', clientId: undefined });
    for (const bad of ['Authorization=Key', 'ClientId=abc;Authorization=AAD', 'Authorization=AAD;Secret=x', 'AAD']) {
      expect(parseAuthenticationString(bad)).toMatchObject({ kind: 'invalid', code: 'TELEMETRY_AUTH_STRING_INVALID' });
    }
  });

  test('sends telemetry with a Bearer token of the managed identity named in the authentication string', async () => {
    const rx = await startHttpsReceiver(() => ({ status: 200, body: { itemsReceived: 1, itemsAccepted: 1, errors: [] } }));
    const idp = await startIdentityEndpoint('token-of-the-app-identity');
    try {
      const script = `
        const t = require(${JSON.stringify(dist)}).telemetry();
        if (!t.enabled) process.exit(3);
        t.event('ModelPromoted', { model: 'bank', version: 2 });
        t.flush().then(() => setTimeout(() => process.exit(0), 1500));`;
      const { code } = await runChild(script, {
        NODE_EXTRA_CA_CERTS: rx.caFile,
        IDENTITY_ENDPOINT: idp.url,
        IDENTITY_HEADER: 'test-identity-header',
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=${rx.url}`,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${CLIENT_ID};Authorization=AAD`,
      });
      expect(code).toBe(0);
      const tracks = rx.received.filter((r) => r.url.startsWith('/v2.1/track'));
      const withEvent = tracks.filter((r) => JSON.parse(r.body).some((e: any) => e.data?.baseData?.name === 'ModelPromoted'));
      expect(withEvent.length).toBeGreaterThan(0);
      for (const r of withEvent) expect(r.headers.authorization).toBe('Bearer token-of-the-app-identity');
      // The token was asked for the user-assigned identity, for Azure Monitor's audience.
      const asked = idp.requests.map((q) => ({
        clientId: q.url.searchParams.get('client_id'),
        resource: q.url.searchParams.get('resource'),
        header: q.header,
      }));
      expect(asked).toContainEqual({
        clientId: CLIENT_ID,
        resource: expect.stringMatching(/^https:\/\/monitor\.azure\.com\/?$/),
        header: 'test-identity-header',
      });
    } finally {
      await idp.stop();
      await rx.stop();
    }
  });

  test('without an authentication string, no Authorization header is sent (local runs, instrumentation key auth)', async () => {
    const rx = await startHttpsReceiver(() => ({ status: 200, body: { itemsReceived: 1, itemsAccepted: 1, errors: [] } }));
    try {
      const script = `const t = require(${JSON.stringify(dist)}).telemetry(); t.event('X'); t.flush().then(() => setTimeout(() => process.exit(0), 500));`;
      const { code } = await runChild(script, {
        NODE_EXTRA_CA_CERTS: rx.caFile,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: '',
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=${rx.url}`,
      });
      expect(code).toBe(0);
      const tracks = rx.received.filter((r) => r.url.startsWith('/v2.1/track'));
      expect(tracks.length).toBeGreaterThan(0);
      for (const r of tracks) expect(r.headers.authorization).toBeUndefined();
    } finally {
      await rx.stop();
    }
  });

  test('a malformed authentication string turns telemetry off with a coded error, not a crash', async () => {
    const script = `const t = require(${JSON.stringify(dist)}).telemetry(); t.event('X'); process.exit(t.enabled ? 1 : 0);`;
    const { code, stderr } = await runChild(script, {
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://127.0.0.1:9/',
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=Key',
    });
    expect(code).toBe(0);
    expect(stderr).toContain('TELEMETRY_AUTH_STRING_INVALID');
  });
});
