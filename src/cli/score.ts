/**
 * `mlops score --row '{"age":41,...}' | --file rows.json [--proba] [--deployment NAME]`: scores rows through
 * POST /api/score (the champion, or a named deployment).
 */
import * as fs from 'node:fs';
import { UsageError } from './_args';
import { remoteCommand } from './_simple';

export const main = remoteCommand(
  'score',
  'Score rows through the proxy (/api/score).',
  [
    { name: 'row', kind: 'string', help: 'one row as a JSON object' },
    { name: 'file', kind: 'string', help: 'a JSON file: an array of row objects, or a full request body' },
    { name: 'proba', kind: 'boolean', help: 'class probabilities instead of labels' },
    { name: 'deployment', kind: 'string', help: 'score with this deployment instead of the champion' },
  ],
  async (api, opts) => {
    let parsed: unknown;
    try {
      if (opts.row) parsed = [JSON.parse(opts.row as string)];
      else if (opts.file) parsed = JSON.parse(fs.readFileSync(opts.file as string, 'utf8'));
      else throw new UsageError('give --row or --file');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`not valid JSON: ${(err as Error).message}`);
    }
    const rows = Array.isArray(parsed) ? parsed : undefined;
    const body = rows ? (opts.proba ? { Inputs: { data: rows }, GlobalParameters: { method: 'predict_proba' } } : { data: rows }) : parsed;
    const r = await api.request('POST', '/api/score', body, opts.deployment ? { 'azureml-model-deployment': String(opts.deployment) } : {});
    const model = r.headers.get('x-model-name') ? ` (model ${r.headers.get('x-model-name')} v${r.headers.get('x-model-version')})` : '';
    if (r.status !== 200) {
      process.stderr.write(`mlops score: HTTP ${r.status}${model}: ${JSON.stringify(r.body)}\n`);
      return 1;
    }
    process.stdout.write(JSON.stringify(r.body) + (opts.json ? '' : model) + '\n');
    return 0;
  },
);
