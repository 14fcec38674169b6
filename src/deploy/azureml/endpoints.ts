/**
 * Managed online endpoints, one per model lineage, read and written as raw JSON (see arm.ts: the SDK
 * would drop `mirrorTraffic`). Traffic and mirror maps change only through a full PUT of the endpoint
 * (PATCH accepts tags and identity only). Writes to one endpoint are serialised in this process, and a
 * write refused because the endpoint is still Updating/Creating is retried after a pause.
 */
import { Arm, ArmError, ProgressSink } from './arm';
import { endpointNameFor, WorkspaceScope } from './names';

export const LINEAGE_TAG = 'mlops-lineage';

export interface EndpointResource {
  id?: string;
  name?: string;
  location: string;
  tags?: Record<string, string>;
  identity?: { type: string };
  kind?: string;
  properties: {
    authMode: string;
    description?: string;
    traffic?: Record<string, number>;
    mirrorTraffic?: Record<string, number>;
    publicNetworkAccess?: string;
    scoringUri?: string;
    swaggerUri?: string;
    provisioningState?: string;
  };
}

export interface EndpointView {
  name: string;
  lineage: string;
  scoringUri: string;
  swaggerUri?: string;
  provisioningState: string;
  /** Azure ML deployment name -> percent of live traffic. */
  traffic: Record<string, number>;
  /** Azure ML deployment name -> percent of traffic copied to it (answers discarded). */
  mirror: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The service refuses changes while a previous one runs: "... because it is in Updating provisioning state". */
export function isBusyConflict(err: unknown): boolean {
  // ArmError from raw requests, RestError (statusCode) from SDK operations.
  const e = err as { status?: number; statusCode?: number; message?: string };
  const status = err instanceof ArmError ? err.status : e.statusCode;
  return (
    (status === 409 || status === 400) && /(Updating|Creating|Deleting|Scaling)( provisioning)? state|another operation is in progress/i.test(e.message ?? '')
  );
}

/** Runs `fn`, again after a pause while the service answers a busy conflict (at most `attempts` times). */
export async function retryWhileBusy<T>(fn: () => Promise<T>, pauseMs: number, attempts: number, onWait?: (attempt: number, err: Error) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isBusyConflict(err) || attempt >= attempts) throw err;
      onWait?.(attempt, err as Error);
      await sleep(Math.min(pauseMs * attempt, 30_000));
    }
  }
}

function view(r: EndpointResource, lineage: string): EndpointView {
  return {
    name: r.name ?? '',
    lineage: r.tags?.[LINEAGE_TAG] ?? lineage,
    scoringUri: r.properties.scoringUri ?? '',
    swaggerUri: r.properties.swaggerUri,
    provisioningState: r.properties.provisioningState ?? 'Unknown',
    traffic: { ...(r.properties.traffic ?? {}) },
    mirror: { ...(r.properties.mirrorTraffic ?? {}) },
  };
}

export class Endpoints {
  private location?: Promise<string>;
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly arm: Arm,
    private readonly scope: WorkspaceScope,
    private readonly pauseMs: number,
    private readonly busyAttempts = 60,
  ) {}

  nameFor(lineage: string): string {
    return endpointNameFor(lineage, this.scope);
  }

  private url(name: string, action = ''): string {
    return this.arm.url(`/onlineEndpoints/${encodeURIComponent(name)}${action}`);
  }

  /** The workspace's region: every endpoint is created there. */
  private region(): Promise<string> {
    return (this.location ??= this.arm.sdk.workspaces
      .get(this.arm.rg, this.arm.ws)
      .then((w) => w.location ?? '')
      .catch((err) => {
        this.location = undefined;
        throw err;
      }));
  }

  async resource(lineage: string): Promise<EndpointResource | undefined> {
    const name = this.nameFor(lineage);
    return this.arm.getOrUndefined<EndpointResource>(this.url(name), `read endpoint ${name}`);
  }

  async get(lineage: string): Promise<EndpointView | undefined> {
    const r = await this.resource(lineage);
    return r ? view(r, lineage) : undefined;
  }

  /** One change at a time per endpoint in this process. */
  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.chains.set(name, next);
    next
      .finally(() => {
        if (this.chains.get(name) === next) this.chains.delete(name);
      })
      .catch(() => undefined);
    return next;
  }

  /** The lineage's endpoint, created (key auth, no traffic) when missing or failed; waits out a Creating one. */
  async ensure(lineage: string, progress?: ProgressSink): Promise<EndpointView> {
    const name = this.nameFor(lineage);
    return this.serial(name, async () => {
      const existing = await this.resource(lineage);
      const state = existing?.properties.provisioningState;
      if (existing && state !== 'Failed' && state !== 'Deleting') {
        // An Updating endpoint serves and takes new deployments once idle (those retry the busy
        // conflict); only one still being created is waited for.
        if (state !== 'Creating') return view(existing, lineage);
        return this.waitSettled(lineage, progress);
      }
      const body: EndpointResource = {
        location: await this.region(),
        tags: { [LINEAGE_TAG]: lineage.slice(0, 256) },
        identity: { type: 'SystemAssigned' },
        kind: 'Managed',
        properties: { authMode: 'Key', description: `Model lineage ${lineage}`.slice(0, 500), traffic: {} },
      };
      const done = await retryWhileBusy(
        () => this.arm.lro<EndpointResource>('PUT', this.url(name), body, `create endpoint ${name}`, progress),
        this.pauseMs,
        this.busyAttempts,
      );
      return done ? view(done, lineage) : ((await this.get(lineage)) as EndpointView);
    });
  }

  /** Polls until the endpoint is no longer Creating (another host may be creating it). */
  private async waitSettled(lineage: string, progress?: ProgressSink): Promise<EndpointView> {
    for (;;) {
      const v = await this.get(lineage);
      if (!v) throw new ArmError(404, 'NotFound', `endpoint of lineage '${lineage}' disappeared`);
      if (v.provisioningState !== 'Creating') return v;
      progress?.({ operation: `wait for endpoint ${v.name}`, resource: v.name, status: v.provisioningState });
      await sleep(this.pauseMs);
    }
  }

  /**
   * Replaces the traffic and/or mirror map in ONE full PUT (the rest of the endpoint as it is now).
   * `change` gets the current maps and returns the new ones (so read-modify-write stays in the lock).
   */
  async update(
    lineage: string,
    change: (now: { traffic: Record<string, number>; mirror: Record<string, number> }) => { traffic: Record<string, number>; mirror: Record<string, number> },
    progress?: ProgressSink,
  ): Promise<EndpointView> {
    const name = this.nameFor(lineage);
    return this.serial(name, () =>
      retryWhileBusy(
        async () => {
          const current = await this.resource(lineage);
          if (!current) throw new ArmError(404, 'NotFound', `lineage '${lineage}' has no endpoint (${name})`);
          const next = change({ traffic: { ...(current.properties.traffic ?? {}) }, mirror: { ...(current.properties.mirrorTraffic ?? {}) } });
          const p = current.properties;
          const body: EndpointResource = {
            location: current.location,
            tags: current.tags,
            identity: current.identity ? { type: current.identity.type } : undefined,
            kind: current.kind,
            properties: {
              authMode: p.authMode,
              description: p.description,
              publicNetworkAccess: p.publicNetworkAccess,
              traffic: next.traffic,
              mirrorTraffic: next.mirror,
            },
          };
          const done = await this.arm.lro<EndpointResource>('PUT', this.url(name), body, `update traffic of endpoint ${name}`, progress);
          return done ? view(done, lineage) : ((await this.get(lineage)) as EndpointView);
        },
        this.pauseMs,
        this.busyAttempts,
        (attempt) => progress?.({ operation: `update traffic of endpoint ${name}`, resource: name, status: `busy (attempt ${attempt})` }),
      ),
    );
  }

  async listKeys(lineage: string): Promise<{ primary: string; secondary: string }> {
    const name = this.nameFor(lineage);
    const k = await this.arm.sdk.onlineEndpoints.listKeys(this.arm.rg, this.arm.ws, name);
    return { primary: k.primaryKey ?? '', secondary: k.secondaryKey ?? '' };
  }

  async regenerateKey(lineage: string, which: 'primary' | 'secondary', progress?: ProgressSink): Promise<void> {
    const name = this.nameFor(lineage);
    const poller = await this.arm.sdk.onlineEndpoints.beginRegenerateKeys(
      this.arm.rg,
      this.arm.ws,
      name,
      { keyType: which === 'primary' ? 'Primary' : 'Secondary' },
      { updateIntervalInMs: this.pauseMs },
    );
    poller.onProgress((s) =>
      progress?.({ operation: `regenerate ${which} key of endpoint ${name}`, resource: name, status: s.isCompleted ? 'Succeeded' : 'InProgress' }),
    );
    await poller.pollUntilDone();
  }
}
