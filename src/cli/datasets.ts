/** `mlops datasets [NAME]`: registered datasets (latest of each), or every version of one. */
import { fmt, table } from '../client/format';
import { defineCommand, EXIT } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'datasets',
    summary: summaryOf('datasets'),
    positionals: [{ name: 'NAME', help: 'one dataset: every version, with rejection reasons' }],
    options: [],
    remote: true,
    json: true,
  },
  async ({ opts, args, print }) => {
    const api = await client(opts);
    const name = args.NAME;
    const body = await api.get(name ? `/api/datasets/${encodeURIComponent(name)}` : '/api/datasets');
    const rows: any[] = (name ? body.versions : body.datasets) ?? [];
    print(body, () =>
      table(
        ['name', 'version', 'status', 'rows', 'columns', 'target', 'task', 'class balance / reason', 'run'],
        rows.map((d) => [
          d.name,
          String(d.version),
          d.status,
          String(d.rows ?? '-'),
          String(d.columns ?? '-'),
          d.target ?? '-',
          d.task ?? '-',
          d.status === 'rejected'
            ? `${d.reason?.code}: ${d.reason?.message ?? ''}`.slice(0, 100)
            : d.classBalance
              ? d.classBalance.map((c: any) => `${c.value} ${fmt(c.fraction * 100, 1)}%`).join(' ')
              : '-',
          d.runId ?? '-',
        ]),
      ),
    );
    return EXIT.OK;
  },
);
