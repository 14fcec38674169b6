/** `mlops retire MODEL`: stop serving a model; its champion deployment is retired, its versions and runs stay. */
import { toError } from '../client/api';
import { defineCommand, EXIT } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'retire',
    summary: summaryOf('retire'),
    positionals: [{ name: 'MODEL', help: 'the model name (= its dataset name)', required: true }],
    options: [],
    remote: true,
    json: true,
    details:
      'POST /api/models/MODEL/retire. Its scoring route then answers 503 NO_MODEL until a version is promoted again\n' +
      '(mlops promote MODEL VERSION) or a new run promotes one.',
  },
  async ({ opts, args, print }) => {
    const api = await client(opts);
    const r = await api.post(`/api/models/${encodeURIComponent(args.MODEL!)}/retire`, {});
    if (r.status !== 200) throw toError(r);
    const retired = (r.body as { retired?: string }).retired;
    print({ model: args.MODEL, retired: retired ?? null }, () =>
      retired ? `retired ${retired}: ${args.MODEL} is no longer served` : `${args.MODEL} had no champion: nothing to retire`,
    );
    return EXIT.OK;
  },
);
