/** `mlops promote MODEL VERSION`: make a registered model version the champion of its model. */
import { defineCommand, EXIT } from './_command';
import { changeText, makeChampion, versionArg } from './_champion';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'promote',
    summary: summaryOf('promote'),
    positionals: [
      { name: 'MODEL', help: 'the model name (= its dataset name; see mlops models)', required: true },
      { name: 'VERSION', help: 'the registered version to serve', required: true },
    ],
    options: [],
    remote: true,
    json: true,
    details:
      'POST /api/models/MODEL/rollback {"version": VERSION}: deploys the version if it is not running, makes it the\n' +
      'champion in one step (the previous champion is retired), bypassing the benchmark and metric checks of a run.',
  },
  async ({ opts, args, print }) => {
    const version = versionArg(args.VERSION);
    const c = await makeChampion(await client(opts), args.MODEL!, version);
    print(c, () => changeText(c));
    return EXIT.OK;
  },
);
