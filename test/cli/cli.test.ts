/**
 * The `mlops` CLI as a user runs it (bin/mlops.js in a child process), against the real app in the
 * embedded host on a private Azurite: help first on every command, exit codes 0/1/2, --json output,
 * keys by kind, upload to the stack's storage (and never to local storage for a remote --url), a real
 * short training run followed with `train --follow`, cancel and terminate through the Durable API, and
 * promote / rollback / retire / artifacts / score on fixture models registered in the registry.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalDeploymentTarget } from '../../src/deploy/local';
import { pidAlive } from '../../src/supervisor/process';
import { COMMANDS, runCli } from '../../src/cli/index';
import { REPO_ROOT } from '../support/host';
import { CliResult, startStack, Stack } from './stack';

jest.setTimeout(120000);

const SAMPLE = fs
  .readFileSync(path.join(REPO_ROOT, 'samples', 'bankmarketing_train.csv'), 'utf8')
  .trimEnd()
  .split('\n');
const header = SAMPLE[0].split(',');
/** The README's example row: the sample's first data row without the target. */
const ROW: Record<string, string | number> = Object.fromEntries(
  header
    .map((h, i) => [h, SAMPLE[1].split(',')[i]] as const)
    .filter(([h]) => h !== 'y')
    .map(([h, v]) => [h, Number.isFinite(Number(v)) ? Number(v) : v]),
);

let stack: Stack;
let dir: string;
const savedEnv = { ...process.env };

/** The commands in this process (fast); `bin` below runs bin/mlops.js in a child process, as a user does. */
async function cli(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  try {
    const code = await runCli(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
const bin = (...args: string[]) => stack.cli(args, { timeoutMs: 110000 });
const json = (r: CliResult) => {
  try {
    return JSON.parse(r.out);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.out}\n${r.err}`);
  }
};
const ndjson = (r: CliResult) =>
  r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-cli-test-'));
  fs.writeFileSync(path.join(dir, 'small.csv'), [SAMPLE[0], ...SAMPLE.slice(1, 301)].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'notarget.csv'), [SAMPLE[0].replace(/,y$/, ',outcome'), ...SAMPLE.slice(1, 31)].join('\n') + '\n');
  stack = await startStack({
    TRAIN_ON_UPLOAD: 'false',
    AUTOML_POLL_SECONDS: '0.3',
    BENCHMARK_REQUESTS: '20',
    BENCHMARK_CONCURRENCY: '2',
    BENCHMARK_MAX_P95_MS: '10000',
    MLOPS_BLOB_SCAN_INTERVAL_MS: '300',
  });
  // In-process commands see what a shell pointed at the stack has.
  for (const k of Object.keys(process.env)) if (!(k in stack.env)) delete process.env[k];
  Object.assign(process.env, stack.env);
});

afterAll(async () => {
  process.env = savedEnv;
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('help, version and usage errors', () => {
  test('top-level help describes every command; --version; no command or an unknown one exits 2', async () => {
    const help = await bin('--help');
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.out).toMatch(new RegExp(`^  ${c.name} +\\S.{10,}`, 'm'));
    expect(help.out).toContain('exit codes: 0 ok, 1 the request or run failed, 2 usage or input error');
    const version = await bin('--version');
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe(`mlops-functions ${JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version}`);
    expect((await bin()).code).toBe(2);
    const unknown = await bin('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
  });

  test.each(COMMANDS.map((c) => c.name))('%s: --help and -h first (exit 0, usage with positionals, --json), unknown options exit 2', async (name) => {
    for (const flag of ['--help', '-h']) {
      const r = await cli(name, flag);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: mlops ${name}\\b`));
      expect(r.out).toContain('--json');
      expect(r.out).toContain('exit codes: 0 ok');
    }
    // Help wins over missing required arguments and over other (even bad) options.
    expect((await cli(name, '--nonsense', '--help')).code).toBe(0);
    const bad = await cli(name, '--nonsense');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown option --nonsense');
    expect(bad.out).toBe('');
  });

  test('positionals appear in the usage line; required ones missing exit 2', async () => {
    expect((await cli('train', '--help')).out).toMatch(/^usage: mlops train DATASET \[options\]/);
    expect((await cli('artifacts', '--help')).out).toMatch(/^usage: mlops artifacts MODEL VERSION \[options\]/);
    expect((await cli('rollback', '--help')).out).toMatch(/^usage: mlops rollback MODEL \[VERSION\] \[options\]/);
    const missing = await cli('logs', '--json');
    expect(missing.code).toBe(2);
    expect(json(missing).error).toEqual({ code: 'USAGE', message: 'RUN is required' });
    expect((await cli('promote', 'm', 'x')).code).toBe(2);
  });

  test('train lists and validates the run API values before sending anything', async () => {
    const help = (await cli('train', '--help')).out;
    for (const v of ['AUC_weighted', 'r2_score', 'spearman_correlation', 'gbdt', 'extra_trees', 'binary', 'regression', '1-86400', '2-20'])
      expect(help).toContain(v);
    for (const args of [
      ['--cv-folds', '1'],
      ['--primary-metric', 'auc'],
      ['--allowed-learners', 'gbdt,xgboost'],
      ['--budget-seconds', 'soon'],
      ['--seed', '-1'],
      ['--task', 'ranking'],
    ]) {
      const r = await cli('train', 'small', ...args, '--url', 'http://127.0.0.1:9');
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
    }
  });
});

describe('against a running stack', () => {
  test("upload: to the stack's storage, --wait reports the registration or the rejection; a remote --url never uploads locally", async () => {
    const ok = await bin('upload', path.join(dir, 'small.csv'), '--target', 'y', '--wait', '--json');
    expect(ok.code).toBe(0);
    expect(json(ok)).toMatchObject({
      dataset: 'small',
      blob: 'datasets/small.csv',
      target: 'y',
      registration: { status: 'registered', rows: 300, target: 'y' },
    });
    const rejected = await cli('upload', '--file', path.join(dir, 'notarget.csv'), '--wait');
    expect(rejected.code).toBe(1);
    expect(rejected.out).toContain('rejected: TARGET_MISSING');
    const remote = await cli('upload', path.join(dir, 'small.csv'), '--name', 'remote-only', '--url', 'https://mlops-app.example.invalid');
    expect(remote.code).toBe(2);
    expect(remote.err).toContain('--account-url');
    const blobs = BlobServiceClient.fromConnectionString(stack.connectionString).getContainerClient('datasets');
    expect(await blobs.getBlobClient('remote-only.csv').exists()).toBe(false);
    expect((await cli('upload', path.join(dir, 'missing.csv'))).code).toBe(2);
    expect((await cli('upload', path.join(dir, 'small.csv'), '--account-url', 'http://insecure.example')).code).toBe(2);

    const list = json(await cli('datasets', '--json'));
    expect(list.datasets.map((d: any) => [d.name, d.status])).toEqual(
      expect.arrayContaining([
        ['small', 'registered'],
        ['notarget', 'rejected'],
      ]),
    );
    const one = await cli('datasets', 'notarget');
    expect(one.code).toBe(0);
    expect(one.out).toContain('TARGET_MISSING');
  });

  test('train --follow streams a real run to its decision (exit 0); logs, run and runs show it', async () => {
    const r = await bin(
      'train',
      'small',
      '--budget-seconds',
      '20',
      '--max-trials',
      '2',
      '--cv-folds',
      '3',
      '--seed',
      '7',
      '--allowed-learners',
      'gbdt,logistic_regression',
      '--follow',
      '--json',
    );
    const events = ndjson(r);
    const end = events[events.length - 1];
    expect({ code: r.code, end }).toEqual({ code: 0, end: expect.objectContaining({ runtimeStatus: 'Completed' }) });
    expect(end).toMatchObject({ type: 'end', runId: 'train-small-v1', runtimeStatus: 'Completed', decision: { promoted: true } });
    expect(events.filter((e) => e.type === 'phase').map((e) => e.phase)).toEqual([
      'queued',
      'prepare',
      'automl',
      'register',
      'deploy',
      'benchmark',
      'decide',
      'completed',
    ]);
    const run = json(await cli('run', 'train-small-v1', '--json'));
    expect(run.automl).toMatchObject({ primaryMetric: 'AUC_weighted' });
    expect(run.automl.trials).toBeLessThanOrEqual(2);
    const logs = await cli('logs', 'train-small-v1');
    expect(logs.code).toBe(0);
    expect(logs.out).toMatch(/automl/);
    expect(logs.out).toContain('run train-small-v1 Completed: PROMOTED small v1');
    expect(json(await cli('runs', '--json')).runs.map((x: any) => x.runId)).toContain('train-small-v1');
    expect((await cli('run', 'train-nope-v1')).code).toBe(1);
    const missing = await cli('train', 'nope', '--json');
    expect(missing.code).toBe(1);
    expect(json(missing).error.code).toBe('DATASET_NOT_FOUND');
  });

  test('cancel stops a running run with its clean-up and waits for it; terminate is immediate; both exit 1 on an ended or unknown run', async () => {
    const started = await cli('train', 'small', '--run-id', 'cancel-me', '--budget-seconds', '30', '--max-trials', '2', '--json');
    expect(json(started)).toEqual({ runId: 'cancel-me', dataset: 'small' });
    const cancelled = await cli('cancel', 'cancel-me', '--reason', 'wrong budget', '--json');
    expect(cancelled.code).toBe(0);
    // The run stopped through its own clean-up: it ends Failed with RUN_CANCELLED and the reason.
    expect(json(cancelled)).toMatchObject({
      runId: 'cancel-me',
      runtimeStatus: 'Failed',
      cancelled: true,
      error: { code: 'RUN_CANCELLED', message: expect.stringContaining('wrong budget') },
    });
    expect(json(await cli('run', 'cancel-me', '--json'))).toMatchObject({ phase: 'failed', error: { code: 'RUN_CANCELLED' } });
    const badBody = await fetch(`${stack.host.baseUrl}/api/runs/cancel-me/cancel`, {
      method: 'POST',
      headers: { 'x-functions-key': stack.host.hostKey, 'content-type': 'application/json' },
      body: JSON.stringify({ why: 1 }),
    });
    expect(badBody.status).toBe(400);
    expect(((await badBody.json()) as any).error.code).toBe('INVALID_REQUEST');
    const again = await cli('cancel', 'cancel-me');
    expect(again.code).toBe(1);
    expect(again.err).toContain('RUN_ENDED');

    await cli('train', 'small', '--run-id', 'terminate-me', '--budget-seconds', '30', '--max-trials', '2');
    const t = await cli('terminate', 'terminate-me', '--reason', 'test', '--json');
    expect(t.code).toBe(0);
    expect(json(t)).toEqual({ runId: 'terminate-me', requested: 'terminate', reason: 'test' });
    const follow = await cli('logs', 'terminate-me', '--follow', '--json');
    expect(follow.code).toBe(1);
    expect(ndjson(follow).pop()).toMatchObject({ type: 'end', runtimeStatus: 'Terminated' });
    expect((await cli('terminate', 'terminate-me')).err).toContain('RUN_ENDED');
    const unknown = await cli('terminate', 'no-such-run');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('RUN_NOT_FOUND');
    // A function key does not open the Durable API.
    expect((await cli('terminate', 'no-such-run', '--system-key', stack.host.hostKey)).err).toContain('UNAUTHORIZED');
  });

  test("keys: host, a function's own, system and master keys, as a table, --json and --value", async () => {
    await stack.host.refreshKeys();
    const all = json(await cli('keys', '--all', '--json'));
    const find = (kind: string, name: string, fn?: string) => all.keys.find((k: any) => k.kind === kind && k.name === name && k.function === fn)?.value;
    expect(find('host', 'default')).toBe(stack.host.hostKey);
    expect(find('master', 'master')).toBe(stack.host.masterKey);
    expect(find('system', 'durabletask_extension')).toBe(stack.host.systemKey('durabletask_extension'));
    expect(find('function', 'default', 'score')).toBe(stack.host.functionKey('score'));
    expect(find('function', 'default', 'scoreModel')).toBe(stack.host.functionKey('scoreModel'));
    expect((await bin('keys', '--function', 'score', '--value')).out.trim()).toBe(stack.host.functionKey('score'));
    expect((await cli('keys', '--system', '--value')).out.trim()).toBe(stack.host.systemKey('durabletask_extension'));
    const table = await cli('keys');
    expect(table.code).toBe(0);
    expect(table.out).toContain(stack.host.hostKey);
    expect(table.out).not.toContain(stack.host.masterKey);
    expect((await cli('keys', '--function', 'noSuchFunction')).code).toBe(1);
    // A remote app's keys come from its key API with the master key; a host key is refused (exit 1).
    const remote = await cli('keys', '--system', '--json', '--key', stack.host.masterKey);
    expect(json(remote).keys.map((k: any) => k.name)).toContain('durabletask_extension');
    expect((await cli('keys', '--key', stack.host.hostKey)).code).toBe(1);
  });

  test('promote, rollback, retire, models, artifacts and score --model on registered versions', async () => {
    expect(await stack.registerFixture('fixture', 1)).toBe(1);
    expect(await stack.registerFixture('fixture', 2)).toBe(2);
    const p1 = await cli('promote', 'fixture', '1', '--json');
    expect(p1.code).toBe(0);
    expect(json(p1)).toMatchObject({ model: 'fixture', version: 1, deployment: 'fixture-v1' });
    const s1 = await bin('score', '--model', 'fixture', '--row', JSON.stringify(ROW));
    expect(s1.code).toBe(0);
    expect(s1.out).toMatch(/^\{"result":\["(yes|no)"\]\} \(model fixture v1\)\n$/);
    // Two models are served now (small and fixture): /api/score needs a model.
    const s0 = await cli('score', '--row', JSON.stringify(ROW), '--json');
    expect(s0.code).toBe(1);
    expect(json(s0).error.code).toBe('MODEL_REQUIRED');

    expect(json(await cli('promote', 'fixture', '2', '--json'))).toMatchObject({ version: 2, previous: 'fixture-v1' });
    const models = json(await cli('models', '--json'));
    expect(models.champions).toEqual(
      expect.arrayContaining([expect.objectContaining({ model: 'fixture', version: 2, scoringRoute: '/api/models/fixture/score' })]),
    );
    expect(models.models.filter((m: any) => m.name === 'fixture').map((m: any) => [m.version, m.status])).toEqual([
      [1, 'retired'],
      [2, 'champion'],
    ]);
    const text = await cli('models');
    expect(text.out).toMatch(/fixture\s+2\s+champion/);

    const back = await cli('rollback', 'fixture', '--json');
    expect(back.code).toBe(0);
    expect(json(back)).toMatchObject({ version: 1, deployment: 'fixture-v1' });
    expect(json(await cli('models', 'fixture', '--json')).champion).toMatchObject({ version: 1 });
    expect((await cli('promote', 'fixture', '9')).err).toContain('MODEL_NOT_FOUND');

    const out = path.join(dir, 'artifacts');
    const a = await cli('artifacts', 'fixture', '2', '--out', out, '--json');
    expect(a.code).toBe(0);
    expect(
      json(a)
        .files.map((f: any) => f.name)
        .sort(),
    ).toEqual(['leaderboard.json', 'metrics.json', 'model-card.md', 'model.onnx', 'pipeline.json']);
    expect(fs.readFileSync(path.join(out, 'model-card.md'), 'utf8')).toBe('# fixture (fixture)\n');
    expect((await cli('artifacts', 'fixture', '7')).code).toBe(1);

    const bench = await cli('bench', '--model', 'fixture', '--requests', '20', '--concurrency', '2', '--row', JSON.stringify(ROW), '--json');
    expect(bench.code).toBe(0);
    expect(json(bench)).toMatchObject({ requested: 20, completed: 20, errors: 0, non2xx: 0 });

    // One deployment that is not a champion (as a challenger left running would be), made beside the stack.
    const beside = new LocalDeploymentTarget({ connectionString: stack.connectionString, drainMs: 0, stopTimeoutMs: 5000 });
    try {
      const extra = await beside.deploy({ name: 'fixture-extra', modelName: 'fixture', modelVersion: 2 });
      const r1 = await cli('retire', 'fixture-extra', '--json');
      expect(r1.code).toBe(0);
      expect(json(r1)).toEqual({ deployment: 'fixture-extra', retired: 'fixture-extra', alreadyRetired: false });
      for (let i = 0; i < 100 && pidAlive(extra.pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(pidAlive(extra.pid)).toBe(false);
      expect(json(await cli('retire', 'fixture-extra', '--deployment', '--json'))).toMatchObject({ alreadyRetired: true });
      const champ = await cli('retire', 'fixture-v1', '--deployment');
      expect(champ.code).toBe(1);
      expect(champ.err).toContain('DEPLOYMENT_IS_CHAMPION');
      expect((await cli('retire', 'nope-v1', '--deployment')).err).toContain('DEPLOYMENT_NOT_FOUND');
      expect((await cli('retire', 'fixture', '--model', '--deployment')).code).toBe(2);
      expect(json(await cli('models', 'fixture', '--json')).champion).toMatchObject({ version: 1 });
    } finally {
      await beside.close();
    }

    const retired = await cli('retire', 'fixture', '--json');
    expect(json(retired)).toEqual({ model: 'fixture', retired: 'fixture-v1' });
    const after = await cli('score', '--model', 'fixture', '--row', JSON.stringify(ROW));
    expect(after.code).toBe(1);
    expect(after.err).toMatch(/MODEL_NOT_FOUND|NO_MODEL/);
    // The one model left is the default of /api/score again.
    expect((await cli('score', '--row', JSON.stringify({ ...ROW }), '--proba')).code).toBe(0);
  });

  test('a wrong key is exit 1 with UNAUTHORIZED; an unreachable app is exit 1 with UNREACHABLE', async () => {
    const bad = await cli('models', '--key', 'not-a-key', '--json');
    expect(bad.code).toBe(1);
    expect(json(bad).error.code).toBe('UNAUTHORIZED');
    const down = await cli('runs', '--url', 'http://127.0.0.1:9');
    expect(down.code).toBe(1);
    expect(down.err).toContain('UNREACHABLE');
  });
});
