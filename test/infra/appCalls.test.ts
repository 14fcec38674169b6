/**
 * Every call the app makes to Azure (infra/app-calls.json) is granted to the function app's managed
 * identity by a role assignment on the right resource: checked on the compiled ARM template when
 * the Bicep CLI is restored (bash tools/bicep/check.sh; CI does), else on the Bicep text.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { moduleParam, roleAssignments } from './armTemplate';
import { actionMatches, AppCalls, checkAppCalls, loadAppCalls, moduleParamFromBicep, roleAssignmentsFromBicep, roleGrants } from './appCalls';
import { bicepBin, compile, REPO_ROOT } from './bicepCli';
import { BUILTIN_ROLES } from './bicepScan';

const compiler = bicepBin();
const temps: string[] = [];
afterAll(() => temps.forEach((t) => fs.rmSync(t, { recursive: true, force: true })));

function copyInfra(edit?: { file: string; from: string | RegExp; to: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-calls-'));
  temps.push(dir);
  fs.cpSync(path.join(REPO_ROOT, 'infra'), path.join(dir, 'infra'), { recursive: true });
  if (edit) {
    const p = path.join(dir, edit.file);
    const before = fs.readFileSync(p, 'utf8');
    const after = before.replace(edit.from, edit.to);
    expect(after).not.toBe(before);
    fs.writeFileSync(p, after);
  }
  return dir;
}

function problemsFromText(root: string, spec: AppCalls = loadAppCalls(root)): string[] {
  return checkAppCalls(spec, roleAssignmentsFromBicep(root), moduleParamFromBicep(root));
}

function problemsFromCompiled(root: string, spec: AppCalls = loadAppCalls(root)): string[] {
  const main = compile(path.join(root, 'infra', 'main.bicep'));
  return checkAppCalls(spec, roleAssignments(main), (m, p) => moduleParam(main, m, p));
}

describe('Azure RBAC wildcards', () => {
  test('match as Azure documents them', () => {
    expect(actionMatches('Microsoft.MachineLearningServices/workspaces/*/read', 'Microsoft.MachineLearningServices/workspaces/jobs/read')).toBe(true);
    expect(actionMatches('Microsoft.MachineLearningServices/workspaces/*/read', 'Microsoft.MachineLearningServices/workspaces/read')).toBe(true);
    expect(actionMatches('Microsoft.MachineLearningServices/workspaces/*/read', 'Microsoft.MachineLearningServices/workspaces/jobs/write')).toBe(false);
    expect(
      actionMatches(
        'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*',
        'microsoft.storage/storageAccounts/blobServices/containers/blobs/write',
      ),
    ).toBe(true);
  });

  test('notActions take away what actions grant', () => {
    const ds = loadAppCalls(REPO_ROOT).roles.azureMLDataScientist;
    expect(roleGrants(ds, 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action', false)).toBe(true);
    expect(roleGrants(ds, 'Microsoft.MachineLearningServices/workspaces/computes/write', false)).toBe(false);
    expect(roleGrants(ds, 'Microsoft.MachineLearningServices/workspaces/listKeys/action', false)).toBe(false);
  });
});

describe('app-calls.json', () => {
  const spec = loadAppCalls(REPO_ROOT);

  test('lists the calls of the Azure ML provider and deployment target, storage, Event Grid and App Insights', () => {
    const ids = spec.calls.map((c) => c.id);
    for (const id of [
      'storage.blob',
      'storage.queue',
      'storage.table',
      'eventgrid.publish',
      'appinsights.ingest',
      'azureml.workspaces.get',
      'azureml.datastores.get',
      'azureml.datastores.list',
      'azureml.data.upload',
      'azureml.data.versions.create',
      'azureml.models.versions.create',
      'azureml.jobs.create',
      'azureml.jobs.get',
      'azureml.jobs.list',
      'azureml.jobs.cancel',
      'azureml.mlflow.runs.read',
      'azureml.onlineEndpoints.createOrUpdate',
      'azureml.onlineEndpoints.delete',
      'azureml.onlineEndpoints.get',
      'azureml.onlineDeployments.createOrUpdate',
      'azureml.onlineDeployments.delete',
      'azureml.onlineDeployments.get',
      'azureml.onlineDeployments.getLogs',
      'azureml.onlineEndpoints.listKeys',
      'azureml.onlineEndpoints.regenerateKeys',
      'azureml.onlineEndpoints.getToken',
    ])
      expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('role ids are the built-in ones the Bicep uses', () => {
    for (const [key, role] of Object.entries(spec.roles)) expect([key, role.id]).toEqual([key, BUILTIN_ROLES[key]]);
  });
});

describe(`role assignments cover every call (${compiler ? 'compiled ARM template' : 'Bicep text: no Bicep CLI restored'})`, () => {
  test('every call has its role on the right resource, and the identity holds no role no call needs', () => {
    expect(compiler ? problemsFromCompiled(REPO_ROOT) : problemsFromText(REPO_ROOT)).toEqual([]);
  });

  test('the Bicep-text reader agrees with the compiled template', () => {
    if (!compiler) return; // nothing to compare against
    const main = compile(path.join(REPO_ROOT, 'infra', 'main.bicep'));
    const key = (a: { principal: string; roleId: string; scopeType: string; scopeParam: string; conditional: boolean }) =>
      `${a.principal} ${a.roleId} ${a.scopeType} ${a.scopeParam} ${a.conditional}`;
    expect(roleAssignmentsFromBicep(REPO_ROOT).map(key).sort()).toEqual(roleAssignments(main).map(key).sort());
  });

  test('fails when a role is scoped to the wrong storage account', () => {
    const dir = copyInfra({ file: 'infra/app/rbac.bicep', from: /scope: amlStorage/, to: 'scope: storage' });
    const problems = compiler ? problemsFromCompiled(dir) : problemsFromText(dir);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /azureml\.data\.upload: the managed identity has no Storage Blob Data Contributor on amlStorage .*it has it on Microsoft\.Storage\/storageAccounts storageAccountName/,
        ),
      ]),
    );
  });

  test('fails when rbac is handed the name of another resource than the one the app calls', () => {
    const dir = copyInfra({ file: 'infra/main.bicep', from: 'amlStorageAccountName: amlStorageAccountName', to: 'amlStorageAccountName: storageAccountName' });
    expect(problemsFromText(dir)).toEqual(
      expect.arrayContaining([expect.stringMatching(/rbac\.amlStorageAccountName is storageAccountName, but ml\.storageAccountName/)]),
    );
  });

  test('fails on a call whose role does not grant its action, and on a role no call needs', () => {
    const spec = loadAppCalls(REPO_ROOT);
    spec.calls.push({
      id: 'azureml.computes.create',
      by: 'test',
      actions: ['Microsoft.MachineLearningServices/workspaces/computes/write'],
      scope: 'amlWorkspace',
      role: 'azureMLDataScientist',
    });
    spec.calls = spec.calls.filter((c) => c.id !== 'eventgrid.publish');
    expect(problemsFromText(REPO_ROOT, spec)).toEqual([
      'azureml.computes.create: AzureML Data Scientist does not grant Microsoft.MachineLearningServices/workspaces/computes/write',
      expect.stringMatching(/the identity holds eventGridDataSender on Microsoft\.EventGrid\/topics eventGridTopicName, which no call/),
    ]);
  });

  (compiler ? test : test.skip)('the compiled check fails when a role goes to another principal than the identity', () => {
    const dir = copyInfra({
      file: 'infra/app/rbac.bicep',
      from: /(scope: eventGridTopic\n {2}properties: \{\n[^\n]*\n {4}principalId: )identity\.properties\.principalId/,
      to: '$1userPrincipalId',
    });
    expect(problemsFromCompiled(dir)).toEqual([expect.stringMatching(/^eventgrid\.publish: the managed identity has no EventGrid Data Sender/)]);
  });
});
