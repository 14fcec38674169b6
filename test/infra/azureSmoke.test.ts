/**
 * scripts/azure-smoke.js cannot reach Azure from here; what can run does: its help, its refusal
 * outside an azd environment, and its dry run (the plan, with the azd values it would use).
 * PATH holds no `azd` and no `az`, so nothing outside this machine is asked.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './bicepCli';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'azure-smoke.js');
let emptyBin: string;
beforeAll(() => (emptyBin = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-bin-'))));
afterAll(() => fs.rmSync(emptyBin, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { env: { PATH: emptyBin, HOME: os.tmpdir(), ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const AZD = {
  SERVICE_API_URI: 'https://func-api-abc.azurewebsites.net',
  AZURE_STORAGE_ACCOUNT_NAME: 'stabc',
  AZURE_RESOURCE_GROUP: 'rg-dev',
  AZURE_FUNCTION_APP_NAME: 'func-api-abc',
};

describe('azure-smoke', () => {
  test('--help prints the usage and exits 0', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: node scripts\/azure-smoke\.js \[--dry-run\]/);
  });

  test('outside an azd environment it says so and exits 2', () => {
    const r = run(['--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('azure-smoke: not in an azd environment');
    expect(r.stderr).toContain('SERVICE_API_URI, AZURE_STORAGE_ACCOUNT_NAME, AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME');
    expect(r.stderr).toContain('run `azd up`');
  });

  test('--dry-run prints the plan with the environment values and contacts nothing', () => {
    const r = run(['--dry-run', '--name', 'smoke-test'], AZD);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('upload samples/bankmarketing_train.csv to https://stabc.blob.core.windows.net/datasets/smoke-test.csv');
    expect(r.stdout).toContain('GET https://func-api-abc.azurewebsites.net/api/runs/train-smoke-test-v1');
    expect(r.stdout).toContain('POST https://func-api-abc.azurewebsites.net/api/score');
    expect(r.stdout).toContain('az functionapp keys list -g rg-dev -n func-api-abc');
  });

  test('a key given in MLOPS_KEY is used and never printed', () => {
    const r = run(['--dry-run'], { ...AZD, MLOPS_KEY: 'do-not-print-me' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('function key from MLOPS_KEY (not printed)');
    expect(r.stdout + r.stderr).not.toContain('do-not-print-me');
  });

  test('bad arguments get a clear error and exit 2', () => {
    expect(run(['--name', 'Bad Name'], AZD)).toMatchObject({ code: 2, stderr: expect.stringContaining('--name: lowercase letters') });
    expect(run(['--frobnicate'], AZD)).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown argument '--frobnicate'") });
  });

  test('the row it scores is a sample row without its target', () => {
    const { sampleRow } = require(SCRIPT);
    const row = sampleRow();
    expect(row).not.toHaveProperty('y');
    expect(row).toMatchObject({ age: 57, job: 'technician' });
  });
});
