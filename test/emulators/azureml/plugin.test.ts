import * as fs from 'node:fs';
import * as https from 'node:https';
import { json } from '../../../emulators/azureml/core/http';
import { WORKSPACE_PATH } from '../../../emulators/azureml/core/router';
import type { EmulatorPlugin } from '../../../emulators/azureml';
import { PLUGINS } from '../../../emulators/azureml/plugins';
import { EmulatorStack, FAKE_TOKEN, startEmulatorStack } from './support';

/** A plugin the way online/ adds one: routes, a state collection and a long-running operation. */
const widgets: EmulatorPlugin = {
  name: 'widgets',
  register(ctx) {
    ctx.lro.define('widgets.create', (op) => {
      const { key, fail } = op.payload as { key: string; fail?: boolean };
      if (fail) throw ctx.errors.badRequest('WidgetBroken', 'the widget could not be built');
      ctx.state.update<{ provisioningState: string }>('widgets', key, (w) => ({ ...w!, provisioningState: 'Succeeded' }));
    });
    ctx.router.add('PUT', `${WORKSPACE_PATH}/widgets/{name}`, (req) => {
      ctx.requireWorkspace(req);
      const key = req.params.name;
      const w = ctx.state.put('widgets', key, { name: key, provisioningState: 'Creating' });
      const op = ctx.lro.begin('widgets.create', { key, fail: (req.body as { fail?: boolean })?.fail });
      return json(201, w, ctx.lro.asyncOperationHeaders(req, op));
    });
    ctx.router.add('GET', `${WORKSPACE_PATH}/widgets/{name}`, (req) => {
      const w = ctx.state.get('widgets', req.params.name);
      if (!w) throw ctx.errors.notFound('widget', req.params.name);
      return json(200, w);
    });
  },
};

describe('Azure ML emulator plugins and long-running operations', () => {
  let stack: EmulatorStack;
  beforeAll(async () => {
    stack = await startEmulatorStack({ lroDelayMs: 300 }, [...PLUGINS, widgets]);
  });
  afterAll(async () => stack?.stop());

  const base = () => {
    const s = stack.emulator.settings;
    return `${stack.emulator.url}/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${s.workspace}`;
  };
  function call(method: string, url: string, body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        { method, ca: fs.readFileSync(stack.emulator.caFile), headers: { authorization: `Bearer ${FAKE_TOKEN}`, 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  it('a PUT answers Azure-AsyncOperation; the status goes InProgress then Succeeded and the resource follows', async () => {
    const put = await call('PUT', `${base()}/widgets/w1?api-version=2025-12-01`, {});
    expect(put.status).toBe(201);
    expect(put.body.provisioningState).toBe('Creating');
    const statusUrl = put.headers['azure-asyncoperation'] as string;
    expect(statusUrl).toMatch(/\/locations\/westeurope\/mfeOperationsStatus\/[0-9a-f-]+\?api-version=2025-12-01$/);
    expect(put.headers['retry-after']).toBe('1');
    expect((await call('GET', statusUrl)).body.status).toBe('InProgress');
    await new Promise((r) => setTimeout(r, 400));
    const done = await call('GET', statusUrl);
    expect(done.body).toMatchObject({ status: 'Succeeded', startTime: expect.any(String), endTime: expect.any(String) });
    expect((await call('GET', `${base()}/widgets/w1?api-version=2025-12-01`)).body.provisioningState).toBe('Succeeded');
  });

  it('a failing operation carries the ARM error in its status resource', async () => {
    const put = await call('PUT', `${base()}/widgets/w2?api-version=2025-12-01`, { fail: true });
    await new Promise((r) => setTimeout(r, 400));
    const done = await call('GET', put.headers['azure-asyncoperation'] as string);
    expect(done.body).toMatchObject({ status: 'Failed', error: { code: 'WidgetBroken', message: 'the widget could not be built' } });
  });

  it('the admin routes inject faults and list received bodies for out-of-process tests', async () => {
    const add = await call('POST', `${stack.emulator.url}/_emulator/faults`, { path: '/widgets/w3', status: 503, times: 1 });
    expect(add.status).toBe(201);
    expect((await call('PUT', `${base()}/widgets/w3?api-version=2025-12-01`, { a: 1 })).status).toBe(503);
    expect((await call('PUT', `${base()}/widgets/w3?api-version=2025-12-01`, { a: 2 })).status).toBe(201);
    const got = await call('GET', `${stack.emulator.url}/_emulator/requests?path=/widgets/w3&method=PUT`);
    expect(got.body.value.map((r: { body: unknown }) => r.body)).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
