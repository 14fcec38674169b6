/**
 * The response schemas of online endpoints and deployments at api-version 2025-12-01, written from the
 * published spec (azure-rest-api-specs, specification/machinelearningservices/.../stable/2025-12-01/
 * mfe.json: OnlineEndpointTrackedResource, OnlineEndpoint, EndpointPropertiesBase,
 * OnlineDeploymentTrackedResource, OnlineDeployment, EndpointDeploymentPropertiesBase,
 * OnlineRequestSettings, OnlineScaleSettings, ProbeSettings, EndpointAuthKeys, EndpointAuthToken,
 * DeploymentLogs; TrackedResource, Sku and ManagedServiceIdentity from common-types v3). Property
 * objects are closed (additionalProperties: false) as in the spec, so a field the service does not
 * have fails the check.
 */
import Ajv, { ValidateFunction } from 'ajv';

const duration = { type: 'string', pattern: '^P(?!$)(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$' };
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });
const strDict = { type: 'object', additionalProperties: { type: ['string', 'null'] } };
const intDict = { type: 'object', additionalProperties: { type: 'integer' } };

const systemData = {
  type: 'object',
  properties: {
    createdBy: { type: 'string' },
    createdByType: { enum: ['User', 'Application', 'ManagedIdentity', 'Key'] },
    createdAt: { type: 'string', format: 'date-time' },
    lastModifiedBy: { type: 'string' },
    lastModifiedByType: { enum: ['User', 'Application', 'ManagedIdentity', 'Key'] },
    lastModifiedAt: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
};

const trackedResource = {
  id: { type: 'string', pattern: '^/subscriptions/' },
  name: { type: 'string' },
  type: { type: 'string' },
  systemData,
  tags: { type: 'object', additionalProperties: { type: 'string' } },
  location: { type: 'string', minLength: 1 },
};

const identity = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned'] },
    principalId: { type: 'string', format: 'uuid' },
    tenantId: { type: 'string', format: 'uuid' },
    userAssignedIdentities: { type: 'object' },
  },
  additionalProperties: false,
};

const sku = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    tier: { enum: ['Free', 'Basic', 'Standard', 'Premium'] },
    size: { type: 'string' },
    family: { type: 'string' },
    capacity: { type: 'integer' },
  },
  additionalProperties: false,
};

const probe = {
  type: 'object',
  properties: {
    failureThreshold: { type: 'integer' },
    initialDelay: nullable(duration),
    period: duration,
    successThreshold: { type: 'integer' },
    timeout: duration,
  },
  additionalProperties: false,
};

export const ONLINE_ENDPOINT = {
  type: 'object',
  required: ['location', 'properties', 'id', 'name', 'type'],
  properties: {
    ...trackedResource,
    identity,
    kind: { type: 'string' },
    sku,
    properties: {
      type: 'object',
      required: ['authMode'],
      properties: {
        authMode: { enum: ['AMLToken', 'Key', 'AADToken'] },
        description: { type: ['string', 'null'] },
        keys: nullable({
          type: 'object',
          properties: { primaryKey: { type: ['string', 'null'] }, secondaryKey: { type: ['string', 'null'] } },
          additionalProperties: false,
        }),
        properties: strDict,
        scoringUri: { type: ['string', 'null'], format: 'uri' },
        swaggerUri: { type: ['string', 'null'], format: 'uri' },
        compute: { type: ['string', 'null'] },
        mirrorTraffic: nullable(intDict),
        provisioningState: { enum: ['Creating', 'Deleting', 'Succeeded', 'Failed', 'Updating', 'Canceled'] },
        publicNetworkAccess: { enum: ['Enabled', 'Disabled'] },
        traffic: nullable(intDict),
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

export const ONLINE_DEPLOYMENT = {
  type: 'object',
  required: ['location', 'properties', 'id', 'name', 'type'],
  properties: {
    ...trackedResource,
    identity,
    kind: { type: 'string' },
    sku,
    properties: {
      type: 'object',
      required: ['endpointComputeType'],
      properties: {
        codeConfiguration: nullable({
          type: 'object',
          required: ['scoringScript'],
          properties: { codeId: { type: ['string', 'null'] }, scoringScript: { type: 'string' } },
        }),
        description: { type: ['string', 'null'] },
        environmentId: { type: ['string', 'null'] },
        environmentVariables: nullable(strDict),
        properties: nullable(strDict),
        appInsightsEnabled: { type: 'boolean' },
        dataCollector: { type: ['object', 'null'] },
        egressPublicNetworkAccess: { enum: ['Enabled', 'Disabled'] },
        endpointComputeType: { enum: ['Managed', 'Kubernetes', 'AzureMLCompute'] },
        instanceType: { type: ['string', 'null'] },
        livenessProbe: nullable(probe),
        readinessProbe: nullable(probe),
        startupProbe: nullable(probe),
        model: { type: ['string', 'null'] },
        modelMountPath: { type: ['string', 'null'] },
        provisioningState: { enum: ['Creating', 'Deleting', 'Scaling', 'Updating', 'Succeeded', 'Failed', 'Canceled'] },
        requestSettings: nullable({
          type: 'object',
          properties: { maxConcurrentRequestsPerInstance: { type: 'integer' }, maxQueueWait: duration, requestTimeout: duration },
          additionalProperties: false,
        }),
        scaleSettings: nullable({ type: 'object', required: ['scaleType'], properties: { scaleType: { enum: ['Default', 'TargetUtilization'] } } }),
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const page = (item: object) => ({
  type: 'object',
  required: ['value'],
  properties: { value: { type: 'array', items: item }, nextLink: { type: 'string' } },
  additionalProperties: false,
});

export const SCHEMAS = {
  OnlineEndpoint: ONLINE_ENDPOINT,
  OnlineEndpointList: page(ONLINE_ENDPOINT),
  OnlineDeployment: ONLINE_DEPLOYMENT,
  /** What a client sends: the same shapes without the server-set id, name and type. */
  OnlineEndpointRequest: { ...ONLINE_ENDPOINT, required: ['location', 'properties'] },
  OnlineDeploymentRequest: { ...ONLINE_DEPLOYMENT, required: ['location', 'properties'] },
  OnlineDeploymentList: page(ONLINE_DEPLOYMENT),
  EndpointAuthKeys: { type: 'object', properties: { primaryKey: { type: 'string' }, secondaryKey: { type: 'string' } }, additionalProperties: false },
  EndpointAuthToken: {
    type: 'object',
    properties: {
      accessToken: { type: 'string' },
      expiryTimeUtc: { type: 'integer' },
      refreshAfterTimeUtc: { type: 'integer' },
      tokenType: { type: 'string' },
    },
    additionalProperties: false,
  },
  DeploymentLogs: { type: 'object', properties: { content: { type: 'string' } }, additionalProperties: false },
  ErrorResponse: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          target: { type: 'string' },
          details: { type: 'array' },
          additionalInfo: { type: 'array' },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
} as const;

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  formats: { uuid: /^[0-9a-f-]{36}$/i, uri: /^https:\/\//, 'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/ },
});
const compiled = new Map<string, ValidateFunction>();

/** Errors of `body` against the named schema ([] when it conforms). */
export function specErrors(name: keyof typeof SCHEMAS, body: unknown): string[] {
  let v = compiled.get(name);
  if (!v) compiled.set(name, (v = ajv.compile(SCHEMAS[name])));
  return v(body)
    ? []
    : (v.errors ?? []).map(
        (e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
}
