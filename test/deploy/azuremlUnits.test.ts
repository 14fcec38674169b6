// The Azure ML target's pure parts: names, settings, the canary rule, traffic arithmetic, the key cache.
import { ArmError } from '../../src/deploy/azureml/arm';
import { canaryVerdict, figuresOf, isFailure } from '../../src/deploy/azureml/canary';
import { isBusyConflict } from '../../src/deploy/azureml/endpoints';
import { KeyCache } from '../../src/deploy/azureml/keyCache';
import { AZUREML_ENDPOINT_NAME, azureDeploymentName, endpointNameFor } from '../../src/deploy/azureml/names';
import { championOf, statusFrom } from '../../src/deploy/azureml/records';
import { azureMLTargetSettingsFromEnv } from '../../src/deploy/azureml/settings';
import { rebalance } from '../../src/deploy/azureml/traffic';
import type { Observation } from '../../src/deploy/azureml/routing';

const ws = { subscriptionId: 'sub', resourceGroup: 'rg', workspace: 'ws' };
const cred = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };

describe('names', () => {
  test.each(['bank_marketing', 'Bank Marketing 2024', '123-numbers-first', '____', 'a', 'x'.repeat(200), 'données.csv'])(
    'endpoint of lineage %s is a DNS label of 3-32 characters',
    (lineage) => {
      const n = endpointNameFor(lineage, ws);
      expect(n).toMatch(AZUREML_ENDPOINT_NAME);
      expect(n.length).toBeLessThanOrEqual(32);
      expect(endpointNameFor(lineage, ws)).toBe(n);
    },
  );

  test('lineages that slug alike, or workspaces, still get different endpoints', () => {
    expect(endpointNameFor('bank_marketing', ws)).not.toBe(endpointNameFor('bank-marketing', ws));
    expect(endpointNameFor('bank', ws)).not.toBe(endpointNameFor('bank', { ...ws, workspace: 'other' }));
  });

  test('deployment names stay as they are when valid, and are hashed to 32 characters otherwise', () => {
    expect(azureDeploymentName('bank-marketing-v3')).toBe('bank-marketing-v3');
    const long = azureDeploymentName('a-very-long-dataset-name-that-goes-on-v12');
    expect(long).toMatch(AZUREML_ENDPOINT_NAME);
    expect(long).not.toBe(azureDeploymentName('a-very-long-dataset-name-that-goes-on-v13'));
    expect(azureDeploymentName('7-up-v1')).toMatch(AZUREML_ENDPOINT_NAME);
  });
});

describe('settings', () => {
  const env = { AZUREML_SUBSCRIPTION_ID: 's', AZUREML_RESOURCE_GROUP: 'rg', AZUREML_WORKSPACE: 'w' };

  test('defaults, and every setting read into its typed value', () => {
    const s = azureMLTargetSettingsFromEnv(env, cred);
    expect(s).toMatchObject({
      instanceType: 'Standard_DS3_v2',
      instanceCount: 1,
      canarySharePercent: 10,
      lroPollMs: 2000,
      armEndpoint: 'https://management.azure.com',
    });
    const t = azureMLTargetSettingsFromEnv(
      {
        ...env,
        AZUREML_INSTANCE_COUNT: '3',
        AZUREML_CANARY_PERCENT: '25',
        AZUREML_CANARY_SECONDS: '60',
        AZUREML_MIRROR_PERCENT: '20',
        AZUREML_DRAIN_SECONDS: '5',
        AZUREML_LRO_POLL_MS: '100',
        AZUREML_ARM_ENDPOINT: 'https://127.0.0.1:8443/',
        AZUREML_CANARY_MIN_REQUESTS: '7',
        AZUREML_CANARY_ERROR_TOLERANCE: '0.05',
        AZUREML_CANARY_LATENCY_FACTOR: '2',
        AZUREML_CANARY_LATENCY_SLACK_MS: '250',
      },
      cred,
    );
    expect(s.canaryRule).toEqual({ minRequests: 20, errorRateTolerance: 0.01, latencyFactor: 1.5, latencySlackMs: 20 });
    expect(t.canaryRule).toEqual({ minRequests: 7, errorRateTolerance: 0.05, latencyFactor: 2, latencySlackMs: 250 });
    expect(() => azureMLTargetSettingsFromEnv({ ...env, AZUREML_CANARY_LATENCY_FACTOR: '0.5' }, cred)).toThrow(
      /AZUREML_CANARY_LATENCY_FACTOR must be a number from 1 to 100/,
    );
    expect(
      azureMLTargetSettingsFromEnv({ ...env, AZUREML_INSTANCE_TYPE: 'Standard_E4s_v3', AZUREML_ENDPOINT_INSTANCE_TYPE: 'Standard_F2s_v2' }, cred).instanceType,
    ).toBe('Standard_F2s_v2');
    expect(azureMLTargetSettingsFromEnv({ ...env, AZUREML_DATASTORE_AUTH: 'key' }, cred).datastoreAuth).toBe('key');
    expect(() => azureMLTargetSettingsFromEnv({ ...env, AZUREML_DATASTORE_AUTH: 'sas' }, cred)).toThrow(/datastoreAuth/);
    expect(t).toMatchObject({
      instanceCount: 3,
      canarySharePercent: 25,
      canaryDurationMs: 60_000,
      mirrorSharePercent: 20,
      drainMs: 5000,
      lroPollMs: 100,
      armEndpoint: 'https://127.0.0.1:8443',
    });
  });

  test.each([
    [{}, /AZUREML_SUBSCRIPTION_ID is required/],
    [{ ...env, AZUREML_INSTANCE_COUNT: '0' }, /AZUREML_INSTANCE_COUNT must be an integer/],
    [{ ...env, AZUREML_MIRROR_PERCENT: '60' }, /AZUREML_MIRROR_PERCENT/],
    [{ ...env, AZUREML_ARM_ENDPOINT: 'http://127.0.0.1:1' }, /must be an https URL/],
  ])('bad settings are a clear INVALID_SETTING (%o)', (e, why) => {
    expect(() => azureMLTargetSettingsFromEnv(e as Record<string, string>, cred)).toThrow(why);
    try {
      azureMLTargetSettingsFromEnv(e as Record<string, string>, cred);
    } catch (err) {
      expect((err as { code: string }).code).toBe('INVALID_SETTING');
    }
  });
});

describe('canary rule', () => {
  const obs = (deployment: string, n: number, status: number, latencyMs: number): Observation[] =>
    Array.from({ length: n }, () => ({ deployment, status, latencyMs }));

  test('figures count non-2xx (but 401/403) and transport failures; latency of answered requests only', () => {
    const f = figuresOf('b', [...obs('b', 8, 200, 10), ...obs('b', 1, 500, 1), ...obs('b', 1, 0, 1), ...obs('b', 2, 401, 1), ...obs('a', 5, 200, 99)]);
    expect(f).toMatchObject({ requests: 12, errors: 2, p50Ms: 10, p95Ms: 10 });
    expect(isFailure(400)).toBe(true);
    expect(isFailure(403)).toBe(false);
    expect(isFailure(204)).toBe(false);
  });

  test('pass when no worse; fail on errors, on latency, and without enough answers', () => {
    const champ = figuresOf('a', obs('a', 50, 200, 10));
    expect(canaryVerdict(champ, figuresOf('b', obs('b', 50, 200, 12))).pass).toBe(true);
    const errors = canaryVerdict(champ, figuresOf('b', [...obs('b', 45, 200, 10), ...obs('b', 5, 503, 10)]));
    expect(errors.pass).toBe(false);
    expect(errors.reasons[0]).toMatch(/error rate 10\.00 %/);
    const slow = canaryVerdict(champ, figuresOf('b', obs('b', 50, 200, 80)));
    expect(slow.reasons[0]).toMatch(/p95 80 ms exceeds 35\.0 ms/);
    expect(canaryVerdict(champ, figuresOf('b', obs('b', 3, 200, 10))).reasons[0]).toMatch(/fewer than the 20/);
  });
});

describe('traffic arithmetic and records', () => {
  test('rebalance keeps proportions and sums to 100', () => {
    expect(rebalance({ a: 45, b: 45 })).toEqual({ a: 50, b: 50 });
    expect(rebalance({ a: 30, b: 10 })).toEqual({ a: 75, b: 25 });
    expect(rebalance({ a: 33, b: 33, c: 33 })).toEqual({ a: 33, b: 33, c: 34 });
    expect(rebalance({})).toEqual({});
  });

  test('the champion is the largest live share', () => {
    expect(championOf({ a: 10, b: 90 })).toBe('b');
    expect(championOf({ b: 50, a: 50 })).toBe('a');
    expect(championOf({ a: 0 })).toBeUndefined();
  });

  test('status from the provisioning state', () => {
    expect(statusFrom('starting', 'Creating')).toBe('starting');
    expect(statusFrom('starting', 'Succeeded')).toBe('running');
    expect(statusFrom('running', 'Updating')).toBe('running');
    expect(statusFrom('running', 'Failed')).toBe('failed');
    expect(statusFrom('draining', undefined)).toBe('retired');
    expect(statusFrom('running', undefined)).toBe('failed');
  });

  test('busy conflicts are recognised from ARM errors and SDK RestErrors, other conflicts are not', () => {
    expect(isBusyConflict(new ArmError(409, 'Conflict', 'Cannot update endpoint x because it is in Updating provisioning state.'))).toBe(true);
    expect(isBusyConflict({ statusCode: 409, message: 'Cannot create a deployment in endpoint x because it is in Creating provisioning state.' })).toBe(true);
    expect(isBusyConflict(new ArmError(409, 'Conflict', 'Deployment has traffic'))).toBe(false);
    expect(isBusyConflict(new ArmError(500, 'X', 'Updating state'))).toBe(false);
  });
});

describe('key cache', () => {
  test('one read for concurrent callers; a refresh for a refused key reads again, once', async () => {
    let reads = 0;
    let current = 'k1';
    const cache = new KeyCache(async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 10));
      return { primary: current, secondary: 's' };
    });
    const first = await Promise.all([cache.get('l'), cache.get('l'), cache.get('l')]);
    expect(first.map((k) => k.primary)).toEqual(['k1', 'k1', 'k1']);
    expect(reads).toBe(1);
    current = 'k2';
    const refreshed = await Promise.all([cache.get('l', 'k1'), cache.get('l', 'k1'), cache.get('l', 'k1')]);
    expect(refreshed.map((k) => k.primary)).toEqual(['k2', 'k2', 'k2']);
    expect(reads).toBe(2);
    // A late refresh for the old key reuses the newer answer.
    expect((await cache.get('l', 'k1')).primary).toBe('k2');
    expect(reads).toBe(2);
  });
});

describe('sleep', () => {
  test('a sleep that ends on its timer leaves no listener on the signal; an abort ends it at once', async () => {
    const { getEventListeners } = await import('node:events');
    const { sleep } = await import('../../src/deploy/azureml/traffic');
    const c = new AbortController();
    for (let i = 0; i < 30; i++) await sleep(1, c.signal);
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
    const started = Date.now();
    const long = sleep(60_000, c.signal);
    expect(getEventListeners(c.signal, 'abort')).toHaveLength(1);
    c.abort();
    await long;
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
