/**
 * `mlops artifacts MODEL VERSION --out DIR`: downloads a model version's folder from the registry
 * container (model.onnx, pipeline.json, leaderboard.json, metrics.json, guardrails.json,
 * model-card.md, benchmark reports; no pipeline.json for a model trained by Azure's own AutoML, whose
 * model.onnx is adapted to the endpoint contract). The version and its folder come from GET /api/models/{name}; the
 * bytes are read from the stack's storage directly (as `upload` writes it): the local stack's, or the
 * account named by --account-url / --connection-string.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommandFailed, defineCommand, EXIT } from './_command';
import { versionArg } from './_champion';
import { client, settings } from './_remote';
import { STORAGE_OPTIONS, storageErrorMessage, storageFor } from './_storage';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'artifacts',
    summary: summaryOf('artifacts'),
    positionals: [
      { name: 'MODEL', help: 'the model name', required: true },
      { name: 'VERSION', help: 'the registered version', required: true },
    ],
    options: [
      { name: 'out', kind: 'string', short: 'o', value: 'DIR', help: 'folder to write them into (created; default ./MODEL-vVERSION)' },
      { name: 'container', kind: 'string', value: 'NAME', help: 'the registry container (default DATASETS_REGISTRY_CONTAINER or registry)' },
      ...STORAGE_OPTIONS,
    ],
    remote: true,
    json: true,
  },
  async ({ opts, args, print }) => {
    const model = args.MODEL!;
    const version = versionArg(args.VERSION);
    const api = await client(opts);
    const body = await api.get(`/api/models/${encodeURIComponent(model)}`);
    const v = (body.versions as { version: number; artifactPrefix: string; status: string }[]).find((x) => x.version === version);
    if (!v) throw new CommandFailed('MODEL_NOT_FOUND', `model '${model}' has no version ${version} (mlops models ${model})`);
    if (!/^models\/[^/]+\/v\d+\/$/.test(v.artifactPrefix)) throw new CommandFailed('BAD_ARTIFACT_PREFIX', `unexpected artifact folder '${v.artifactPrefix}'`);
    const storage = await storageFor(opts);
    const out = path.resolve((opts.out as string | undefined) ?? `${model}-v${version}`);
    const container = storage.service.getContainerClient((opts.container as string | undefined) ?? settings().DATASETS_REGISTRY_CONTAINER ?? 'registry');
    const files: { name: string; bytes: number }[] = [];
    try {
      fs.mkdirSync(out, { recursive: true });
      for await (const b of container.listBlobsFlat({ prefix: v.artifactPrefix })) {
        const rel = b.name.slice(v.artifactPrefix.length);
        // Blob names are the registry's own, but never write outside the folder whatever they are.
        if (!rel || rel.split('/').some((p) => p === '..' || p === '') || path.isAbsolute(rel)) continue;
        const dest = path.join(out, rel);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        await container.getBlobClient(b.name).downloadToFile(dest);
        files.push({ name: rel, bytes: fs.statSync(dest).size });
      }
    } catch (err) {
      throw new CommandFailed('DOWNLOAD_FAILED', `cannot read the registry in ${storage.description}: ${storageErrorMessage(err)}`);
    }
    if (!files.length)
      throw new CommandFailed('NO_ARTIFACTS', `no artifacts under ${v.artifactPrefix} in ${storage.description} (is this the stack's storage?)`);
    print({ model, version, status: v.status, out, files }, () =>
      [`${model} v${version} (${v.status}) -> ${out}`, ...files.map((f) => `  ${f.name}  ${f.bytes} bytes`)].join('\n'),
    );
    return EXIT.OK;
  },
);
