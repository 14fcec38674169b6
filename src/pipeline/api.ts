/** The operators' run API: request validation and response shapes (HTTP-free; functions/runs.ts binds it). */
import Ajv from 'ajv';
import { LEARNERS } from '../automl/learners';
import { RUN_ID } from './activities';
import type { DurableClient } from 'durable-functions';
import type { DatasetCatalog } from './ports';
import type { RunRecord, RunStore } from './runs';
import { CANCEL_EVENT } from './orchestrator';
import { startRun, type RunDefaults } from './start';
import type { AutoMLOverrides } from './types';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export const startRunSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['dataset'],
  properties: {
    dataset: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' },
    version: { type: 'integer', minimum: 1 },
    runId: { type: 'string', pattern: RUN_ID.source },
    automl: {
      type: 'object',
      additionalProperties: false,
      properties: {
        budgetSeconds: { type: 'number', minimum: 1, maximum: 86400 },
        primaryMetric: {
          type: 'string',
          enum: [
            'AUC_weighted',
            'accuracy',
            'average_precision_score_weighted',
            'f1_score_weighted',
            'norm_macro_recall',
            'log_loss',
            'normalized_root_mean_squared_error',
            'r2_score',
            'spearman_correlation',
          ],
        },
        task: { type: 'string', enum: ['binary', 'multiclass', 'regression'] },
        maxTrials: { type: 'integer', minimum: 1, maximum: 10000 },
        cvFolds: { type: 'integer', minimum: 2, maximum: 20 },
        seed: { type: 'integer', minimum: 0 },
        allowedLearners: { type: 'array', items: { type: 'string', enum: LEARNERS.map((l) => l.name) }, minItems: 1, maxItems: 20 },
        blockedLearners: { type: 'array', items: { type: 'string', enum: LEARNERS.map((l) => l.name) }, maxItems: 20 },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true });
const validateStart = ajv.compile(startRunSchema);

function error(status: number, code: string, message: string, details?: unknown): ApiResponse {
  return { status, body: { error: { code, message, ...(details ? { details } : {}) } } };
}

/** Parses and checks a POST /api/runs body; the errors name the fields at fault. */
export function parseStartBody(
  raw: string,
): { ok: true; value: { dataset: string; version?: number; runId?: string; automl?: AutoMLOverrides } } | { ok: false; response: ApiResponse } {
  let body: unknown;
  try {
    body = raw.trim() ? JSON.parse(raw) : undefined;
  } catch {
    return { ok: false, response: error(400, 'INVALID_JSON', 'the request body is not valid JSON') };
  }
  if (!validateStart(body)) {
    const fields = (validateStart.errors ?? []).map((e) => ({
      field:
        (e.instancePath || '/') +
        (e.keyword === 'required'
          ? (e.params as { missingProperty: string }).missingProperty
          : e.keyword === 'additionalProperties'
            ? (e.params as { additionalProperty: string }).additionalProperty
            : ''),
      message: e.message ?? 'invalid',
    }));
    return { ok: false, response: error(400, 'INVALID_REQUEST', 'the request body does not match the schema', { fields }) };
  }
  return { ok: true, value: body as { dataset: string; version?: number; runId?: string; automl?: AutoMLOverrides } };
}

/** POST /api/runs: checks the dataset version is registered, then starts (or finds) the run. */
export async function startRunFromApi(
  client: DurableClient,
  catalog: Pick<DatasetCatalog, 'getVersion' | 'latestRegistered'>,
  body: { dataset: string; version?: number; runId?: string; automl?: AutoMLOverrides },
  defaults: RunDefaults,
): Promise<{ response?: ApiResponse; runId?: string; started?: boolean }> {
  const version = body.version ?? (await catalog.latestRegistered(body.dataset));
  if (version === undefined) return { response: error(404, 'DATASET_NOT_FOUND', `dataset '${body.dataset}' has no registered version`) };
  const info = await catalog.getVersion(body.dataset, version);
  if (!info) return { response: error(404, 'DATASET_VERSION_NOT_FOUND', `dataset '${body.dataset}' has no version ${version}`) };
  if (info.status !== 'registered')
    return { response: error(409, 'DATASET_REJECTED', `dataset '${body.dataset}' v${version} was rejected; it cannot be trained on`) };
  const r = await startRun(client, { dataset: body.dataset, datasetVersion: version, trigger: 'api', automl: body.automl, runId: body.runId }, defaults);
  if (!r.started) return { response: error(409, 'RUN_EXISTS', `run '${r.runId}' exists already`), runId: r.runId };
  return { runId: r.runId, started: true };
}

/** A run as operators see it: the run record joined with the durable instance's status. */
export async function describeRun(client: DurableClient, rec: RunRecord): Promise<Record<string, unknown>> {
  let instance: Record<string, unknown> = {};
  try {
    const s = await client.getStatus(rec.runId, { showInput: false });
    if (s) {
      instance = {
        runtimeStatus: s.runtimeStatus,
        customStatus: s.customStatus,
        createdTime: s.createdTime,
        lastUpdatedTime: s.lastUpdatedTime,
        output: s.runtimeStatus === 'Failed' ? s.output : undefined,
      };
    }
  } catch {
    instance = { runtimeStatus: 'Unknown' };
  }
  return { ...rec, ...instance };
}

export async function listRuns(client: DurableClient, runs: RunStore, limit: number): Promise<ApiResponse> {
  const recs = await runs.list(limit);
  return { status: 200, body: { runs: await Promise.all(recs.map((r) => describeRun(client, r))) } };
}

export async function getRun(client: DurableClient, runs: RunStore, id: string): Promise<ApiResponse> {
  // Ids go into table keys and the Durable API's URLs: anything else cannot name a run.
  if (!RUN_ID.test(id)) return error(404, 'RUN_NOT_FOUND', `run '${id.slice(0, 100)}' not found`);
  const rec = await runs.get(id);
  if (!rec) {
    // The instance may exist before its first activity opened the record.
    try {
      const s = await client.getStatus(id, { showInput: false });
      if (s)
        return {
          status: 200,
          body: { runId: id, phase: 'queued', phases: [], runtimeStatus: s.runtimeStatus, customStatus: s.customStatus, createdTime: s.createdTime },
        };
    } catch {
      /* not found either */
    }
    return error(404, 'RUN_NOT_FOUND', `run '${id}' not found`);
  }
  return { status: 200, body: await describeRun(client, rec) };
}

// A suspended run takes the cancel when it is resumed (the event waits in its queue).
const RUNNING = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

/**
 * POST /api/runs/{id}/cancel: asks a run to stop with its clean-up (orchestrator.ts CANCEL_EVENT).
 * 404 RUN_NOT_FOUND, 409 RUN_ENDED once it has ended, 409 RUN_DECIDING once it decides on a promotion
 * (that finishes as recorded); otherwise 202: the run stops at its next step, ends Failed with
 * RUN_CANCELLED, its AutoML job cancelled and its challenger deployment retired (never the champion).
 */
export async function cancelRun(client: DurableClient, id: string, rawBody: string): Promise<ApiResponse> {
  if (!RUN_ID.test(id)) return error(404, 'RUN_NOT_FOUND', `run '${id.slice(0, 100)}' not found`);
  let reason: string | undefined;
  if (rawBody.trim()) {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return error(400, 'INVALID_JSON', 'the request body is not valid JSON');
    }
    const r = (body as { reason?: unknown } | null)?.reason;
    if (
      typeof body !== 'object' ||
      body === null ||
      Array.isArray(body) ||
      Object.keys(body).some((k) => k !== 'reason') ||
      (r !== undefined && typeof r !== 'string')
    )
      return error(400, 'INVALID_REQUEST', 'the body is optional; its only field is "reason" (a string)');
    reason = typeof r === 'string' ? r.slice(0, 200) : undefined;
  }
  const s = await client.getStatus(id, { showInput: false }).catch(() => undefined);
  if (!s) return error(404, 'RUN_NOT_FOUND', `run '${id}' not found`);
  if (!RUNNING.has(String(s.runtimeStatus))) return error(409, 'RUN_ENDED', `run '${id}' has ended (${s.runtimeStatus})`);
  const phase = (s.customStatus as { phase?: string } | undefined)?.phase ?? 'queued';
  if (phase === 'decide' || phase === 'completed')
    return error(409, 'RUN_DECIDING', `run '${id}' is deciding on a promotion, which finishes as recorded; it ends in moments`);
  await client.raiseEvent(id, CANCEL_EVENT, { reason: reason ?? '' });
  return { status: 202, body: { runId: id, phase, cancelling: true } };
}
