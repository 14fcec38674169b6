/**
 * The operators' dashboard: GET /api/dashboard (anonymous page) and /api/dashboard/assets/{file}
 * (anonymous: its script, stylesheet and Chart.js), and the function-key data routes the page reads
 * besides the status APIs: /api/dashboard/data/runs/{id}[/durable], /models/{name}/{version}, /serving,
 * /datasets/{name}. Registrations only: the assembly is in src/dashboard/data, the stores come from
 * the composition root.
 */
import { app, HttpRequest, HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { appRoot } from '../src/app';
import { dashboardAsset } from '../src/dashboard/assets';
import { datasetView } from '../src/dashboard/data/datasetView';
import { modelView } from '../src/dashboard/data/modelView';
import { runView } from '../src/dashboard/data/runView';
import { servingView } from '../src/dashboard/data/servingView';
import type { DashboardStores } from '../src/dashboard/data/stores';
import { DASHBOARD_CSP, dashboardHtml } from '../src/dashboard/page';
import { isValidDatasetName } from '../src/datasets/names';
import { RUN_ID } from '../src/pipeline/activities';
import { getRun } from '../src/pipeline/api';

const root = appRoot();
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const SECURITY = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

const json = (status: number, body: unknown): HttpResponseInit => ({ status, jsonBody: body, headers: { 'cache-control': 'no-store', ...SECURITY } });
const notFound = (code: string, message: string) => json(404, { error: { code, message } });

/** Storage failures are 503s with a code (the page shows them and polls again), never 500s. */
async function guarded(fn: () => Promise<HttpResponseInit>): Promise<HttpResponseInit> {
  try {
    return await fn();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    return json(503, { error: { code: 'STORAGE_UNAVAILABLE', message: `the dashboard's stores could not be read (${status ?? 'no response'}); try again` } });
  }
}

function stores(): DashboardStores {
  return { datasets: root.datasetRegistry(), models: root.models(), runs: root.runs(), deployments: root.target() };
}

// A bad setting fails every function file at load: the host log names the setting.
appRoot();

app.http('dashboard', {
  route: 'dashboard',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({
    status: 200,
    body: dashboardHtml({ apiBase: '/api' }),
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': DASHBOARD_CSP, ...SECURITY },
  }),
});

app.http('dashboardAsset', {
  route: 'dashboard/assets/{file}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (req: HttpRequest) => {
    const a = dashboardAsset(req.params.file ?? '');
    if (!a) return notFound('ASSET_NOT_FOUND', 'no such dashboard asset');
    return { status: 200, body: a.body, headers: { 'content-type': a.contentType, 'cache-control': 'no-cache', ...SECURITY } };
  },
});

df.app.client.http('dashboardRun', {
  route: 'dashboard/data/runs/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: (req: HttpRequest, client: df.DurableClient) =>
    guarded(async () => {
      const r = await getRun(client, root.runs(), req.params.id ?? '');
      if (r.status !== 200) return json(r.status, r.body);
      return json(200, await runView(stores(), r.body as Record<string, unknown>, new Date()));
    }),
});

df.app.client.http('dashboardRunDurable', {
  route: 'dashboard/data/runs/{id}/durable',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (req: HttpRequest, client: df.DurableClient) => {
    const id = req.params.id ?? '';
    const missing = () => notFound('RUN_NOT_FOUND', `no orchestration instance '${id.slice(0, 100)}'`);
    if (!RUN_ID.test(id)) return missing();
    let s: df.DurableOrchestrationStatus | undefined;
    try {
      s = await client.getStatus(id, { showHistory: true, showHistoryOutput: false, showInput: false });
    } catch {
      return missing();
    }
    if (!s) return missing();
    // Event kinds, names and times only: inputs and outputs of activities stay out of the page.
    const history = (Array.isArray(s.history) ? s.history : []).map((e) => {
      const ev = e as Record<string, unknown>;
      return { EventType: ev.EventType, Name: ev.Name ?? ev.FunctionName, Timestamp: ev.Timestamp };
    });
    return json(200, {
      instanceId: s.instanceId,
      name: s.name,
      runtimeStatus: s.runtimeStatus,
      createdTime: s.createdTime,
      lastUpdatedTime: s.lastUpdatedTime,
      customStatus: s.customStatus,
      history,
      statusPath: `/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}`,
    });
  },
});

app.http('dashboardModel', {
  route: 'dashboard/data/models/{name}/{version}',
  methods: ['GET'],
  authLevel: 'function',
  handler: (req: HttpRequest) =>
    guarded(async () => {
      const name = req.params.name ?? '';
      const version = /^\d{1,6}$/.test(req.params.version ?? '') ? Number(req.params.version) : NaN;
      const v = MODEL_NAME.test(name) && version >= 1 ? await modelView(stores(), name, version) : undefined;
      if (!v) return notFound('MODEL_NOT_FOUND', `no model '${name.slice(0, 100)}' version '${String(req.params.version).slice(0, 10)}'`);
      return json(200, v);
    }),
});

app.http('dashboardServing', {
  route: 'dashboard/data/serving',
  methods: ['GET'],
  authLevel: 'function',
  handler: () => guarded(async () => json(200, await servingView(stores()))),
});

app.http('dashboardDataset', {
  route: 'dashboard/data/datasets/{name}',
  methods: ['GET'],
  authLevel: 'function',
  handler: (req: HttpRequest) =>
    guarded(async () => {
      const name = req.params.name ?? '';
      const v = isValidDatasetName(name) ? await datasetView(stores(), name) : undefined;
      if (!v) return notFound('DATASET_NOT_FOUND', `no dataset named '${name.slice(0, 100)}'`);
      return json(200, v);
    }),
});
