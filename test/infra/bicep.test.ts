/**
 * Structural checks of infra/ and azure.yaml that the Bicep compiler does not make (it runs in
 * tools/bicep/check.sh and compiled.test.ts): parameter file and azd hooks in step with main.bicep,
 * GA API versions, secrets, Flex Consumption settings and the dataset Event Grid webhook. Roles are
 * checked against infra/app-calls.json in appCalls.test.ts. Every check is also run on a
 * deliberately broken copy of the files, to show it can fail.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  appBlobSourceSetting,
  appRegistersBlobFunction,
  appSettingValue,
  bicepFiles,
  checkApiVersions,
  checkAzd,
  checkDatasetWebhook,
  checkFunctionApp,
  checkNoSecrets,
  checkParametersFile,
  objectKeys,
  parseBicep,
  stripComments,
  webhookFunctionName,
} from './bicepScan';

const ROOT = path.resolve(__dirname, '..', '..');

type Check = (root: string) => string[];

/** Copies infra/, azure.yaml, package.json and functions/datasets.ts (if any) to a temp repo root. */
function copyRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
  fs.cpSync(path.join(ROOT, 'infra'), path.join(dir, 'infra'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'azure.yaml'), path.join(dir, 'azure.yaml'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  const datasets = path.join(ROOT, 'functions', 'datasets.ts');
  if (fs.existsSync(datasets)) {
    fs.mkdirSync(path.join(dir, 'functions'));
    fs.copyFileSync(datasets, path.join(dir, 'functions', 'datasets.ts'));
  }
  return dir;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

/** Runs `check` on a copy where `file` has `from` replaced by `to`; the edit must apply. */
function problemsAfterEdit(check: Check, file: string, from: string | RegExp, to: string): string[] {
  const dir = copyRepo();
  temps.push(dir);
  const p = path.join(dir, file);
  const before = fs.readFileSync(p, 'utf8');
  const after = before.replace(from, to);
  expect(after).not.toBe(before); // the mutation really happened
  fs.writeFileSync(p, after);
  return check(dir);
}

describe('the Bicep reader itself', () => {
  test('drops comments but keeps strings that contain // (URLs)', () => {
    const code = stripComments("var u = 'https://x/y' // note\n/* block\n */ var z = 1");
    expect(code).toContain("'https://x/y'");
    expect(code).not.toContain('note');
    expect(code).not.toContain('block');
  });

  test('reads top-level object keys, not nested ones, including single-line objects', () => {
    expect(objectKeys("{\n  a: 1\n  b: {\n    c: 2\n  }\n  'd-e': '{'\n}")).toEqual(['a', 'b', 'd-e']);
    expect(objectKeys('{ x: 1, y: { z: 2 } }')).toEqual(['x', 'y']);
  });

  test('finds every declaration in main.bicep (params, modules with their params, outputs)', () => {
    const main = parseBicep(path.join(ROOT, 'infra', 'main.bicep'));
    expect(main.params.map((p) => p.name)).toEqual(expect.arrayContaining(['environmentName', 'location', 'principalId']));
    expect(main.params.find((p) => p.name === 'environmentName')!.optional).toBe(false);
    expect(main.params.find((p) => p.name === 'principalId')!.optional).toBe(true);
    const api = main.modules.find((m) => m.symbol === 'api')!;
    expect(api.path).toBe('app/api.bicep');
    expect(api.params).toEqual(expect.arrayContaining(['identityClientId', 'eventGridTopicEndpoint', 'amlWorkspaceName', 'nodeVersion']));
    expect(main.outputs).toEqual(expect.arrayContaining(['AZURE_FUNCTION_APP_NAME', 'EVENTGRID_TOPIC_ENDPOINT']));
    expect(bicepFiles(path.join(ROOT, 'infra')).length).toBeGreaterThanOrEqual(10);
  });
});

describe('main.parameters.json', () => {
  test('declares only params of main.bicep, covers the required ones, maps azd env values', () => {
    expect(checkParametersFile(ROOT)).toEqual([]);
  });

  test('fails on a parameter main.bicep does not declare', () => {
    expect(
      problemsAfterEdit(
        checkParametersFile,
        'infra/main.parameters.json',
        '"principalId": {',
        '"vnetEnabled": { "value": "${VNET_ENABLED}" },\n    "principalId": {',
      ),
    ).toEqual([expect.stringMatching(/'vnetEnabled' is not a param/)]);
  });

  test('fails when a required param of main.bicep has no value', () => {
    const problems = problemsAfterEdit(
      checkParametersFile,
      'infra/main.bicep',
      "param amlComputeVmSize string = 'Standard_DS3_v2'",
      'param amlComputeVmSize string\nparam amlWorkspaceSku string',
    );
    expect(problems).toEqual([expect.stringMatching(/required param 'amlWorkspaceSku'/)]);
  });

  test('fails when the environment name is not ${AZURE_ENV_NAME}', () => {
    expect(problemsAfterEdit(checkParametersFile, 'infra/main.parameters.json', '${AZURE_ENV_NAME}', 'dev')).toEqual([
      expect.stringMatching(/environmentName/),
    ]);
  });
});

describe('azure.yaml', () => {
  test('service api is a TypeScript function app tagged for azd; hooks exist and read only main.bicep outputs', () => {
    expect(checkAzd(ROOT)).toEqual([]);
  });

  test('fails when a hook reads a value main.bicep does not output', () => {
    expect(problemsAfterEdit(checkAzd, 'infra/main.bicep', /^output DATASETS_SYSTEM_TOPIC_NAME .*$/m, '')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/postdeploy\.sh: reads DATASETS_SYSTEM_TOPIC_NAME/),
        expect.stringMatching(/postdeploy\.ps1: reads DATASETS_SYSTEM_TOPIC_NAME/),
      ]),
    );
  });

  test('fails when the service has no resource tagged azd-service-name', () => {
    expect(problemsAfterEdit(checkAzd, 'infra/main.bicep', "serviceName: 'api'", "serviceName: 'web'")).toEqual([
      expect.stringMatching(/service 'api' has no resource/),
    ]);
  });

  test('fails when a hook script is missing', () => {
    expect(problemsAfterEdit(checkAzd, 'azure.yaml', './infra/hooks/postdeploy.sh', './infra/hooks/post-deploy.sh')).toEqual([
      expect.stringMatching(/post-deploy\.sh' does not exist/),
    ]);
  });
});

describe('API versions', () => {
  test('every resource (and listKeys call) uses a dated GA API version', () => {
    expect(checkApiVersions(ROOT)).toEqual([]);
  });

  test('fails on a preview or missing API version', () => {
    expect(problemsAfterEdit(checkApiVersions, 'infra/core/eventgrid/custom-topic.bicep', '@2025-02-15', '@2025-07-15-preview')).toEqual([
      expect.stringMatching(/not a dated GA/),
    ]);
    expect(
      problemsAfterEdit(
        checkApiVersions,
        'infra/core/storage/storage-account.bicep',
        "'Microsoft.Storage/storageAccounts@2025-06-01' =",
        "'Microsoft.Storage/storageAccounts' =",
      ),
    ).toEqual([expect.stringMatching(/no 'Type@version'/)]);
  });
});

describe('secrets', () => {
  test('no keys, SAS, passwords or key-based connection strings in infra/ or azure.yaml', () => {
    expect(checkNoSecrets(ROOT)).toEqual([]);
  });

  test('fails on a key-based storage connection string built with listKeys()', () => {
    const problems = problemsAfterEdit(
      checkNoSecrets,
      'infra/app/api.bicep',
      'AzureWebJobsStorage__accountName: storage.name',
      "AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'",
    );
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/storage account key/), expect.stringMatching(/storage\.listKeys\(\) reads keys/)]));
  });

  test('fails on listKeys() of anything but the Functions host', () => {
    expect(
      problemsAfterEdit(checkNoSecrets, 'infra/app/dataset-events.bicep', "listKeys('${functionApp.id}/host/default'", "listKeys('${systemTopic.id}'"),
    ).toEqual([expect.stringMatching(/reads keys of something other than the Functions host/)]);
  });

  test('fails on a hard-coded function key in the webhook URL', () => {
    expect(problemsAfterEdit(checkNoSecrets, 'infra/app/dataset-events.bicep', '&code=${blobsExtensionKey}', '&code=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA')).toEqual(
      expect.arrayContaining([expect.stringMatching(/literal function key/)]),
    );
  });

  test('fails when an output exposes the webhook URL with its key', () => {
    expect(
      problemsAfterEdit(
        checkNoSecrets,
        'infra/app/dataset-events.bicep',
        'output subscriptionName string = blobCreated.name',
        'output url string = webhookUrl',
      ),
    ).toEqual([expect.stringMatching(/output exposes a key/)]);
  });
});

describe('function app', () => {
  test('Flex Consumption FC1, Node 22 by default (22 or 24), no always-ready, user-assigned identity, the settings the app reads', () => {
    expect(checkFunctionApp(ROOT)).toEqual([]);
  });

  test('fails on FUNCTIONS_WORKER_RUNTIME (rejected by Flex Consumption)', () => {
    expect(
      problemsAfterEdit(
        checkFunctionApp,
        'infra/app/api.bicep',
        'AUTOML_PROVIDER: automlProvider',
        "AUTOML_PROVIDER: automlProvider\n  FUNCTIONS_WORKER_RUNTIME: 'node'",
      ),
    ).toEqual([expect.stringMatching(/rejects FUNCTIONS_WORKER_RUNTIME/)]);
  });

  test('fails when a setting the app reads is missing or points at the local provider', () => {
    expect(problemsAfterEdit(checkFunctionApp, 'infra/app/api.bicep', /^\s*EVENTGRID_TOPIC_ENDPOINT: .*$/m, '')).toEqual([
      expect.stringMatching(/EVENTGRID_TOPIC_ENDPOINT is missing/),
    ]);
    expect(problemsAfterEdit(checkFunctionApp, 'infra/app/api.bicep', "param deployTarget string = 'azureml'", "param deployTarget string = 'local'")).toEqual([
      expect.stringMatching(/DEPLOY_TARGET is 'local'/),
    ]);
    expect(problemsAfterEdit(checkFunctionApp, 'infra/app/api.bicep', 'DEPLOY_TARGET: deployTarget', "DEPLOY_TARGET: 'local'")).toEqual([
      expect.stringMatching(/DEPLOY_TARGET/),
    ]);
  });

  test('fails on always-ready instances or another Node version', () => {
    expect(
      problemsAfterEdit(checkFunctionApp, 'infra/core/host/functions-flex.bicep', 'alwaysReady: []', "alwaysReady: [{ name: 'http', instanceCount: 1 }]"),
    ).toEqual([expect.stringMatching(/alwaysReady/)]);
    expect(problemsAfterEdit(checkFunctionApp, 'infra/app/api.bicep', "param nodeVersion string = '22'", "param nodeVersion string = '20'")).toEqual([
      expect.stringMatching(/expected node '22'/),
    ]);
    expect(problemsAfterEdit(checkFunctionApp, 'infra/main.bicep', "@allowed(['22', '24'])", "@allowed(['20', '22', '24'])")).toEqual([
      expect.stringMatching(/allow exactly '22' and '24'/),
    ]);
  });
});

describe('dataset Event Grid webhook', () => {
  test('BlobCreated in datasets -> /runtime/webhooks/blobs?functionName=Host.Functions.registerDataset with the blobs_extension key', () => {
    expect(webhookFunctionName(ROOT)).toBe('registerDataset');
    expect(checkDatasetWebhook(ROOT)).toEqual([]);
  });

  test('fails when the webhook targets another function, container or event type', () => {
    expect(problemsAfterEdit(checkDatasetWebhook, 'infra/app/dataset-events.bicep', "= 'registerDataset'", "= 'onDatasetBlob'")).toEqual([
      expect.stringMatching(/targets 'onDatasetBlob'/),
    ]);
    expect(
      problemsAfterEdit(
        checkDatasetWebhook,
        'infra/app/dataset-events.bicep',
        "param datasetsContainerName string = 'datasets'",
        "param datasetsContainerName string = 'uploads'",
      ),
    ).toEqual([expect.stringMatching(/expected 'datasets'/)]);
    expect(
      problemsAfterEdit(checkDatasetWebhook, 'infra/app/dataset-events.bicep', "'Microsoft.Storage.BlobCreated'", "'Microsoft.Storage.BlobDeleted'"),
    ).toEqual([expect.stringMatching(/BlobCreated only/)]);
  });

  test('fails when the datasets container is not created', () => {
    expect(
      problemsAfterEdit(
        checkDatasetWebhook,
        'infra/main.bicep',
        'containers: [deploymentStorageContainerName, datasetsContainerName, registryContainerName]',
        'containers: [deploymentStorageContainerName, registryContainerName]',
      ),
    ).toEqual([expect.stringMatching(/does not create the datasetsContainerName container/)]);
  });

  test('fails when the key is not the blobs_extension system key', () => {
    expect(problemsAfterEdit(checkDatasetWebhook, 'infra/app/dataset-events.bicep', 'systemKeys.blobs_extension', 'functionKeys.default')).toEqual([
      expect.stringMatching(/blobsExtensionKey is/),
    ]);
  });

  const registered = appRegistersBlobFunction(ROOT, 'registerDataset');
  (registered === undefined ? test.skip : test)('functions/datasets.ts registers the blob-triggered function the webhook targets', () => {
    expect(appRegistersBlobFunction(ROOT, webhookFunctionName(ROOT)!)).toBe(true);
  });

  (registered === undefined ? test.skip : test)('the setting functions/datasets.ts reads for its blob source is EventGrid in Azure', () => {
    const setting = appBlobSourceSetting(ROOT);
    expect(setting).toMatch(/^[A-Z_]+$/);
    expect(appSettingValue(ROOT, setting!)).toBe("'EventGrid'");
  });

  test('the cross-checks with functions/datasets.ts fail when the app registers another name or the source setting is unset', () => {
    const dir = copyRepo();
    temps.push(dir);
    fs.mkdirSync(path.join(dir, 'functions'), { recursive: true });
    const fake = path.join(dir, 'functions', 'datasets.ts');
    fs.writeFileSync(
      fake,
      "const s = process.env.DROP_SOURCE?.toLowerCase() === 'eventgrid';\napp.storageBlob('onUpload', { path: 'datasets/{name}', handler });\n",
    );
    expect(appRegistersBlobFunction(dir, webhookFunctionName(dir)!)).toBe(false);
    expect(appBlobSourceSetting(dir)).toBe('DROP_SOURCE');
    expect(appSettingValue(dir, 'DROP_SOURCE')).toBeUndefined();
  });
});
