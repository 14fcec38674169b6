/**
 * The Durable management API of the app's host (/runtime/webhooks/durabletask/instances/{id}/...):
 * the same in Azure and in the embedded host, opened by the `durabletask_extension` system key (or
 * the master key), not by function keys. A run id is its orchestration instance id.
 */
import type { MlopsClient } from '../client/api';
import { RUN_ID } from '../pipeline/activities';
import { CommandFailed, OptionSpec, OptionValues } from './_command';
import { systemKey } from './_remote';

export const SYSTEM_KEY_OPTION: OptionSpec = {
  name: 'system-key',
  kind: 'string',
  value: 'KEY',
  help: 'the durabletask_extension system key (default MLOPS_SYSTEM_KEY; for the local stack read from its storage)',
};

/** POST instances/{id}/{operation}?reason=...: 202 accepted; 404 no such run; 410 it has ended. */
export async function durableOperation(
  api: MlopsClient,
  opts: OptionValues,
  runId: string,
  operation: 'terminate' | 'suspend' | 'resume',
  reason: string,
): Promise<void> {
  if (!RUN_ID.test(runId)) throw new CommandFailed('RUN_NOT_FOUND', `run '${runId.slice(0, 100)}' not found`);
  const key = await systemKey(opts, api);
  const path = `/runtime/webhooks/durabletask/instances/${encodeURIComponent(runId)}/${operation}?reason=${encodeURIComponent(reason)}`;
  const r = await api.request('POST', path, undefined, { 'x-functions-key': key });
  if (r.status === 202 || r.status === 200) return;
  if (r.status === 401)
    throw new CommandFailed('UNAUTHORIZED', 'the system key is wrong (the Durable API takes the durabletask_extension system key or the master key)');
  if (r.status === 404) throw new CommandFailed('RUN_NOT_FOUND', `run '${runId}' not found`);
  if (r.status === 410) throw new CommandFailed('RUN_ENDED', `run '${runId}' has already ended`);
  throw new CommandFailed(
    `HTTP_${r.status}`,
    `the Durable API answered ${r.status}: ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`.slice(0, 300),
  );
}
