/**
 * `mlops cancel RUN`: the careful stop, with clean-up. POST /api/runs/RUN/cancel (function key) asks the
 * run to stop at its next step: its AutoML job is cancelled and the challenger deployment it made is
 * retired (never the champion), and it ends Failed with RUN_CANCELLED. Refused for a run that has ended
 * (RUN_ENDED) or that is deciding (RUN_DECIDING: a promotion being carried out finishes as recorded).
 * `mlops terminate` is the hard stop through the Durable API, with no clean-up.
 */
import { toError } from '../client/api';
import { CommandFailed, defineCommand, EXIT } from './_command';
import { ENDED } from './logs';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'cancel',
    summary: summaryOf('cancel'),
    positionals: [{ name: 'RUN', help: 'the run id', required: true }],
    options: [
      { name: 'reason', kind: 'string', value: 'TEXT', help: "why (kept in the run's error, up to 200 characters)" },
      { name: 'timeout', kind: 'number', min: 1, max: 3600, value: 'S', help: 'seconds to wait until the run has stopped (default 120)' },
    ],
    remote: true,
    json: true,
    details:
      'cancel vs terminate: cancel (POST /api/runs/RUN/cancel, function key) stops the run at its next step and runs\n' +
      "its clean-up: the AutoML job is cancelled, the run's challenger deployment retired (the champion is never\n" +
      'touched); the run ends Failed with RUN_CANCELLED. A step already started (a deploy, a benchmark) finishes\n' +
      'first. Exit 1 with RUN_ENDED if the run has ended, RUN_DECIDING once it is deciding on a promotion.\n' +
      'terminate (Durable management API, system key) ends the orchestration at once, with no clean-up.',
  },
  async ({ opts, args, json, print }) => {
    const api = await client(opts);
    const id = args.RUN!;
    const reason = opts.reason as string | undefined;
    const r = await api.post(`/api/runs/${encodeURIComponent(id)}/cancel`, reason ? { reason } : {});
    if (r.status !== 202) throw toError(r);
    const phase = (r.body as { phase?: string }).phase ?? 'queued';
    if (!json) process.stdout.write(`cancelling ${id} (phase ${phase})...\n`);
    const deadline = Date.now() + ((opts.timeout as number | undefined) ?? 120) * 1000;
    let now = await api.get(`/api/runs/${encodeURIComponent(id)}`);
    while (!ENDED.includes(now.runtimeStatus)) {
      if (Date.now() > deadline) throw new CommandFailed('CANCEL_TIMEOUT', `run '${id}' has not stopped yet (${now.runtimeStatus}); see mlops logs ${id}`);
      await new Promise((res) => setTimeout(res, 500));
      now = await api.get(`/api/runs/${encodeURIComponent(id)}`);
    }
    const error = (now.error ?? {}) as { code?: string; message?: string };
    const cancelled = error.code === 'RUN_CANCELLED';
    const deployment: string | null = now.deployment?.name ?? now.customStatus?.deployment ?? null;
    print({ runId: id, runtimeStatus: now.runtimeStatus, phase, cancelled, error: now.error ?? null, deployment }, () =>
      [
        cancelled
          ? `run ${id} cancelled in phase ${phase}: ${error.message ?? ''}`.trim()
          : `run ${id} ended ${now.runtimeStatus} before the cancel took effect${error.code ? ` (${error.code})` : ''}`,
        ...(cancelled && deployment ? [`its challenger deployment ${deployment} was retired`] : []),
      ].join('\n'),
    );
    return cancelled ? EXIT.OK : EXIT.FAILED;
  },
);
