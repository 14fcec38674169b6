/** `mlops datasets [NAME]`: registered datasets (latest of each), or every version of one. */
import { fmt, table } from '../client/format';
import { remoteCommand } from './_simple';

export const main = remoteCommand('datasets', 'Datasets and their versions (status, rows, reason when rejected).', [], async (api, opts, name) => {
  const body = await api.get(name ? `/api/datasets/${encodeURIComponent(name)}` : '/api/datasets');
  if (opts.json) return process.stdout.write(JSON.stringify(body, null, 2) + '\n'), 0;
  const rows: any[] = name ? body.versions : body.datasets;
  process.stdout.write(
    table(
      ['name', 'version', 'status', 'rows', 'columns', 'target', 'positive share / reason', 'run'],
      rows.map((d) => [
        d.name,
        String(d.version),
        d.status,
        String(d.rows ?? '-'),
        String(d.columns ?? '-'),
        d.target ?? '-',
        d.status === 'rejected' ? `${d.reason?.code}: ${d.reason?.message ?? ''}`.slice(0, 80) : d.classBalance ? d.classBalance.map((c: any) => `${c.value} ${fmt(c.fraction * 100, 1)}%`).join(' ') : '-',
        d.runId ?? '-',
      ]),
    ) + '\n',
  );
  return 0;
});
