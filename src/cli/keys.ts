/**
 * `mlops keys [--function NAME] [--system] [--master] [--all]`: the app's keys, by kind. Locally they
 * are read where the host keeps them (azure-webjobs-secrets/{hostId}/host.json and {function}.json,
 * the real host's format); for a remote stack they are asked of the host's key API
 * (/admin/host/keys, /admin/host/systemkeys, /admin/functions/{name}/keys) with the master key as --key.
 */
import { MlopsClient } from '../client/api';
import { table } from '../client/format';
import { CommandFailed, defineCommand, EXIT } from './_command';
import { baseUrl, isLocalUrl, KeyDoc, localHostId, readLocalFunctionKeys, readLocalHostSecrets } from './_remote';
import { summaryOf } from './_catalog';

type Kind = 'host' | 'master' | 'function' | 'system';
interface KeyRow {
  kind: Kind;
  function?: string;
  name: string;
  value: string;
}

const OPENS: Record<Kind, string> = {
  host: 'every function-level route (/api/runs, /api/models, /api/score, ...)',
  master: 'everything, admin APIs included: keep it to yourself',
  function: "that function's route only (give clients the score / scoreModel key)",
  system: 'the Durable management API /runtime/webhooks/durabletask/... (durabletask_extension)',
};

async function adminKeys(api: MlopsClient, path: string): Promise<KeyDoc[]> {
  const r = await api.request('GET', path);
  if (r.status === 401)
    throw new CommandFailed('UNAUTHORIZED', `${path} needs the master key as --key (Azure: az functionapp keys list -g RG -n APP --query masterKey -o tsv)`);
  if (r.status === 404) throw new CommandFailed('NOT_FOUND', `${path}: no such function`);
  if (r.status !== 200) throw new CommandFailed(`HTTP_${r.status}`, `${path} answered ${r.status}`);
  return (r.body as { keys: KeyDoc[] }).keys ?? [];
}

export const main = defineCommand(
  {
    name: 'keys',
    summary: summaryOf('keys'),
    options: [
      { name: 'function', kind: 'string', value: 'NAME', help: 'the keys of one function: score (/api/score), scoreModel (/api/models/NAME/score), ...' },
      { name: 'system', kind: 'boolean', help: 'the system keys (durabletask_extension opens the Durable management API)' },
      { name: 'master', kind: 'boolean', aliases: ['show-master'], help: 'also the master key (admin level)' },
      { name: 'all', kind: 'boolean', help: 'every kind: host, master, system, and the score and scoreModel function keys' },
      {
        name: 'value',
        kind: 'boolean',
        help: 'print only one key: the `default` key of the kind asked (master with --master, durabletask_extension with --system), for $(...)',
      },
    ],
    remote: true,
    json: true,
    details:
      'Default: the host keys (open every function-level route). Send a key as header x-functions-key (or ?code=).\n' +
      "Locally they are read from the stack's storage; for an app in Azure either pass its master key as --key, or use\n" +
      'the Azure CLI:\n' +
      '  az functionapp keys list -g RG -n APP                                  # functionKeys, masterKey, systemKeys\n' +
      "  az functionapp function keys list -g RG -n APP --function-name score  # the score function's own keys",
  },
  async ({ opts, print }) => {
    const url = baseUrl(opts);
    const all = opts.all === true;
    const functions = all ? ['score', 'scoreModel'] : opts.function ? [String(opts.function)] : [];
    const wantHost = all || (!opts.function && !opts.system);
    const rows: KeyRow[] = [];
    let hostId: string | undefined;
    const remoteKey = (opts.key as string | undefined) ?? process.env.MLOPS_KEY;
    if (isLocalUrl(url) && !opts.key) {
      const { hostId: id, secrets } = await readLocalHostSecrets();
      hostId = id;
      if (wantHost) for (const k of secrets.functionKeys) rows.push({ kind: 'host', name: k.name, value: k.value });
      if (all || opts.master) rows.push({ kind: 'master', name: 'master', value: secrets.masterKey.value });
      if (all || opts.system) for (const k of secrets.systemKeys ?? []) rows.push({ kind: 'system', name: k.name, value: k.value });
      for (const fn of functions) {
        const keys = await readLocalFunctionKeys(fn);
        if (!keys.length && !all)
          throw new CommandFailed('NOT_FOUND', `no keys for function '${fn}' on host ${localHostId()} (function names: score, scoreModel, startRun, ...)`);
        for (const k of keys) rows.push({ kind: 'function', function: fn, name: k.name, value: k.value });
      }
    } else {
      if (!remoteKey) throw new CommandFailed('UNAUTHORIZED', 'pass the master key as --key to read keys from a remote app (or use az functionapp keys list)');
      const api = new MlopsClient(url, remoteKey);
      if (wantHost) for (const k of await adminKeys(api, '/admin/host/keys')) rows.push({ kind: 'host', name: k.name, value: k.value });
      // The master key is the --key given: not echoed back.
      if (all || opts.system) for (const k of await adminKeys(api, '/admin/host/systemkeys')) rows.push({ kind: 'system', name: k.name, value: k.value });
      for (const fn of functions)
        for (const k of await adminKeys(api, `/admin/functions/${encodeURIComponent(fn)}/keys`))
          rows.push({ kind: 'function', function: fn, name: k.name, value: k.value });
    }
    if (opts.value) {
      const kind: Kind = opts.function ? 'function' : opts.master ? 'master' : opts.system ? 'system' : 'host';
      const want = kind === 'system' ? 'durabletask_extension' : kind === 'master' ? 'master' : 'default';
      const of = rows.filter((r) => r.kind === kind);
      const k = of.find((r) => r.name === want) ?? of[0];
      if (!k) throw new CommandFailed('NOT_FOUND', `no ${kind} key found`);
      process.stdout.write(k.value + '\n');
      return EXIT.OK;
    }
    const kinds = [...new Set(rows.map((r) => r.kind))];
    print({ ...(hostId ? { hostId } : {}), url, keys: rows }, () =>
      [
        ...(hostId ? [`host ${hostId} (${url})`] : []),
        table(
          ['kind', 'function', 'name', 'key'],
          rows.map((r) => [r.kind, r.function ?? '', r.name, r.value]),
        ),
        '',
        ...kinds.map((k) => `${k} key: opens ${OPENS[k]}`),
        'send as header x-functions-key (or ?code=), e.g. export MLOPS_KEY=<key>',
      ].join('\n'),
    );
    return EXIT.OK;
  },
);
