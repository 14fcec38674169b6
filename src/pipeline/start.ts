import type { DurableClient } from 'durable-functions';
import { ORCHESTRATION } from './orchestrator';
import type { AutoMLOverrides, RunInput } from './types';

export interface StartRequest {
  dataset: string;
  datasetVersion: number;
  trigger: RunInput['trigger'];
  automl?: AutoMLOverrides;
  /** Explicit instance id; default `train-{dataset}-v{version}` (then a suffix if that run exists). */
  runId?: string;
}

/** The deterministic id of the run a dataset version starts: a duplicate trigger finds it taken. */
export function defaultRunId(dataset: string, version: number): string {
  return `train-${dataset}-v${version}`;
}

export async function instanceExists(client: DurableClient, id: string): Promise<boolean> {
  try {
    return Boolean(await client.getStatus(id, { showInput: false }));
  } catch (err) {
    if (/404/.test((err as Error).message)) return false;
    throw err;
  }
}

/** Run settings and AutoML defaults, from the configuration (read once; carried in the run's input). */
export interface RunDefaults {
  settings: RunInput['settings'];
  automl: AutoMLOverrides;
}

export function buildRunInput(req: StartRequest, runId: string, defaults: RunDefaults): RunInput {
  const automl: AutoMLOverrides = {};
  for (const [k, v] of Object.entries(defaults.automl)) if (v !== undefined) (automl as Record<string, unknown>)[k] = v;
  for (const [k, v] of Object.entries(req.automl ?? {})) if (v !== undefined) (automl as Record<string, unknown>)[k] = v;
  return {
    runId,
    dataset: req.dataset,
    datasetVersion: req.datasetVersion,
    trigger: req.trigger,
    automl,
    settings: { ...defaults.settings },
  };
}

/**
 * Starts the training orchestration for a dataset version. Blob triggers use the deterministic id and
 * never start a second run for it (`started: false`); an operator's request for the same version gets
 * a new id with a time suffix, so a version can be retrained on purpose.
 */
export async function startRun(
  client: DurableClient,
  req: StartRequest,
  defaults: RunDefaults,
  now = new Date(),
): Promise<{ runId: string; started: boolean }> {
  const base = req.runId ?? defaultRunId(req.dataset, req.datasetVersion);
  let runId = base;
  if (await instanceExists(client, base)) {
    if (req.trigger === 'blob' || req.runId) return { runId: base, started: false };
    runId = `${base}-${now
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 17)}`;
  }
  try {
    await client.startNew(ORCHESTRATION, { instanceId: runId, input: buildRunInput(req, runId, defaults) });
  } catch (err) {
    // Another start with the same id got there first (a duplicate trigger, two requests at once).
    if (/409|exists/i.test((err as Error).message) && (await instanceExists(client, runId))) return { runId, started: false };
    throw err;
  }
  return { runId, started: true };
}
