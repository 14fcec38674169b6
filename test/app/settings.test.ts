// The configuration: one list of settings that the parser, the README's reference and the sample file
// agree on; bad values fail with the setting's name; identity-based storage settings are accepted;
// no app module reads the environment itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../src/app/config';
import { SETTINGS } from '../../src/app/settings';
import { README_END, README_START, sampleSettings, settingsMarkdown } from '../../src/app/settingsDoc';

const ROOT = path.resolve(__dirname, '../..');
const BASE = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

describe('the settings reference', () => {
  test('the README section is the one generated from src/app/settings.ts (npm run settings:doc)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf(README_START) + README_START.length, readme.indexOf(README_END)).trim();
    expect(section).toBe(settingsMarkdown());
    for (const s of SETTINGS) expect(section).toContain(`\`${s.name}\``);
  });

  test('local.settings.sample.json holds exactly the sample settings with their defaults', () => {
    const sample = JSON.parse(fs.readFileSync(path.join(ROOT, 'local.settings.sample.json'), 'utf8'));
    expect(sample).toEqual(sampleSettings());
    for (const k of Object.keys(sample.Values)) expect(SETTINGS.map((s) => s.name)).toContain(k);
  });

  test('the defaults parse: an environment with only the storage setting is a valid configuration', () => {
    const c = loadConfig(BASE);
    expect(c.automl.defaults).toEqual({ budgetSeconds: 60, primaryMetric: undefined, seed: 42 });
    expect(c.pipeline).toMatchObject({ testFraction: 0.1, promotionTolerance: 0.002, maxP95Ms: 50, benchRequests: 1000 });
    expect(c.datasets).toMatchObject({ datasetsContainer: 'datasets', registryContainer: 'registry', blobSource: 'LogsAndContainerScan', trainOnUpload: true });
    expect(c.scoring).toMatchObject({ timeoutMs: 30000, maxBodyBytes: 4194304, maxRows: 10000, defaultModel: undefined, publishProfile: false });
    expect(c.deploy).toEqual({ target: 'local', maxServedModels: 20, drainMs: 2000 });
    expect(c.azureml).toBeUndefined();
  });

  test('the AutoML seed has one default: the CLI help and the setting agree', () => {
    const cli = fs.readFileSync(path.join(ROOT, 'src/cli/automl.ts'), 'utf8');
    const seed = SETTINGS.find((s) => s.name === 'AUTOML_SEED')!.default;
    expect(seed).toBe('42');
    expect(cli).not.toMatch(/seed[^\n]*default[^\n]*\b1\b/i);
  });
});

describe('bad settings', () => {
  test.each([
    ['AUTOML_BUDGET_SECONDS', 'abc', /a number >= 1/],
    ['AUTOML_BUDGET_SECONDS', '1e999', /a number/],
    ['BENCHMARK_REQUESTS', '1.5', /an integer/],
    ['PIPELINE_TEST_FRACTION', '0.9', /<= 0.5/],
    ['AUTOML_PROVIDER', 'sagemaker', /one of local \| azureml/],
    ['DATASET_DRIFT_POLICY', 'ignore', /one of warn \| reject/],
    ['TRAIN_ON_UPLOAD', 'maybe', /true \| false/],
    ['DATASETS_REGISTRY_CONTAINER', 'Bad_Name', /container name/],
    ['EVENTGRID_TOPIC_ENDPOINT', 'not a url', /URL/],
    ['SCORING_DEFAULT_MODEL', '../etc', /model/],
  ])('%s=%s fails naming the setting and what it accepts', (name, value, accepts) => {
    const e = configError({ [name]: value });
    expect(e.code).toBe('INVALID_SETTING');
    expect(e.setting).toBe(name);
    expect(e.message).toContain(name);
    expect(e.message).toMatch(accepts);
  });

  test('a secret value is never shown in the message', () => {
    const e = configError({ DATASETS_STORAGE_CONNECTION: 'Other' });
    expect(e.setting).toBe('Other');
    expect(e.message).toMatch(/Other__accountName/);
  });

  test('no storage setting at all fails naming AzureWebJobsStorage', () => {
    expect(() => loadConfig({})).toThrow(/AzureWebJobsStorage/);
  });

  test('the azureml provider needs its workspace settings', () => {
    const e = configError({ AUTOML_PROVIDER: 'azureml' });
    expect(e.setting).toBe('AZUREML_SUBSCRIPTION_ID');
    const ok = loadConfig({
      ...BASE,
      AUTOML_PROVIDER: 'AzureML',
      AZUREML_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
      AZUREML_RESOURCE_GROUP: 'rg',
      AZUREML_WORKSPACE: 'ws',
    });
    expect(ok.automl.provider).toBe('azureml');
    expect(ok.azureml).toMatchObject({ workspace: 'ws', armEndpoint: 'https://management.azure.com', instanceCount: 1 });
  });
});

describe('storage settings', () => {
  test('identity-based settings (as infra/ deploys) are accepted for the app and the datasets storage', () => {
    const c = loadConfig({
      AzureWebJobsStorage__accountName: 'acct',
      AzureWebJobsStorage__credential: 'managedidentity',
      DATASETS_STORAGE_CONNECTION: 'DropZone',
      DropZone__blobServiceUri: 'https://drop.blob.core.windows.net',
    });
    expect(c.storage).toEqual({ appConnection: 'AzureWebJobsStorage', datasetsConnection: 'DropZone' });
  });
});

describe('only the configuration reads the environment', () => {
  // The host keeps its own settings; entry points of child processes read what their parent passes them;
  // the CLI, the demo and the emulators are programs of their own.
  const ALLOWED = [
    /^src\/app\//,
    /^src\/host\//,
    /^src\/cli\//,
    /^src\/demo\//,
    /^src\/client\//,
    /^src\/training\/worker\.ts$/,
    /^src\/deploy\/endpointServer\.ts$/,
  ];

  function files(dir: string): string[] {
    return fs
      .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  }

  test('no module of src/ or functions/ outside src/app reads process.env (defaults passed in are not reads)', () => {
    const offenders: string[] = [];
    for (const f of [...files('src'), ...files('functions')]) {
      const rel = f.split(path.sep).join('/');
      if (ALLOWED.some((r) => r.test(rel))) continue;
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      text.split('\n').forEach((line, i) => {
        // `env = process.env` as a parameter default names the source; it is not a read on its own.
        if (/process\.env\b/.test(line.replace(/=\s*process\.env\b/, '')) && !/^\s*(\/\/|\*)/.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
