import { json } from '../core/http';
import type { EmuRequest } from '../core/http';
import type { EmulatorContext, EmulatorPlugin } from '../core/plugin';
import { ArmResource, childId, page, PROVIDER, systemData, SystemData, WorkspaceParams } from '../core/resource';
import { WORKSPACE_PATH } from '../core/router';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/;

/** What differs between data assets and model assets. */
interface AssetKind {
  /** URL segment: data | models. */
  segment: 'data' | 'models';
  label: string;
  /** Validates and normalises a version's properties; returns the fields that may never change. */
  version(props: Record<string, unknown>, ctx: EmulatorContext): { props: Record<string, unknown>; immutable: unknown };
  container(latest: Record<string, unknown>): Record<string, unknown>;
}

interface StoredVersion {
  resource: ArmResource;
  immutable: unknown;
}

const strDict = (v: unknown, field: string, ctx: EmulatorContext): Record<string, string> | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string' && x !== null)) {
    throw ctx.errors.validation(`${field} must be a dictionary of strings`, field);
  }
  return v as Record<string, string>;
};

const DATA: AssetKind = {
  segment: 'data',
  label: 'data version',
  version(p, ctx) {
    const dataType = p.dataType;
    if (dataType !== 'uri_file' && dataType !== 'uri_folder' && dataType !== 'mltable')
      throw ctx.errors.validation("dataType must be one of 'uri_file', 'uri_folder', 'mltable'", 'dataType');
    if (typeof p.dataUri !== 'string' || !/[a-zA-Z0-9_]/.test(p.dataUri)) throw ctx.errors.validation('dataUri is required', 'dataUri');
    const props: Record<string, unknown> = {
      dataType,
      dataUri: p.dataUri,
      description: p.description ?? null,
      tags: strDict(p.tags, 'tags', ctx) ?? {},
      properties: strDict(p.properties, 'properties', ctx) ?? {},
      isAnonymous: p.isAnonymous === true,
      isArchived: p.isArchived === true,
    };
    if (dataType === 'mltable') props.referencedUris = Array.isArray(p.referencedUris) ? p.referencedUris : [];
    return { props, immutable: { dataType, dataUri: p.dataUri } };
  },
  container: (latest) => ({ dataType: latest.dataType }),
};

const MODELS: AssetKind = {
  segment: 'models',
  label: 'model version',
  version(p, ctx) {
    for (const f of ['modelType', 'modelUri', 'jobName', 'stage', 'description'] as const) {
      if (p[f] !== undefined && p[f] !== null && typeof p[f] !== 'string') throw ctx.errors.validation(`${f} must be a string`, f);
    }
    const props: Record<string, unknown> = {
      modelType: p.modelType ?? 'custom_model',
      modelUri: p.modelUri ?? null,
      jobName: p.jobName ?? null,
      flavors: p.flavors ?? null,
      stage: p.stage ?? null,
      description: p.description ?? null,
      tags: strDict(p.tags, 'tags', ctx) ?? {},
      properties: strDict(p.properties, 'properties', ctx) ?? {},
      isAnonymous: p.isAnonymous === true,
      isArchived: p.isArchived === true,
    };
    return { props, immutable: { modelType: props.modelType, modelUri: props.modelUri } };
  },
  container: () => ({}),
};

function register(ctx: EmulatorContext, kind: AssetKind): void {
  const coll = `assets.${kind.segment}`;
  const base = `${WORKSPACE_PATH}/${kind.segment}`;
  const key = (req: EmuRequest, version?: string) => `${req.params.name}/${version ?? ''}`;
  const versions = (req: EmuRequest) => ctx.state.list<StoredVersion>(coll, `${req.params.name}/`);

  const containerOf = (req: EmuRequest): ArmResource | undefined => {
    const all = versions(req);
    if (!all.length) return undefined;
    const latest = all[all.length - 1].resource;
    const numeric = all.map((v) => Number(v.resource.name)).filter((n) => Number.isInteger(n));
    return {
      id: childId(req.params as unknown as WorkspaceParams, kind.segment, req.params.name),
      name: req.params.name,
      type: `${PROVIDER}/workspaces/${kind.segment}`,
      systemData: all[0].resource.systemData,
      properties: {
        ...kind.container(latest.properties),
        description: null,
        tags: {},
        properties: {},
        isArchived: false,
        latestVersion: latest.name,
        nextVersion: String((numeric.length ? Math.max(...numeric) : 0) + 1),
        provisioningState: 'Succeeded',
      },
    };
  };

  ctx.router.add('PUT', `${base}/{name}/versions/{version}`, (req) => {
    ctx.requireWorkspace(req);
    const { name, version } = req.params;
    if (!NAME.test(name)) throw ctx.errors.validation(`name '${name}' must match ${NAME.source}`, 'name');
    const body = req.body as { properties?: Record<string, unknown> } | undefined;
    if (!body || typeof body.properties !== 'object' || body.properties === null) throw ctx.errors.validation('properties is required', 'properties');
    const { props, immutable } = kind.version(body.properties, ctx);
    const prev = ctx.state.get<StoredVersion>(coll, key(req, version));
    if (prev && JSON.stringify(prev.immutable) !== JSON.stringify(immutable)) {
      throw ctx.errors.conflict(`The ${kind.label} ${name}:${version} already exists with different content; versions are immutable.`, `${name}:${version}`);
    }
    const resource: ArmResource = {
      id: childId(req.params as unknown as WorkspaceParams, kind.segment, name, 'versions', version),
      name: version,
      type: `${PROVIDER}/workspaces/${kind.segment}/versions`,
      systemData: systemData(prev?.resource.systemData as SystemData | undefined),
      // The spec gives model versions a provisioningState, data versions none.
      properties: kind.segment === 'models' ? { ...props, provisioningState: 'Succeeded' } : props,
    };
    ctx.state.put(coll, key(req, version), { resource, immutable });
    return json(prev ? 200 : 201, resource);
  });

  ctx.router.add('GET', `${base}/{name}/versions/{version}`, (req) => {
    ctx.requireWorkspace(req);
    const v = ctx.state.get<StoredVersion>(coll, key(req, req.params.version));
    if (!v) throw ctx.errors.notFound(kind.label, `${req.params.name}:${req.params.version}`);
    return json(200, v.resource);
  });

  ctx.router.add('GET', `${base}/{name}/versions`, (req) => {
    ctx.requireWorkspace(req);
    return json(200, page(versions(req).map((v) => v.resource)));
  });

  ctx.router.add('GET', `${base}/{name}`, (req) => {
    ctx.requireWorkspace(req);
    const c = containerOf(req);
    if (!c) throw ctx.errors.notFound(kind.segment === 'data' ? 'data container' : 'model container', req.params.name);
    return json(200, c);
  });

  ctx.router.add('GET', base, (req) => {
    ctx.requireWorkspace(req);
    const names = [...new Set(ctx.state.list<StoredVersion>(coll).map((v) => v.resource.id.split('/').slice(-3)[0]))];
    return json(200, page(names.map((n) => containerOf({ ...req, params: { ...req.params, name: n } })!)));
  });
}

/** Data assets and model assets: containers and immutable versions, as the SDK's data/model operations use them. */
export const assetsPlugin: EmulatorPlugin = {
  name: 'assets',
  register(ctx) {
    register(ctx, DATA);
    register(ctx, MODELS);
  },
};

/** A data version, for other plugins (jobs resolve their training data through it). */
export function dataVersion(ctx: EmulatorContext, name: string, version: string): ArmResource | undefined {
  return ctx.state.get<StoredVersion>('assets.data', `${name}/${version}`)?.resource;
}
