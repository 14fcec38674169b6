/**
 * Runs for operators (function key): POST /api/runs starts a training run (202 + check-status URLs, the
 * counterpart of a published pipeline endpoint), GET /api/runs lists recent runs, GET /api/runs/{id}
 * shows one with its phases, leaderboard top, metrics, benchmark and decision, POST /api/runs/{id}/cancel
 * stops a run with its clean-up.
 */
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appRoot } from '../src/app';
import { cancelRun, getRun, listRuns, parseStartBody, startRunFromApi } from '../src/pipeline/api';

const root = appRoot();
const json = (status: number, body: unknown): HttpResponseInit => ({ status, jsonBody: body, headers: { 'cache-control': 'no-store' } });

df.app.client.http('startRun', {
  route: 'runs',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (req: HttpRequest, client: df.DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
    const parsed = parseStartBody(await req.text());
    if (!parsed.ok) return json(parsed.response.status, parsed.response.body);
    const r = await startRunFromApi(client, root.catalog(), parsed.value, root.runDefaults());
    if (r.response) return json(r.response.status, r.response.body);
    context.log(`started run ${r.runId}`);
    return client.createCheckStatusResponse(req, r.runId!);
  },
});

df.app.client.http('listRuns', {
  route: 'runs',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (req: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
    const limit = Math.min(Math.max(Number(req.query.get('limit') ?? 50) || 50, 1), 500);
    const r = await listRuns(client, root.runs(), limit);
    return json(r.status, r.body);
  },
});

df.app.client.http('getRun', {
  route: 'runs/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (req: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
    const r = await getRun(client, root.runs(), req.params.id);
    return json(r.status, r.body);
  },
});

df.app.client.http('cancelRun', {
  route: 'runs/{id}/cancel',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (req: HttpRequest, client: df.DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
    const r = await cancelRun(client, req.params.id, await req.text());
    if (r.status === 202) context.log(`cancel requested for run ${req.params.id}`);
    return json(r.status, r.body);
  },
});
