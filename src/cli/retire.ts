/**
 * `mlops retire NAME`: stop serving a model (its champion deployment is retired; its versions and runs
 * stay), or retire one deployment that is not a champion (a challenger left running, an old version).
 * NAME is a deployment when one of that name exists, else a model; --model or --deployment decide.
 */
import { toError } from '../client/api';
import { defineCommand, EXIT, UsageError } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'retire',
    summary: summaryOf('retire'),
    positionals: [{ name: 'NAME', help: 'a model name (= its dataset name) or a deployment name (as mlops models lists them)', required: true }],
    options: [
      { name: 'model', kind: 'boolean', help: 'NAME is a model: retire its champion, stop serving it' },
      { name: 'deployment', kind: 'boolean', help: 'NAME is a deployment: retire it (refused for a champion)' },
    ],
    remote: true,
    json: true,
    details:
      'A model: POST /api/models/NAME/retire. Its scoring route then answers 503 NO_MODEL until a version is\n' +
      'promoted again (mlops promote NAME VERSION) or a new run promotes one.\n' +
      'A deployment: POST /api/deployments/NAME/retire. It is drained and stopped and loses its keys; a champion\n' +
      'is refused with DEPLOYMENT_IS_CHAMPION (retire the model, or roll back / promote another version).\n' +
      'Without --model or --deployment, NAME is a deployment when GET /api/deployments lists one of that name.',
  },
  async ({ opts, args, print }) => {
    const api = await client(opts);
    const name = args.NAME!;
    if (opts.model && opts.deployment) throw new UsageError('--model and --deployment exclude each other');
    let asDeployment = Boolean(opts.deployment);
    if (!opts.model && !opts.deployment) {
      const list = await api.get('/api/deployments');
      asDeployment = ((list.deployments ?? []) as { name: string }[]).some((d) => d.name === name);
    }
    if (asDeployment) {
      const r = await api.post(`/api/deployments/${encodeURIComponent(name)}/retire`, {});
      if (r.status !== 200) throw toError(r);
      const already = (r.body as { alreadyRetired?: boolean }).alreadyRetired === true;
      print({ deployment: name, retired: name, alreadyRetired: already }, () =>
        already ? `deployment ${name} was already retired` : `retired deployment ${name}`,
      );
      return EXIT.OK;
    }
    const r = await api.post(`/api/models/${encodeURIComponent(name)}/retire`, {});
    if (r.status !== 200) throw toError(r);
    const retired = (r.body as { retired?: string }).retired;
    print({ model: name, retired: retired ?? null }, () =>
      retired ? `retired ${retired}: ${name} is no longer served` : `${name} had no champion: nothing to retire`,
    );
    return EXIT.OK;
  },
);
