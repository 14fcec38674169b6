/**
 * ARM routes of managed online endpoints: PUT (201/200 + Azure-AsyncOperation; the new traffic and
 * mirror maps apply when the operation completes), PATCH (tags/identity only, 202 + Location), GET,
 * list, DELETE (202 + Location; stops every deployment), and the POST actions listKeys,
 * regenerateKeys (202 + Location; the new key is in force when the operation completes) and token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { json } from '../core/http';
import type { EmuRequest } from '../core/http';
import type { EmulatorContext } from '../core/plugin';
import { page, systemData } from '../core/resource';
import { WORKSPACE_PATH } from '../core/router';
import type { Runtime } from './runtime';
import { DEPLOYMENTS, DeploymentRecord, depKey, endpointBody, EndpointRecord, ENDPOINTS, endpointState } from './state';
import { checkName, EndpointInput, endpointInput } from './validate';

export const ENDPOINT_PATH = `${WORKSPACE_PATH}/onlineEndpoints/{endpointName}`;

const newKey = () => randomBytes(32).toString('base64url');

export function busyConflict(ctx: EmulatorContext, what: string, ep: EndpointRecord, state = endpointState(ep)) {
  return ctx.errors.conflict(`${what} because it is in ${state} provisioning state.`, ep.name);
}

export function deploymentsOf(ctx: EmulatorContext, endpoint: string): DeploymentRecord[] {
  return ctx.state.list<DeploymentRecord>(DEPLOYMENTS, `${endpoint}/`);
}

export function requireEndpoint(ctx: EmulatorContext, req: EmuRequest): EndpointRecord {
  ctx.requireWorkspace(req);
  const ep = ctx.state.get<EndpointRecord>(ENDPOINTS, req.params.endpointName);
  if (!ep) throw ctx.errors.notFound('online endpoint', req.params.endpointName);
  return ep;
}

export function registerEndpoints(ctx: EmulatorContext, runtime: Runtime): void {
  ctx.lro.define('online.endpoint.put', (op) => {
    const { name, input } = op.payload as { name: string; input: EndpointInput };
    // The identity keeps its principal: only its type comes from the request.
    ctx.state.update<EndpointRecord>(ENDPOINTS, name, (ep) => ({
      ...ep!,
      ...input,
      identity: { ...ep!.identity, type: input.identity.type },
      provisioningState: 'Succeeded',
      systemData: systemData(ep!.systemData),
    }));
    ctx.log(`endpoint ${name}: traffic ${JSON.stringify(input.traffic)} mirror ${JSON.stringify(input.mirrorTraffic)}`);
  });
  ctx.lro.define('online.endpoint.patch', (op) => {
    const { name, tags, identity } = op.payload as { name: string; tags?: Record<string, string>; identity?: { type: string } };
    ctx.state.update<EndpointRecord>(ENDPOINTS, name, (ep) => ({
      ...ep!,
      tags: tags ?? ep!.tags,
      identity: identity ? { ...ep!.identity, type: identity.type } : ep!.identity,
      provisioningState: 'Succeeded',
    }));
  });
  ctx.lro.define('online.endpoint.delete', async (op) => {
    const { name } = op.payload as { name: string };
    for (const d of deploymentsOf(ctx, name)) {
      await runtime.stop(depKey(name, d.name));
      ctx.state.delete(DEPLOYMENTS, depKey(name, d.name));
    }
    ctx.state.delete(ENDPOINTS, name);
  });
  ctx.lro.define('online.endpoint.regenerateKeys', (op) => {
    const { name, keyType, keyValue } = op.payload as { name: string; keyType: 'Primary' | 'Secondary'; keyValue?: string };
    ctx.state.update<EndpointRecord>(ENDPOINTS, name, (ep) => ({
      ...ep!,
      keys: keyType === 'Primary' ? { ...ep!.keys, primaryKey: keyValue ?? newKey() } : { ...ep!.keys, secondaryKey: keyValue ?? newKey() },
    }));
  });

  ctx.router.add('PUT', ENDPOINT_PATH, (req) => {
    ctx.requireWorkspace(req);
    const name = req.params.endpointName;
    checkName('endpoint', name);
    const existing = ctx.state.get<EndpointRecord>(ENDPOINTS, name);
    if (existing && endpointState(existing) !== 'Succeeded' && endpointState(existing) !== 'Failed')
      throw busyConflict(ctx, `Cannot update endpoint ${name}`, existing);
    const input = endpointInput(req.body, existing ? deploymentsOf(ctx, existing.name).map((d) => d.name) : []);
    const rec: EndpointRecord = existing
      ? { ...existing, provisioningState: 'Updating' }
      : {
          name,
          ...input,
          identity: { type: input.identity.type, principalId: randomUUID(), tenantId: '00000000-0000-0000-0000-000000000001' },
          // A new endpoint starts with what was asked, but serves nothing until it is Succeeded.
          traffic: {},
          mirrorTraffic: {},
          systemData: systemData(),
          provisioningState: 'Creating',
          keys: { primaryKey: newKey(), secondaryKey: newKey() },
          tokens: [],
          busy: [],
        };
    ctx.state.put(ENDPOINTS, name, rec);
    const op = ctx.lro.begin('online.endpoint.put', { name, input });
    return json(existing ? 200 : 201, endpointBody(ctx, rec), ctx.lro.asyncOperationHeaders(req, op));
  });

  ctx.router.add('PATCH', ENDPOINT_PATH, (req) => {
    const ep = requireEndpoint(ctx, req);
    const body = (req.body ?? {}) as { tags?: unknown; identity?: unknown; properties?: unknown };
    if (body.properties !== undefined)
      throw ctx.errors.validation('PATCH of an online endpoint accepts tags and identity only; change properties (traffic) with PUT.', 'properties');
    if (endpointState(ep) !== 'Succeeded') throw busyConflict(ctx, `Cannot update endpoint ${ep.name}`, ep);
    ctx.state.put(ENDPOINTS, ep.name, { ...ep, provisioningState: 'Updating' });
    const op = ctx.lro.begin('online.endpoint.patch', { name: ep.name, tags: body.tags, identity: body.identity });
    return { status: 202, headers: ctx.lro.locationHeaders(req, op) };
  });

  ctx.router.add('GET', ENDPOINT_PATH, (req) => json(200, endpointBody(ctx, requireEndpoint(ctx, req))));

  ctx.router.add('GET', `${WORKSPACE_PATH}/onlineEndpoints`, (req) => {
    ctx.requireWorkspace(req);
    return json(200, page(ctx.state.list<EndpointRecord>(ENDPOINTS).map((ep) => endpointBody(ctx, ep))));
  });

  ctx.router.add('DELETE', ENDPOINT_PATH, (req) => {
    ctx.requireWorkspace(req);
    const ep = ctx.state.get<EndpointRecord>(ENDPOINTS, req.params.endpointName);
    if (!ep) return { status: 204 };
    if (ep.provisioningState === 'Deleting') throw busyConflict(ctx, `Cannot delete endpoint ${ep.name}`, ep);
    ctx.state.put(ENDPOINTS, ep.name, { ...ep, provisioningState: 'Deleting' });
    const op = ctx.lro.begin('online.endpoint.delete', { name: ep.name });
    return { status: 202, headers: ctx.lro.locationHeaders(req, op) };
  });

  ctx.router.add('POST', `${ENDPOINT_PATH}/listKeys`, (req) => {
    const ep = requireEndpoint(ctx, req);
    if (ep.authMode !== 'Key') throw ctx.errors.badRequest('UserError', `Endpoint ${ep.name} uses ${ep.authMode} authentication: it has no keys.`);
    return json(200, { primaryKey: ep.keys.primaryKey, secondaryKey: ep.keys.secondaryKey });
  });

  ctx.router.add('POST', `${ENDPOINT_PATH}/regenerateKeys`, (req) => {
    const ep = requireEndpoint(ctx, req);
    const body = (req.body ?? {}) as { keyType?: unknown; keyValue?: unknown };
    if (body.keyType !== 'Primary' && body.keyType !== 'Secondary') throw ctx.errors.validation("keyType must be 'Primary' or 'Secondary'.", 'keyType');
    if (body.keyValue !== undefined && body.keyValue !== null && (typeof body.keyValue !== 'string' || body.keyValue.length < 16)) {
      throw ctx.errors.validation('keyValue must be a string of at least 16 characters.', 'keyValue');
    }
    if (ep.authMode !== 'Key') throw ctx.errors.badRequest('UserError', `Endpoint ${ep.name} uses ${ep.authMode} authentication: it has no keys.`);
    const op = ctx.lro.begin('online.endpoint.regenerateKeys', { name: ep.name, keyType: body.keyType, keyValue: body.keyValue ?? undefined });
    return { status: 202, headers: ctx.lro.locationHeaders(req, op) };
  });

  ctx.router.add('POST', `${ENDPOINT_PATH}/token`, (req) => {
    const ep = requireEndpoint(ctx, req);
    if (ep.authMode !== 'AMLToken')
      throw ctx.errors.badRequest('UserError', `Endpoint ${ep.name} uses ${ep.authMode} authentication: tokens are for AMLToken endpoints.`);
    const now = Math.floor(Date.now() / 1000);
    const token = newKey() + newKey();
    const tokens = [...ep.tokens.filter((t) => t.expiresAt > now), { token, expiresAt: now + 3600 }].slice(-20);
    ctx.state.put(ENDPOINTS, ep.name, { ...ep, tokens });
    return json(200, { accessToken: token, expiryTimeUtc: now + 3600, refreshAfterTimeUtc: now + 1800, tokenType: 'Bearer' });
  });
}
