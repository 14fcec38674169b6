/**
 * `mlops score [--model NAME] --row JSON | --file FILE [--proba] [--deployment NAME]`: scores rows
 * through the proxy: POST /api/models/{name}/score with --model (the scoreModel function's key),
 * else POST /api/score (the default model; the score function's key). Locally these are the keys a
 * client would be given; --key overrides.
 */
import * as fs from 'node:fs';
import { CommandFailed, defineCommand, EXIT, UsageError } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'score',
    summary: summaryOf('score'),
    options: [
      { name: 'model', kind: 'string', short: 'm', value: 'NAME', help: "score with this model's champion (default: the default model of /api/score)" },
      { name: 'row', kind: 'string', value: 'JSON', help: 'one row as a JSON object: every input column of the model (see /api/swagger.json)' },
      {
        name: 'file',
        kind: 'string',
        short: 'f',
        value: 'FILE',
        help: 'a JSON file: an array of row objects, or a whole request body (any of the three shapes)',
      },
      { name: 'proba', kind: 'boolean', help: 'class probabilities instead of labels (GlobalParameters.method = predict_proba)' },
      {
        name: 'deployment',
        kind: 'string',
        value: 'NAME',
        help: 'score with this running deployment instead of the champion (header azureml-model-deployment)',
      },
    ],
    remote: true,
    json: true,
    details: 'Prints the response body; the served model follows in parentheses (headers x-model-name, x-model-version), not with --json.',
  },
  async ({ opts, json }) => {
    let parsed: unknown;
    try {
      if (opts.row) parsed = [JSON.parse(opts.row as string)];
      else if (opts.file) parsed = JSON.parse(fs.readFileSync(opts.file as string, 'utf8'));
      else throw new UsageError('give --row JSON or --file FILE');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(
        `${opts.row ? '--row' : '--file'}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON: ${(err as Error).message}`}`,
      );
    }
    const rows = Array.isArray(parsed) ? parsed : undefined;
    const body = rows ? (opts.proba ? { Inputs: { data: rows }, GlobalParameters: { method: 'predict_proba' } } : { data: rows }) : parsed;
    const model = opts.model as string | undefined;
    const api = await client(opts, { kind: 'function', name: model ? 'scoreModel' : 'score' });
    const route = model ? `/api/models/${encodeURIComponent(model)}/score` : '/api/score';
    const r = await api.request('POST', route, body, opts.deployment ? { 'azureml-model-deployment': String(opts.deployment) } : {});
    const served = r.headers.get('x-model-name') ? ` (model ${r.headers.get('x-model-name')} v${r.headers.get('x-model-version')})` : '';
    if (r.status !== 200) {
      if (r.status === 401) throw new CommandFailed('UNAUTHORIZED', `${route} refused the key (a function key of score / scoreModel, or a host key)`);
      const e = (r.body as { error?: { code?: string; message?: string; fields?: string[]; models?: string[] } })?.error;
      const more = e?.fields ? ` (fields: ${e.fields.join(', ')})` : e?.models ? ` (models: ${e.models.join(', ')}; pass --model)` : '';
      throw new CommandFailed(e?.code ?? `HTTP_${r.status}`, `HTTP ${r.status}: ${e?.message ?? JSON.stringify(r.body)}${more}${served}`);
    }
    process.stdout.write(JSON.stringify(r.body) + (json ? '' : served) + '\n');
    return EXIT.OK;
  },
);
