/**
 * `mlops terminate RUN [--reason TEXT]`: Durable's terminate, at once and without checks. The
 * orchestration ends Terminated; an activity already running finishes but nothing after it runs,
 * including the run's clean-up: the AutoML worker runs to its budget, and a challenger deployment the
 * run had made keeps running. The champion is never touched. `mlops cancel` is the careful variant.
 */
import { defineCommand, EXIT } from './_command';
import { durableOperation, SYSTEM_KEY_OPTION } from './_durable';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'terminate',
    summary: summaryOf('terminate'),
    positionals: [{ name: 'RUN', help: 'the run id (its orchestration instance id)', required: true }],
    options: [
      { name: 'reason', kind: 'string', value: 'TEXT', help: 'recorded as the run\'s output (default "terminated by an operator")' },
      SYSTEM_KEY_OPTION,
    ],
    remote: true,
    json: true,
    details:
      'POST /runtime/webhooks/durabletask/instances/RUN/terminate?reason=... with the durabletask_extension system key.\n' +
      'The run ends at once, whatever its phase; no clean-up step runs (the AutoML worker finishes its budget, a\n' +
      'challenger deployment stays until retired); the champion is untouched. Exit 1 when the run is unknown or has ended.\n' +
      'Prefer `mlops cancel RUN`: it refuses once the run is deciding, and waits until the run has stopped.',
  },
  async ({ opts, args, print }) => {
    const api = await client(opts);
    const reason = (opts.reason as string | undefined) ?? 'terminated by an operator';
    await durableOperation(api, opts, args.RUN!, 'terminate', reason);
    print({ runId: args.RUN, requested: 'terminate', reason }, () => `terminate requested for ${args.RUN} (mlops logs ${args.RUN} shows when it ended)`);
    return EXIT.OK;
  },
);
