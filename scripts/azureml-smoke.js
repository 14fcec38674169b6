#!/usr/bin/env node
// `npm run smoke:azureml`: the Azure ML AutoML provider's whole flow against a real workspace (or the
// local emulator), when its settings are present: upload a small synthetic split, submit an AutoML job,
// poll its progress, collect the best child's model. Skips (exit 0) when AZUREML_SUBSCRIPTION_ID is
// unset. Needs: AZUREML_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP, AZUREML_WORKSPACE, AZUREML_COMPUTE
// (or serverless), a signed-in identity for DefaultAzureCredential (az login / managed identity) with
// AzureML Data Scientist on the workspace and Storage Blob Data Contributor on its storage, and
// AzureWebJobsStorage for the app's registry container (Azurite is fine). Costs compute minutes.
// Options: --budget SECONDS (default 900: Azure AutoML's shortest useful run), --timeout SECONDS.
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};

async function main() {
  const env = process.env;
  if (!env.AZUREML_SUBSCRIPTION_ID) {
    console.log('azureml-smoke: skipped (AZUREML_SUBSCRIPTION_ID is not set; see docs/azure.md "Azure ML AutoML provider")');
    return 0;
  }
  const { createAzureMLAutoMLProvider, readAzureMLSettings } = require(path.join(root, 'dist/src/training/azureml'));
  const { appStorageConnection, containerClient } = require(path.join(root, 'dist/src/storage/clients'));
  const settings = readAzureMLSettings(env);
  const registry = containerClient(appStorageConnection(env), 'registry');
  await registry.createIfNotExists();
  const provider = createAzureMLAutoMLProvider(settings, { registry, log: (l, m) => console.log(`[${l}] ${m}`) });

  const runId = arg(
    'run-id',
    `smoke-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}`,
  );
  const rows = ['x1,x2,color,y'];
  let s = 11;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 600; i++) {
    const x1 = Math.round(rand() * 1000) / 100;
    const color = ['red', 'green', 'blue'][i % 3];
    rows.push(`${x1},${Math.round(rand() * 100) / 10},${color},${x1 + (color === 'red' ? 2 : 0) + rand() * 2 > 6 ? 'yes' : 'no'}`);
  }
  const csv = rows.join('\n') + '\n';
  const trainBlob = `smoke/${runId}/train.csv`;
  await registry.getBlockBlobClient(trainBlob).upload(csv, Buffer.byteLength(csv));
  const budget = Number(arg('budget', '900'));
  const { jobId } = await provider.submit({
    runId,
    attempt: 0,
    trainBlob,
    target: 'y',
    options: { budgetSeconds: budget, maxTrials: 6, primaryMetric: 'AUC_weighted' },
    dataset: { name: 'smoke', version: 1, sha256: require('crypto').createHash('sha256').update(csv).digest('hex') },
  });
  console.log(`azureml-smoke: job ${jobId} submitted to ${settings.workspace}`);
  const deadline = Date.now() + Number(arg('timeout', String(budget * 2 + 1800))) * 1000;
  let last = '';
  for (;;) {
    const st = await provider.status(jobId);
    const line = `${st.state} trials=${st.trials} best=${st.bestScore ?? '-'} (${st.bestLearner ?? '-'}) ${Math.round(st.elapsedSeconds)}s`;
    if (line !== last) console.log(`azureml-smoke: ${line}`);
    last = line;
    if (st.state === 'completed') {
      console.log(`azureml-smoke: OK, outputs in registry/${provider.outputPrefix(jobId)}`);
      // Azure's own AutoML leaves no engine pipeline: its ONNX model was adapted to the endpoint contract
      // (src/contract/adapt.ts). What was rewritten is the first real check of the conventions assumed there.
      const out = await provider.result(jobId).catch(() => undefined);
      const model = out && out.lineage && out.lineage.azureml && out.lineage.azureml.model;
      if (model && model.adapted) console.log(`azureml-smoke: ONNX adapted to the endpoint contract:\n  ${model.changes.join('\n  ')}`);
      return 0;
    }
    if (st.state === 'failed') {
      // The model's ONNX layout is not the one docs/azure.md assumes (Microsoft's .NET ONNX doc): report it.
      if (st.error && st.error.code === 'MODEL_NOT_ADAPTABLE') {
        console.error(`azureml-smoke: trained, ONNX found, but not adaptable to the endpoint contract: ${st.error.message}`);
        return 1;
      }
      console.error(`azureml-smoke: FAILED ${st.error ? `${st.error.code}: ${st.error.message}` : ''}`);
      return 1;
    }
    if (Date.now() > deadline) {
      console.error(`azureml-smoke: TIMEOUT, canceling ${jobId}`);
      await provider.cancel(jobId).catch(() => undefined);
      return 1;
    }
    await new Promise((r) => setTimeout(r, Number(arg('poll', '15')) * 1000));
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`azureml-smoke: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
