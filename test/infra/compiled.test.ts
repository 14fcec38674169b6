/**
 * Checks on the ARM templates the real Bicep compiler makes of infra/ (bash tools/bicep/check.sh
 * restores it; CI always has it). Without the compiler these tests are skipped, and
 * bicep.test.ts's text checks stand in for them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { calledFunctions, isCall, parseValue, render } from './armExpr';
import { appSettings, moduleDeployment, moduleParam, readsSecrets, resources } from './armTemplate';
import { bicepBin, compile, REPO_ROOT } from './bicepCli';
import { checkAzd, REQUIRED_APP_SETTINGS } from './bicepScan';

const compiler = bicepBin();
const maybe = compiler ? describe : describe.skip;
const temps: string[] = [];
afterAll(() => temps.forEach((t) => fs.rmSync(t, { recursive: true, force: true })));

const mainOf = (root = REPO_ROOT) => compile(path.join(root, 'infra', 'main.bicep'));

/** Setting names that would say "this is a secret"; the App Insights connection string is checked on its own. */
const SECRET_NAME = /KEY\b|KEY_|SECRET|PASSWORD|PWD|SAS|TOKEN|CONNECTION_?STRING|^AzureWebJobsStorage$/i;

/** Problems with the app settings of a compiled main template: secrets in names or values, missing or wrong settings. */
function settingProblems(main: Record<string, any>): string[] {
  const problems: string[] = [];
  const settings = appSettings(main);
  for (const k of REQUIRED_APP_SETTINGS) if (!settings.has(k)) problems.push(`${k} is missing`);
  for (const [name, value] of settings) {
    const text = render(value);
    if (readsSecrets(value)) problems.push(`${name} is computed by a list*() call: ${text}`);
    if (/AccountKey=|SharedAccessKey=|SharedAccessSignature=|[?&]sig=|[?&]code=/i.test(text)) problems.push(`${name} holds a key: ${text}`);
    if (SECRET_NAME.test(name) && name !== 'APPLICATIONINSIGHTS_CONNECTION_STRING') problems.push(`${name} is named like a secret`);
  }
  // The App Insights connection string is read from the component (no listKeys), whose local auth is off.
  const ai = settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING');
  if (
    ai &&
    !(ai.kind === 'prop' && ai.name === 'ConnectionString' && isCall(ai.target, 'reference') && /Microsoft\.Insights\/components/.test(render(ai.target)))
  ) {
    problems.push(`APPLICATIONINSIGHTS_CONNECTION_STRING is ${render(ai)}, not the component's ConnectionString property`);
  }
  const auth = settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING');
  if (!auth || !/Authorization=AAD/.test(render(auth)) || !/ClientId=/.test(render(auth)))
    problems.push(`APPLICATIONINSIGHTS_AUTHENTICATION_STRING is ${auth && render(auth)}, expected ClientId=...;Authorization=AAD`);
  // A setting from a parameter of the api module gets what main passes, down to main's own default.
  const api = moduleDeployment(main, 'api');
  const literal = (k: string): string | undefined => {
    const v = settings.get(k);
    if (v?.kind === 'string') return v.value;
    if (v && isCall(v, 'parameters') && v.args[0].kind === 'string') {
      const passed = api.properties.parameters?.[v.args[0].value]?.value;
      const e = typeof passed === 'string' ? parseValue(passed) : undefined;
      if (e?.kind === 'string') return e.value;
      if (e && isCall(e, 'parameters') && e.args[0].kind === 'string') return main.parameters?.[e.args[0].value]?.defaultValue;
      return api.properties.template.parameters?.[v.args[0].value]?.defaultValue;
    }
    return v && render(v);
  };
  for (const [k, v] of Object.entries({
    AUTOML_PROVIDER: 'azureml',
    DEPLOY_TARGET: 'azureml',
    AzureWebJobsStorage__credential: 'managedidentity',
    DATASETS_BLOB_SOURCE: 'EventGrid',
  })) {
    if (settings.has(k) && literal(k) !== v) problems.push(`${k} is ${literal(k)}, expected ${v}`);
  }
  return problems;
}

maybe('compiled ARM template (real Bicep compiler)', () => {
  test('the function app settings: every one the app reads, none a key or connection secret', () => {
    expect(settingProblems(mainOf())).toEqual([]);
    const settings = appSettings(mainOf());
    // The identity settings the SDK clients use; the values trace to the identity module.
    expect(render(settings.get('AZURE_CLIENT_ID')!)).toBe("parameters('identityClientId')");
    expect(moduleParam(mainOf(), 'api', 'identityClientId')).toMatch(/'apiIdentity'.*outputs\.clientId\.value/);
    expect(render(settings.get('AZUREML_INSTANCE_COUNT')!)).toBe("string(parameters('amlInstanceCount'))");
  });

  test('the settings check fails on a key-based setting', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compiled-'));
    temps.push(dir);
    fs.cpSync(path.join(REPO_ROOT, 'infra'), path.join(dir, 'infra'), { recursive: true });
    const api = path.join(dir, 'infra', 'app', 'api.bicep');
    fs.writeFileSync(
      api,
      fs
        .readFileSync(api, 'utf8')
        .replace(
          'AZURE_CLIENT_ID: identityClientId',
          "AZURE_CLIENT_ID: identityClientId\n  AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'",
        ),
    );
    expect(settingProblems(mainOf(dir))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AzureWebJobsStorage is computed by a list\*\(\) call/),
        expect.stringMatching(/^AzureWebJobsStorage is named like a secret/),
      ]),
    );
  });

  test('the providers default to Azure ML and can be set to local through azd', () => {
    const main = mainOf();
    for (const p of ['automlProvider', 'deployTarget'])
      expect(main.parameters[p]).toMatchObject({ defaultValue: 'azureml', allowedValues: ['azureml', 'local'] });
    expect(render(appSettings(main).get('AUTOML_PROVIDER')!)).toBe("parameters('automlProvider')");
    expect(moduleParam(main, 'api', 'automlProvider')).toBe("parameters('automlProvider')");
  });

  test('Node 22 by default, 24 allowed, passed through to the site runtime', () => {
    const main = mainOf();
    expect(main.parameters.functionNodeVersion).toMatchObject({ defaultValue: '22', allowedValues: ['22', '24'] });
    expect(moduleParam(main, 'api', 'nodeVersion')).toBe("parameters('functionNodeVersion')");
    const api = moduleDeployment(main, 'api').properties.template;
    expect(moduleParam(api, 'functions-flex', 'runtimeVersion')).toBe("parameters('nodeVersion')");
    expect(moduleParam(api, 'functions-flex', 'runtimeName')).toBe("'node'");
    const flex = moduleDeployment(api, 'functions-flex').properties.template;
    const site = resources(flex).find((r: any) => r.type === 'Microsoft.Web/sites');
    expect(site.properties.functionAppConfig.runtime).toEqual({ name: "[parameters('runtimeName')]", version: "[parameters('runtimeVersion')]" });
    const plan = resources(flex).find((r: any) => r.type === 'Microsoft.Web/serverfarms');
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
  });

  test('Application Insights has local auth off, the Event Grid topic and the app storage accept no keys', () => {
    const main = mainOf();
    const mon = resources(moduleDeployment(main, 'monitoring').properties.template).find((r: any) => r.type === 'Microsoft.Insights/components');
    expect(mon.properties.DisableLocalAuth).toBe(true);
    const topic = resources(moduleDeployment(main, 'eventsTopic').properties.template).find((r: any) => r.type === 'Microsoft.EventGrid/topics');
    expect(topic.properties.disableLocalAuth).toBe(true);
    const st = resources(moduleDeployment(main, 'storage').properties.template).find((r: any) => r.type === 'Microsoft.Storage/storageAccounts');
    expect(st.properties.allowSharedKeyAccess).toBe(false);
  });

  test('no output of any template is computed from keys', () => {
    const offenders: string[] = [];
    const walk = (tpl: Record<string, any>, where: string) => {
      for (const [name, o] of Object.entries<any>(tpl.outputs ?? {})) {
        if (typeof o.value === 'string' && calledFunctions(parseValue(o.value)).some((f) => f.startsWith('list'))) offenders.push(`${where}.${name}`);
      }
      for (const r of resources(tpl)) {
        if ((r as any).type === 'Microsoft.Resources/deployments') walk((r as any).properties.template, `${where}/${(r as any).name}`);
      }
    };
    walk(mainOf(), 'main');
    walk(compile(path.join(REPO_ROOT, 'infra', 'app', 'dataset-events.bicep')), 'dataset-events');
    expect(offenders).toEqual([]);
  });

  test('every variable the azd hooks read is an output of the compiled template (or an azd/parameter-file value)', () => {
    const outputs = Object.keys(mainOf().outputs);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'AZURE_RESOURCE_GROUP',
        'AZURE_FUNCTION_APP_NAME',
        'DATASETS_SYSTEM_TOPIC_NAME',
        'SERVICE_API_URI',
        'AZURE_STORAGE_ACCOUNT_NAME',
      ]),
    );
    expect(checkAzd(REPO_ROOT, outputs)).toEqual([]);
    expect(
      checkAzd(
        REPO_ROOT,
        outputs.filter((o) => o !== 'DATASETS_SYSTEM_TOPIC_NAME'),
      ),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/postdeploy\.sh: reads DATASETS_SYSTEM_TOPIC_NAME/)]));
  });

  test('the dataset webhook subscription reads the blobs_extension key of the function app host', () => {
    const tpl = compile(path.join(REPO_ROOT, 'infra', 'app', 'dataset-events.bicep'));
    const sub = resources(tpl).find((r: any) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
    const url = render(parseValue(sub.properties.destination.properties.endpointUrl));
    expect(url).toMatch(/^format\('https:\/\/\{0\}\/runtime\/webhooks\/blobs\?functionName=Host\.Functions\.\{1\}&code=\{2\}'/);
    expect(url).toContain("listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', parameters('functionAppName')))");
    expect(url).toContain('.systemKeys.blobs_extension');
    expect(sub.properties.filter.includedEventTypes).toEqual(['Microsoft.Storage.BlobCreated']);
  });
});
