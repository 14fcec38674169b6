/**
 * Request bodies of online endpoints and deployments, checked the way the service documents them:
 * names are DNS labels, traffic values are integers summing to 100 (or nothing yet), mirrored traffic
 * sums to at most 50 and goes only to deployments without live traffic, every name in either map is a
 * deployment of the endpoint.
 */
import { armErrors } from '../core/errors';

export const ONLINE_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

const AUTH_MODES = ['Key', 'AMLToken', 'AADToken'];

export function checkName(kind: 'endpoint' | 'deployment', name: string): void {
  if (!ONLINE_NAME.test(name)) {
    throw armErrors.validation(
      `The ${kind} name '${name}' is invalid: it must start with a letter, be 3-32 characters long and contain only letters, digits and '-', not ending with '-'.`,
      'name',
    );
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function percentMap(v: unknown, field: string): Record<string, number> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw armErrors.validation(`${field} must be a dictionary of deployment name to percent`, field);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 100)
      throw armErrors.validation(`${field}.${k} must be an integer from 0 to 100`, `${field}.${k}`);
    out[k] = n as number;
  }
  return out;
}

export interface EndpointInput {
  location: string;
  tags: Record<string, string>;
  identity: { type: string };
  kind: string;
  authMode: string;
  description: string | null;
  properties: Record<string, string>;
  publicNetworkAccess: string;
  traffic: Record<string, number>;
  mirrorTraffic: Record<string, number>;
}

/** A PUT body of an endpoint, against the endpoint's deployments (lower-cased names). */
export function endpointInput(body: unknown, deployments: readonly string[]): EndpointInput {
  if (!isObj(body)) throw armErrors.validation('The request body must be an online endpoint.', 'body');
  if (typeof body.location !== 'string' || !body.location) throw armErrors.validation("The 'location' field is required.", 'location');
  const p = body.properties;
  if (!isObj(p)) throw armErrors.validation("The 'properties' field is required.", 'properties');
  const authMode = AUTH_MODES.find((m) => m.toLowerCase() === String(p.authMode ?? '').toLowerCase());
  if (!authMode) throw armErrors.validation(`authMode must be one of ${AUTH_MODES.join(', ')}.`, 'properties.authMode');
  const traffic = percentMap(p.traffic, 'properties.traffic');
  const mirrorTraffic = percentMap(p.mirrorTraffic, 'properties.mirrorTraffic');
  const known = new Set(deployments.map((d) => d.toLowerCase()));
  for (const [field, map] of [
    ['traffic', traffic],
    ['mirrorTraffic', mirrorTraffic],
  ] as const) {
    for (const k of Object.keys(map)) {
      if (!known.has(k.toLowerCase()))
        throw armErrors.validation(`${field} names deployment '${k}', which does not exist in this endpoint.`, `properties.${field}`);
    }
  }
  const sum = Object.values(traffic).reduce((s, n) => s + n, 0);
  if (sum !== 0 && sum !== 100) throw armErrors.validation(`Traffic values need to sum to 100 (got ${sum}).`, 'properties.traffic');
  const mirrorSum = Object.values(mirrorTraffic).reduce((s, n) => s + n, 0);
  if (mirrorSum > 50) throw armErrors.validation(`Mirror traffic values need to sum to at most 50 (got ${mirrorSum}).`, 'properties.mirrorTraffic');
  for (const [k, n] of Object.entries(mirrorTraffic)) {
    if (n > 0 && (traffic[k] ?? 0) > 0)
      throw armErrors.validation(`Deployment '${k}' gets live traffic and cannot also receive mirrored traffic.`, 'properties.mirrorTraffic');
  }
  const tags = isObj(body.tags) ? (body.tags as Record<string, string>) : {};
  const identity = isObj(body.identity) && typeof body.identity.type === 'string' ? { type: body.identity.type } : { type: 'SystemAssigned' };
  return {
    location: body.location,
    tags,
    identity,
    kind: typeof body.kind === 'string' ? body.kind : 'Managed',
    authMode,
    description: typeof p.description === 'string' ? p.description : null,
    properties: isObj(p.properties) ? (p.properties as Record<string, string>) : {},
    publicNetworkAccess: p.publicNetworkAccess === 'Disabled' ? 'Disabled' : 'Enabled',
    traffic: Object.fromEntries(Object.entries(traffic).filter(([, n]) => n > 0)),
    mirrorTraffic: Object.fromEntries(Object.entries(mirrorTraffic).filter(([, n]) => n > 0)),
  };
}

export interface DeploymentInput {
  location: string;
  tags: Record<string, string>;
  kind: string;
  sku: { name: string; tier?: string; capacity: number };
  properties: Record<string, unknown> & { model: string; instanceType: string };
}

const PROBE_DEFAULT = { initialDelay: 'PT10S', period: 'PT10S', timeout: 'PT2S', failureThreshold: 30, successThreshold: 1 };

/** A PUT body of a managed deployment, with the service's defaults filled in. */
export function deploymentInput(body: unknown): DeploymentInput {
  if (!isObj(body)) throw armErrors.validation('The request body must be an online deployment.', 'body');
  if (typeof body.location !== 'string' || !body.location) throw armErrors.validation("The 'location' field is required.", 'location');
  const p = body.properties;
  if (!isObj(p)) throw armErrors.validation("The 'properties' field is required.", 'properties');
  if (p.endpointComputeType !== 'Managed')
    throw armErrors.validation(`endpointComputeType '${String(p.endpointComputeType)}' is not supported here: only Managed.`, 'properties.endpointComputeType');
  if (typeof p.model !== 'string' || !p.model) throw armErrors.validation("A managed deployment needs 'model' (a model version id).", 'properties.model');
  if (typeof p.instanceType !== 'string' || !p.instanceType) throw armErrors.validation("'instanceType' is required.", 'properties.instanceType');
  const sku = isObj(body.sku) ? body.sku : {};
  const capacity = sku.capacity ?? 1;
  if (!Number.isInteger(capacity) || (capacity as number) < 1 || (capacity as number) > 20)
    throw armErrors.validation('sku.capacity must be an integer from 1 to 20.', 'sku.capacity');
  const scale = isObj(p.scaleSettings) ? p.scaleSettings : { scaleType: 'Default' };
  if (scale.scaleType !== 'Default' && scale.scaleType !== 'TargetUtilization')
    throw armErrors.validation("scaleSettings.scaleType must be 'Default' or 'TargetUtilization'.", 'properties.scaleSettings');
  const req = isObj(p.requestSettings) ? p.requestSettings : {};
  return {
    location: body.location,
    tags: isObj(body.tags) ? (body.tags as Record<string, string>) : {},
    kind: typeof body.kind === 'string' ? body.kind : 'Managed',
    sku: {
      name: typeof sku.name === 'string' ? sku.name : 'Default',
      tier: typeof sku.tier === 'string' ? sku.tier : 'Standard',
      capacity: capacity as number,
    },
    properties: {
      endpointComputeType: 'Managed',
      model: p.model,
      instanceType: p.instanceType,
      description: typeof p.description === 'string' ? p.description : null,
      properties: isObj(p.properties) ? p.properties : {},
      environmentId: typeof p.environmentId === 'string' ? p.environmentId : null,
      environmentVariables: isObj(p.environmentVariables) ? p.environmentVariables : {},
      codeConfiguration: isObj(p.codeConfiguration) ? p.codeConfiguration : null,
      appInsightsEnabled: p.appInsightsEnabled === true,
      egressPublicNetworkAccess: p.egressPublicNetworkAccess === 'Disabled' ? 'Disabled' : 'Enabled',
      scaleSettings: scale,
      requestSettings: {
        requestTimeout: typeof req.requestTimeout === 'string' ? req.requestTimeout : 'PT5S',
        maxConcurrentRequestsPerInstance: Number.isInteger(req.maxConcurrentRequestsPerInstance) ? req.maxConcurrentRequestsPerInstance : 1,
        maxQueueWait: typeof req.maxQueueWait === 'string' ? req.maxQueueWait : 'PT0.5S',
      },
      livenessProbe: isObj(p.livenessProbe) ? { ...PROBE_DEFAULT, ...p.livenessProbe } : PROBE_DEFAULT,
      readinessProbe: isObj(p.readinessProbe) ? { ...PROBE_DEFAULT, ...p.readinessProbe } : PROBE_DEFAULT,
    },
  };
}

/** ISO-8601 duration (PT5S, PT1M30S, PT0.5S) in milliseconds; undefined when it is not one. */
export function durationMs(iso: unknown): number | undefined {
  if (typeof iso !== 'string') return undefined;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return undefined;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}
