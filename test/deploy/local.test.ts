// LocalDeploymentTarget against Azurite: endpoint processes really started, tracked and stopped by PID,
// records in the `deployments` table, the champion switched atomically, deployments restored after a restart.
import * as fs from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as http from 'node:http';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { notifyDeploymentsChanged, onDeploymentsChanged } from '../../src/deploy/changes';
import { RouteCache } from '../../src/scoring/routes';
import { LocalDeploymentTarget } from '../../src/deploy/local';
import { DeploymentStore } from '../../src/deploy/store';
import { DeployError } from '../../src/deploy/target';
import { startTestAzurite } from '../support/azurite';
import { BINARY_SPEC, buildTestModel, MULTICLASS_SPEC, SAMPLE_ROWS, writeTestModel } from './fixtures/model';
import { requireBuiltServer } from './support';

jest.setTimeout(120000);

let az: Awaited<ReturnType<typeof startTestAzurite>>;
const targets: LocalDeploymentTarget[] = [];
let modelDir: string;
let modelFile: string;

function newTarget(): LocalDeploymentTarget {
  const t = new LocalDeploymentTarget({ connectionString: az.connectionString, drainMs: 0, stopTimeoutMs: 5000 });
  targets.push(t);
  return t;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function score(url: string, key: string) {
  const res = await fetch(`${url}/score`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: SAMPLE_ROWS }),
  });
  return { status: res.status, body: await res.json(), version: res.headers.get('x-model-version') };
}

async function expectDeployError(p: Promise<unknown>, code: string, status: number) {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(DeployError);
  expect(err).toMatchObject({ code, status });
}

beforeAll(async () => {
  requireBuiltServer();
  az = await startTestAzurite();
  const container = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
  await container.createIfNotExists();
  await container.getBlockBlobClient('models/fixture/v1/model.onnx').uploadData(Buffer.from(buildTestModel(BINARY_SPEC)));
  await container.getBlockBlobClient('models/fixture/v2/model.onnx').uploadData(Buffer.from(buildTestModel(MULTICLASS_SPEC)));
  ({ dir: modelDir, file: modelFile } = writeTestModel(BINARY_SPEC));
});

afterAll(async () => {
  for (const t of targets) await t.close();
  await az?.stop();
  if (modelDir) fs.rmSync(modelDir, { recursive: true, force: true });
});

/** A store-level promotion as the champion module does it: flip the flags, announce the change. */
async function promote(store: DeploymentStore, name: string): Promise<{ champion: string; previous?: string }> {
  const r = await store.promote(name);
  notifyDeploymentsChanged();
  return r;
}

/** The scoring route's view of a lineage's champion (a long-lived cache that follows in-process changes). */
class ChampionSource {
  private readonly routes: RouteCache;
  private readonly off: () => void;
  constructor(
    store: DeploymentStore,
    ttlMs: number,
    private readonly lineage = 'fixture',
  ) {
    const route = (r: Awaited<ReturnType<DeploymentStore['get']>>) =>
      r && r.status === 'running' && r.url
        ? { name: r.name, modelName: r.modelName, modelVersion: r.modelVersion, url: r.url, key: r.keys.primary, schema: r.schema }
        : undefined;
    this.routes = new RouteCache(
      { champion: async (l) => route(await store.champion(l)), champions: async () => [], deployment: async (n) => route(await store.get(n)) },
      { ttlMs, maxStaleMs: 0 },
    );
    this.off = onDeploymentsChanged(() => this.routes.invalidate());
  }
  async get() {
    return (await this.routes.champion(this.lineage)).value;
  }
  dispose(): void {
    this.off();
  }
}

describe('LocalDeploymentTarget', () => {
  let target: LocalDeploymentTarget;
  beforeAll(() => {
    target = newTarget();
  });

  test('deploy from the registry blob starts a keyed endpoint process and records it', async () => {
    const d = await target.deploy({ name: 'fixture-v1', modelName: 'fixture', modelVersion: 1 });
    expect(d).toMatchObject({ name: 'fixture-v1', modelName: 'fixture', modelVersion: '1', status: 'running', champion: false, target: 'local' });
    expect(alive(d.pid)).toBe(true);
    expect(target.pids()['fixture-v1']).toBe(d.pid);
    expect(d.url).toBe(`http://127.0.0.1:${d.port}`);
    expect(d.schema.fields.map((f) => f.name)).toEqual(['age', 'job', 'duration']);
    expect(d.schema.classes).toEqual(['no', 'yes']);
    const keys = await target.keys('fixture-v1');
    expect(keys.primary).not.toBe(keys.secondary);
    const r = await score(d.url, keys.primary);
    expect(r.status).toBe(200);
    expect(r.body.result).toHaveLength(SAMPLE_ROWS.length);
    expect((await score(d.url, keys.secondary)).status).toBe(200);
    expect((await score(d.url, 'not-the-key-at-all')).status).toBe(401);
  });

  test('list() and get() never carry the keys', async () => {
    const keys = await target.keys('fixture-v1');
    const listed = JSON.stringify(await target.list());
    expect(listed).toContain('fixture-v1');
    expect(listed).not.toContain(keys.primary);
    expect(listed).not.toContain(keys.secondary);
    expect(JSON.stringify(await target.get('fixture-v1'))).not.toContain(keys.primary);
  });

  test('deploying a taken name, a missing model, a broken model or a bad name fails with a code and leaves no process', async () => {
    const before = Object.keys(target.pids()).length;
    await expectDeployError(target.deploy({ name: 'fixture-v1', modelName: 'fixture', modelVersion: 1 }), 'DEPLOYMENT_EXISTS', 409);
    await expectDeployError(target.deploy({ name: 'ghost', modelName: 'fixture', modelVersion: 9 }), 'MODEL_NOT_FOUND', 404);
    const junk = path.join(modelDir, 'junk.onnx');
    fs.writeFileSync(junk, 'this is not a model');
    await expectDeployError(target.deploy({ name: 'junk', modelName: 'junk', modelVersion: 1, model: { file: junk } }), 'INVALID_MODEL', 422);
    await expectDeployError(target.deploy({ name: 'bad name!', modelName: 'x', modelVersion: 1 }), 'INVALID_NAME', 400);
    expect(Object.keys(target.pids()).length).toBe(before);
    expect(await target.get('ghost')).toBeUndefined();
  });

  test('large profile hints are capped and a long schema is stored over several table properties', async () => {
    const many = Array.from({ length: 500 }, (_, i) => `${String(i).padStart(4, '0')}-${'v'.repeat(150)}`);
    const d = await target.deploy({
      name: 'big-hints',
      modelName: 'fixture',
      modelVersion: 7,
      model: { file: modelFile },
      hints: {
        target: 'y',
        fields: {
          job: { values: many, example: 'admin' },
          age: { description: 'd'.repeat(5000), example: 40 },
          // Hints for columns the model does not use are kept in the record, not in the schema.
          ...Object.fromEntries(['x1', 'x2', 'x3'].map((x) => [x, { values: many }])),
        },
      },
    });
    const job = d.schema.fields.find((f) => f.name === 'job')!;
    expect(job.values).toHaveLength(200);
    expect(job.values!.every((v) => v.length === 100)).toBe(true);
    expect(d.schema.fields.find((f) => f.name === 'age')!.description).toHaveLength(500);
    const raw = await target.store.table.getEntity<Record<string, unknown>>('deployment', 'big-hints');
    expect(Number(raw.hints_parts)).toBeGreaterThan(1);
    const stored = (await target.store.get('big-hints'))!;
    expect(stored.hints!.fields!.x3.values).toEqual(job.values);
    expect(stored.schema).toEqual(d.schema);
    // The endpoint documents the same capped values.
    const swagger = await (await fetch(`${d.url}/swagger.json`)).json();
    expect(swagger.components.schemas.InputRow.properties.job['x-known-values']).toEqual(job.values);
    await target.retire('big-hints');
  });

  test('promote switches the single champion atomically; the champion source follows', async () => {
    const store = new DeploymentStore(az.connectionString);
    const source = new ChampionSource(store, 60000);
    expect(await source.get()).toBeUndefined();
    await target.deploy({ name: 'fixture-v2', modelName: 'fixture', modelVersion: 2 });
    await target.deploy({ name: 'local-file', modelName: 'fixture', modelVersion: 7, model: { file: modelFile } });
    expect(await promote(store, 'fixture-v1')).toEqual({ champion: 'fixture-v1' });
    expect((await source.get())?.name).toBe('fixture-v1');
    expect(await promote(store, 'fixture-v2')).toEqual({ champion: 'fixture-v2', previous: 'fixture-v1' });
    // The long TTL would keep fixture-v1: promote() in this process invalidates the cache.
    const champ = await source.get();
    expect(champ).toMatchObject({ name: 'fixture-v2', modelName: 'fixture', modelVersion: '2' });
    expect(champ!.key).toBe((await target.keys('fixture-v2')).primary);
    expect(champ!.schema.classes).toEqual(['high', 'low', 'mid']);
    const champions = (await target.list()).filter((d) => d.champion).map((d) => d.name);
    expect(champions).toEqual(['fixture-v2']);
    await expectDeployError(promote(store, 'nope'), 'DEPLOYMENT_NOT_FOUND', 404);
    source.dispose();
  });

  test('concurrent promotions still leave exactly one champion', async () => {
    const store = new DeploymentStore(az.connectionString);
    await Promise.all([promote(store, 'fixture-v1'), promote(store, 'local-file'), promote(store, 'fixture-v2')]);
    const champions = (await target.list()).filter((d) => d.champion);
    expect(champions).toHaveLength(1);
    await promote(store, 'fixture-v2');
  });

  test('the champion cannot be retired without force; a retired deployment stops its process and loses its keys', async () => {
    await expectDeployError(target.retire('fixture-v2'), 'IS_CHAMPION', 409);
    const d = (await target.get('local-file'))!;
    expect(alive(d.pid)).toBe(true);
    await target.retire('local-file');
    expect(alive(d.pid)).toBe(false);
    expect(target.pids()['local-file']).toBeUndefined();
    expect(await target.get('local-file')).toMatchObject({ status: 'retired', pid: 0, url: '' });
    await expectDeployError(target.keys('local-file'), 'DEPLOYMENT_NOT_FOUND', 404);
    const store = new DeploymentStore(az.connectionString);
    await expectDeployError(promote(store, 'local-file'), 'NOT_RUNNING', 409);
    // Retiring twice is a no-op; a retired name can be deployed again.
    await target.retire('local-file');
    const again = await target.deploy({ name: 'local-file', modelName: 'fixture', modelVersion: 8, model: { file: modelFile } });
    expect(again).toMatchObject({ status: 'running', modelVersion: '8' });
    await target.retire('local-file');
  });

  test('retire drains: a request whose body is still arriving when the process is told to stop completes', async () => {
    const d = await target.deploy({ name: 'drainme', modelName: 'fixture', modelVersion: 1 });
    const keys = await target.keys('drainme');
    const body = Buffer.from(JSON.stringify({ data: SAMPLE_ROWS }));
    const half = Math.floor(body.length / 2);
    const result = new Promise<{ status: number; n: number }>((resolve, reject) => {
      const req = http.request(`${d.url}/score`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.primary}`, 'content-length': body.length },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, n: JSON.parse(text).result.length }));
      });
      req.on('error', reject);
      req.write(body.subarray(0, half));
      // The rest arrives only after SIGTERM was sent (retire with no drain wait).
      const retiring = target.retire('drainme', { drainMs: 0 });
      setTimeout(() => req.end(body.subarray(half)), 300);
      retiring.catch(reject);
    });
    expect(await result).toEqual({ status: 200, n: SAMPLE_ROWS.length });
    await new Promise((r) => setTimeout(r, 50));
    while ((await target.get('drainme'))!.status !== 'retired') await new Promise((r) => setTimeout(r, 50));
    expect(alive(d.pid)).toBe(false);
  });

  test('a second target adopts live processes by instance id and can stop them by PID', async () => {
    const other = newTarget();
    const d = (await target.get('fixture-v1'))!;
    const restored = await other.restore();
    expect(restored.map((x) => x.name).sort()).toEqual(['fixture-v1', 'fixture-v2']);
    expect(other.pids()['fixture-v1']).toBe(d.pid); // adopted, not restarted
    await other.retire('fixture-v1');
    expect(alive(d.pid)).toBe(false);
    expect((await target.get('fixture-v1'))!.status).toBe('retired');
  });

  test('after a host stop, restore() restarts the running deployments with the same keys and champion', async () => {
    const before = (await target.get('fixture-v2'))!;
    const keys = await target.keys('fixture-v2');
    await target.close();
    expect(alive(before.pid)).toBe(false);
    expect((await target.get('fixture-v2'))!.status).toBe('running'); // the record keeps the desired state
    const next = newTarget();
    const restored = await next.restore();
    expect(restored.map((d) => d.name)).toEqual(['fixture-v2']);
    const after = restored[0];
    expect(after.pid).not.toBe(before.pid);
    expect(alive(after.pid)).toBe(true);
    expect(after.champion).toBe(true);
    const r = await score(after.url, keys.primary);
    expect(r.status).toBe(200);
    expect(r.version).toBe('2');
    // Restoring again is idempotent: no second process.
    await next.restore();
    expect(next.pids()['fixture-v2']).toBe(after.pid);
  });

  test('regenerating a key: the old one is refused at once, the other keeps working; the proxy follows the primary', async () => {
    const t = newTarget();
    const d = await t.deploy({ name: 'rotate', modelName: 'fixture', modelVersion: 1 });
    const before = await t.keys('rotate');
    const afterSecondary = await t.regenerateKey('rotate', 'secondary');
    expect(afterSecondary.primary).toBe(before.primary);
    expect(afterSecondary.secondary).not.toBe(before.secondary);
    expect((await score(d.url, before.secondary)).status).toBe(401);
    expect((await score(d.url, afterSecondary.secondary)).status).toBe(200);
    expect((await score(d.url, before.primary)).status).toBe(200);
    expect(await t.keys('rotate')).toEqual(afterSecondary);
    expect(t.pids()['rotate']).toBe(d.pid); // no restart for a process we own

    const store = new DeploymentStore(az.connectionString);
    const source = new ChampionSource(store, 60000);
    const previous = (await target.list()).find((x) => x.champion)?.name;
    await promote(store, 'rotate');
    expect((await source.get())!.key).toBe(before.primary);
    const afterPrimary = await t.regenerateKey('rotate', 'primary');
    expect((await score(d.url, before.primary)).status).toBe(401);
    expect((await source.get())!.key).toBe(afterPrimary.primary); // cache invalidated in this process
    expect((await score(d.url, afterPrimary.primary)).status).toBe(200);

    // A process this target did not start is restarted with the new keys.
    const other = newTarget();
    await other.restore();
    expect(other.pids()['rotate']).toBe(d.pid);
    const third = await other.regenerateKey('rotate', 'secondary');
    const now = (await other.get('rotate'))!;
    expect(now.pid).not.toBe(d.pid);
    expect(alive(d.pid)).toBe(false);
    expect((await score(now.url, third.secondary)).status).toBe(200);
    expect((await score(now.url, afterSecondary.secondary)).status).toBe(401);
    await expectDeployError(t.regenerateKey('rotate', 'tertiary' as never), 'INVALID_KEY_NAME', 400);
    await expectDeployError(t.regenerateKey('ghost', 'primary'), 'DEPLOYMENT_NOT_FOUND', 404);

    if (previous) await promote(store, previous);
    await other.retire('rotate');
    source.dispose();
  });

  test('when the host process dies (SIGKILL), its endpoint processes exit too and restore() brings them back', async () => {
    // A stand-in host: a separate Node process running the compiled target, killed without any cleanup.
    const script = `
      const { LocalDeploymentTarget } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/src/deploy/local.js'))});
      const t = new LocalDeploymentTarget({ connectionString: process.env.TEST_STORAGE });
      t.deploy({ name: 'orphan-check', modelName: 'fixture', modelVersion: 1 })
        .then((d) => process.stdout.write(JSON.stringify({ pid: d.pid }) + '\\n'))
        .catch((e) => { process.stderr.write(String(e)); process.exit(1); });
      setInterval(() => {}, 1000);`;
    const hostProc = spawn(process.execPath, ['-e', script], { env: { ...process.env, TEST_STORAGE: az.connectionString }, stdio: ['ignore', 'pipe', 'pipe'] });
    const endpointPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      let err = '';
      hostProc.stdout!.on('data', (c) => {
        out += c;
        const m = /\{"pid":(\d+)\}/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      hostProc.stderr!.on('data', (c) => (err += c));
      hostProc.once('exit', (code) => reject(new Error(`stand-in host exited ${code}: ${err}`)));
    });
    expect(alive(endpointPid)).toBe(true);
    hostProc.kill('SIGKILL');
    const deadline = Date.now() + 15000;
    while (alive(endpointPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(endpointPid)).toBe(false);
    const t = newTarget();
    const restored = await t.restore();
    const back = restored.find((d) => d.name === 'orphan-check')!;
    expect(back.status).toBe('running');
    expect(back.pid).not.toBe(endpointPid);
    expect((await score(back.url, (await t.keys('orphan-check')).primary)).status).toBe(200);
    await t.retire('orphan-check');
  });

  test('a crashed endpoint is restarted with the same keys; crashing again past the budget leaves it failed', async () => {
    const t = new LocalDeploymentTarget({ connectionString: az.connectionString, drainMs: 0, maxRestarts: 1 });
    targets.push(t);
    const d = await t.deploy({ name: 'crashy', modelName: 'fixture', modelVersion: 1 });
    const keys = await t.keys('crashy');
    const waitFor = async (ok: (x: Awaited<ReturnType<typeof t.get>>) => boolean) => {
      const deadline = Date.now() + 15000;
      for (;;) {
        const cur = await t.get('crashy');
        if (ok(cur)) return cur!;
        if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(cur)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    process.kill(d.pid, 'SIGKILL');
    const back = await waitFor((x) => x!.status === 'running' && x!.pid !== d.pid && x!.pid !== 0);
    expect(alive(back.pid)).toBe(true);
    expect((await score(back.url, keys.primary)).status).toBe(200);
    process.kill(back.pid, 'SIGKILL');
    const failed = await waitFor((x) => x!.status === 'failed');
    expect(failed.error).toMatch(/SIGKILL.*2 crashes/);
    expect(t.pids()['crashy']).toBeUndefined();
  });
});

test('restore() stops an endpoint process a crashed host left behind with no deployment (its owner only)', async () => {
  if (process.platform !== 'linux') return; // the sweep reads /proc
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-endpoint-orphan-'));
  // An endpoint that ignores the end of its stdin (a stuck one): started in the background by a shell
  // that exits at once, so it is re-parented as after a host crash. The real endpoint exits with its host.
  const script = path.join(dir, 'deploy', 'endpointServer.js');
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const owner = createHash('sha256').update(`${az.connectionString}|deployments`).digest('hex').slice(0, 32);
  const start = (o: string) =>
    Number(
      execFileSync('sh', ['-c', `MLOPS_ENDPOINT_OWNER=${o} "${process.execPath}" "${script}" >/dev/null 2>&1 </dev/null & echo $!`], {
        encoding: 'utf8',
      }).trim(),
    );
  const orphan = start(owner);
  const foreign = start('another-app');
  try {
    for (let i = 0; i < 50 && !alive(orphan); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(orphan)).toBe(true);
    const notes: string[] = [];
    const t = new LocalDeploymentTarget({ connectionString: az.connectionString, drainMs: 0, stopTimeoutMs: 2000, log: (_l, m) => notes.push(m) });
    targets.push(t);
    await t.restore();
    const deadline = Date.now() + 5000;
    while (alive(orphan) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(orphan)).toBe(false);
    expect(alive(foreign)).toBe(true); // another app's endpoint is not ours to stop
    expect(notes.join('\n')).toContain(`stopped 1 endpoint process(es) a previous host left behind with no deployment: ${orphan}`);
  } finally {
    for (const pid of [orphan, foreign]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
