/**
 * `mlops rollback MODEL [VERSION]`: serve an earlier version again. Without VERSION: the newest version
 * older than the champion that was retired (a former champion).
 */
import { CommandFailed, defineCommand, EXIT } from './_command';
import { changeText, makeChampion, versionArg } from './_champion';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'rollback',
    summary: summaryOf('rollback'),
    positionals: [
      { name: 'MODEL', help: 'the model name', required: true },
      { name: 'VERSION', help: 'the version to serve again (default: the previous champion)' },
    ],
    options: [],
    remote: true,
    json: true,
    details: 'The same request as promote: POST /api/models/MODEL/rollback {"version": VERSION}.',
  },
  async ({ opts, args, print }) => {
    const api = await client(opts);
    let version: number;
    if (args.VERSION !== undefined) version = versionArg(args.VERSION);
    else {
      const body = await api.get(`/api/models/${encodeURIComponent(args.MODEL!)}`);
      const current = body.champion?.version as number | undefined;
      const previous = (body.versions as { version: number; status: string }[])
        .filter((v) => v.status === 'retired' && (current === undefined || v.version < current))
        .sort((a, b) => b.version - a.version)[0];
      if (!previous)
        throw new CommandFailed('NO_PREVIOUS_VERSION', `${args.MODEL} has no earlier retired version to roll back to: name one (mlops models ${args.MODEL})`);
      version = previous.version;
    }
    const c = await makeChampion(api, args.MODEL!, version);
    print(c, () => changeText(c));
    return EXIT.OK;
  },
);
