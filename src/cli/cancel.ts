/**
 * `mlops cancel RUN`: the careful stop. It refuses a run that has ended, and one that is deciding
 * (a promotion being carried out must finish: the decision is recorded before it is applied and only
 * its own retries complete it); otherwise it terminates the orchestration through the Durable API and
 * waits until the run reports Terminated, then says what the run left behind.
 */
import { CommandFailed, defineCommand, EXIT } from './_command';
import { durableOperation, SYSTEM_KEY_OPTION } from './_durable';
import { ENDED } from './logs';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'cancel',
    summary: summaryOf('cancel'),
    positionals: [{ name: 'RUN', help: 'the run id', required: true }],
    options: [
      { name: 'timeout', kind: 'number', min: 1, max: 3600, value: 'S', help: 'seconds to wait until the run has stopped (default 60)' },
      SYSTEM_KEY_OPTION,
    ],
    remote: true,
    json: true,
    details:
      'cancel vs terminate: both end the orchestration through the Durable management API (terminate, system key).\n' +
      'cancel first checks the run: exit 1 with RUN_ENDED if it has ended, RUN_DECIDING once it is deciding on a\n' +
      "promotion; then it waits until the run is Terminated. Neither runs the pipeline's clean-up step: a challenger\n" +
      'deployment the run made is named in the output (the champion is never touched).',
  },
  async ({ opts, args, json, print }) => {
    const api = await client(opts);
    const id = args.RUN!;
    const run = await api.get(`/api/runs/${encodeURIComponent(id)}`);
    if (ENDED.includes(run.runtimeStatus)) throw new CommandFailed('RUN_ENDED', `run '${id}' has already ended (${run.runtimeStatus})`);
    const phase: string = run.customStatus?.phase ?? run.phase ?? 'queued';
    if (phase === 'decide' || phase === 'completed') {
      throw new CommandFailed('RUN_DECIDING', `run '${id}' is deciding on a promotion; it finishes in moments (mlops logs ${id} --follow)`);
    }
    await durableOperation(api, opts, id, 'terminate', `cancelled by an operator in phase ${phase}`);
    if (!json) process.stdout.write(`cancelling ${id} (phase ${phase})...\n`);
    const deadline = Date.now() + ((opts.timeout as number | undefined) ?? 60) * 1000;
    let now = run;
    while (!ENDED.includes(now.runtimeStatus)) {
      if (Date.now() > deadline) throw new CommandFailed('CANCEL_TIMEOUT', `run '${id}' has not stopped yet (${now.runtimeStatus}); see mlops logs ${id}`);
      await new Promise((r) => setTimeout(r, 500));
      now = await api.get(`/api/runs/${encodeURIComponent(id)}`);
    }
    const leftover: string | undefined = now.customStatus?.deployment ?? run.customStatus?.deployment;
    print({ runId: id, runtimeStatus: now.runtimeStatus, phase, deployment: leftover ?? null }, () =>
      [
        `run ${id} ${now.runtimeStatus} (it was in phase ${phase})`,
        ...(leftover ? [`its challenger deployment ${leftover} was not retired (see mlops models)`] : []),
        ...(phase === 'automl' ? ['its AutoML worker stops at the end of its budget'] : []),
      ].join('\n'),
    );
    return now.runtimeStatus === 'Terminated' ? EXIT.OK : EXIT.FAILED;
  },
);
