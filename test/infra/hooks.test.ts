/**
 * infra/hooks/preprovision.sh run for real against a stand-in for the Azure CLI (the cloud API it
 * calls cannot be reached here): a script named `az` answering the few commands the hook makes
 * with what the real CLI prints (-o tsv), from the scenario in its environment. PATH holds only
 * that stand-in and the POSIX tools the hook uses.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './bicepCli';

const HOOK = path.join(REPO_ROOT, 'infra', 'hooks', 'preprovision.sh');
const FAKE_AZ = `#!/bin/sh
case "$*" in
  "account show --only-show-errors -o none") exit "\${FAKE_AZ_SIGNED_OUT:-0}" ;;
  "account show --query id -o tsv") echo 00000000-0000-0000-0000-000000000001 ;;
  "functionapp list-flexconsumption-locations"*) printf '%b\\n' "$FAKE_AZ_FLEX" ;;
  "functionapp list-flexconsumption-runtimes"*) printf '%b\\n' "$FAKE_AZ_NODE" ;;
  "provider show --namespace Microsoft.MachineLearningServices"*) printf '%b\\n' "$FAKE_AZ_ML" ;;
  *"/vmSizes?"*) printf '%b\\n' "$FAKE_AZ_SIZES" ;;
  *"/usages?"*) printf '%b\\n' "$FAKE_AZ_USAGES" ;;
  *) echo "fake az: unexpected: $*" >&2; exit 9 ;;
esac
`;

let bin: string;
beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'hook-bin-'));
  for (const tool of ['sh', 'tr', 'awk', 'grep', 'cat']) {
    const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
});
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

const GOOD = {
  AZURE_LOCATION: 'eastus2',
  AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
  FAKE_AZ_FLEX: 'East US 2\\nSweden Central',
  FAKE_AZ_NODE: '22\\n24',
  FAKE_AZ_ML: 'East US\\nEast US 2\\nSweden Central',
  FAKE_AZ_SIZES: 'Standard_DS3_v2\\tstandardDSv2Family\\t4\\nStandard_E4s_v3\\tstandardESv3Family\\t4',
  FAKE_AZ_USAGES: 'standardDSv2Family\\t0\\t100\\nstandardESv3Family\\t0\\t4\\ntotalLowPriorityCores\\t0\\t100',
};

function run(env: Record<string, string>, withAz = true) {
  if (withAz) fs.writeFileSync(path.join(bin, 'az'), FAKE_AZ, { mode: 0o755 });
  else fs.rmSync(path.join(bin, 'az'), { force: true });
  const r = spawnSync(path.join(bin, 'sh'), [HOOK], { env: { PATH: bin, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('preprovision hook', () => {
  test('passes when the region has Flex Consumption, Node 22, Azure ML, the sizes and the quota', () => {
    const r = run(GOOD);
    expect(r.out).toContain('all checks passed');
    // 4 nodes x 4 vCPUs + 2 deployments x ceil(1 x 1.2) x 4 vCPUs, same family
    expect(r.out).toContain('quota standardDSv2Family: 100 vCPUs free, 32 needed');
    expect(r.code).toBe(0);
  });

  test('says how to install the CLI when az is missing, and how to sign in when it is signed out', () => {
    expect(run(GOOD, false)).toEqual({ code: 2, out: expect.stringContaining('the Azure CLI (az) is required') });
    expect(run({ ...GOOD, FAKE_AZ_SIGNED_OUT: '1' })).toEqual({ code: 2, out: expect.stringContaining("not signed in: run 'az login'") });
  });

  test('fails clearly on a region without Flex Consumption, without Azure ML, or without the Node version', () => {
    expect(run({ ...GOOD, AZURE_LOCATION: 'eastus' })).toEqual({
      code: 1,
      out: expect.stringMatching(/region 'eastus' does not offer Flex Consumption; pick one of: eastus2 swedencentral/),
    });
    expect(run({ ...GOOD, FAKE_AZ_ML: 'East US' })).toEqual({
      code: 1,
      out: expect.stringContaining("region 'eastus2' does not offer Azure Machine Learning workspaces"),
    });
    expect(run({ ...GOOD, FUNCTION_NODE_VERSION: '20' })).toEqual({
      code: 1,
      out: expect.stringMatching(/offers Node 22 24 but not 20: set FUNCTION_NODE_VERSION/),
    });
    expect(run({ ...GOOD, AZURE_LOCATION: '' })).toEqual({
      code: 1,
      out: expect.stringContaining("AZURE_LOCATION is not set: run 'azd env set AZURE_LOCATION"),
    });
  });

  test('fails clearly on a VM size the region lacks or on quota short of what the compute and endpoints need', () => {
    expect(run({ ...GOOD, AZUREML_COMPUTE_VM_SIZE: 'Standard_NC6' })).toEqual({
      code: 1,
      out: expect.stringContaining('does not offer Standard_NC6 for compute clusters: set AZUREML_COMPUTE_VM_SIZE'),
    });
    expect(run({ ...GOOD, FAKE_AZ_USAGES: 'standardDSv2Family\\t4\\t24' })).toEqual({
      code: 1,
      out: expect.stringContaining(
        "quota standardDSv2Family in 'eastus2': 20 vCPUs free, the AutoML cluster (4 x Standard_DS3_v2) and two deployments of 1 x Standard_DS3_v2 (+20%) needs 32",
      ),
    });
    // Endpoints on another family: each family is checked for its own need (2 x ceil(3 x 1.2) x 4 = 32 > 4).
    expect(run({ ...GOOD, AZUREML_INSTANCE_TYPE: 'Standard_E4s_v3', AZUREML_INSTANCE_COUNT: '3' })).toEqual({
      code: 1,
      out: expect.stringContaining('quota standardESv3Family'),
    });
  });

  test('can be skipped explicitly', () => {
    expect(run({ MLOPS_SKIP_PREFLIGHT: '1' }, false)).toEqual({ code: 0, out: expect.stringContaining('skipped') });
  });
});
