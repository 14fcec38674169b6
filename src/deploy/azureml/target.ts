/**
 * The Azure ML deployment target: one managed online endpoint per model lineage (key auth), one
 * deployment per model version, created at 0 % traffic. Promotion is a traffic change (TrafficRouting),
 * never a new endpoint, so the scoring URI of a lineage stays the same across versions.
 *
 * Crash behaviour: every Azure change is preceded by a record update (starting, draining), so
 * restore() after a crash finishes what the records say was under way: a deployment being created is
 * waited for (or recorded failed, its logs kept, and deleted), a draining one is deleted.
 */
import { Agent } from 'node:https';
import type { HttpClient } from '@azure/core-rest-pipeline';
import { inputSchemaFromOnnx } from '../../contract/schema';
import { ScoringError } from '../../contract/errors';
import type { DeploymentKeys } from '../keys';
import { compactHints, DeploymentRecord, DeploymentStore, publicView } from '../store';
import { DEPLOYMENT_NAME, DeployError, Deployment, DeploymentSpec, DeploymentTarget, defaultModelSource, ModelSource, RetireOptions } from '../target';
import { Arm, LroProgress, ProgressSink } from './arm';
import { runCanary } from './canaryRun';
import { Deployments, MODEL_TAG, NAME_TAG } from './deployments';
import { Endpoints, EndpointView } from './endpoints';
import { KeyCache } from './keyCache';
import { credentialContainer, DatastoreContainerFactory, keyContainer, ModelAssets } from './modelAssets';
import { azureDeploymentName } from './names';
import { AzureCoordinates, championOf, coordinatesOf, instanceIdOf, statusFrom } from './records';
import type { CanaryOptions, CanaryReport, LineageEndpoint, Observation, ScoringRoute, TrafficRouting } from './routing';
import { scoreThrough } from './score';
import { checkPercentMap, rebalance, sleep } from './traffic';
import type { AzureMLTargetSettings } from './settings';

export interface AzureMLTargetDeps {
  /** Project-level deployment records (table `deployments`), shared with the local target's layout. */
  store: DeploymentStore;
  /** ONNX bytes of a model in the project's registry (for the input schema, and to register it in Azure ML). */
  loadModel(source: ModelSource): Promise<Uint8Array>;
  /** How to write to the workspace datastore (default: from settings.datastoreAuth / datastoreBlobEndpoint). */
  datastoreContainer?: DatastoreContainerFactory;
  /** Each poll of every long-running operation (for the run's status). */
  progress?: (p: LroProgress & { deployment?: string }) => void;
  log?: (level: 'info' | 'warning' | 'error', message: string) => void;
  /** Extra trusted CA (PEM) for ARM and the data plane: an emulator's self-signed certificate. */
  tlsCa?: string | Buffer;
  /** ARM transport override (tests). */
  httpClient?: HttpClient;
  /** Data-plane agent (default: keep-alive, trusting tlsCa when given). */
  scoringAgent?: Agent;
}

export interface AzureMLDeploymentSpec extends DeploymentSpec {
  /** The model lineage (dataset name) whose endpoint gets this deployment; default modelName. */
  lineage?: string;
  /** Model version ARM id when the model is registered in Azure ML already (AutoML provider). */
  azureModelId?: string;
  onProgress?: ProgressSink;
}

export class AzureMLDeploymentTarget implements DeploymentTarget, TrafficRouting {
  readonly arm: Arm;
  private readonly endpoints: Endpoints;
  private readonly deployments: Deployments;
  private readonly assets: ModelAssets;
  private readonly keyCache: KeyCache;
  /** Scoring URI per lineage ('' = no endpoint: asked again after 5 s, not on every request). */
  private readonly routes = new Map<string, { url: string; at: number }>();
  private readonly collectors = new Map<string, Set<(o: Observation) => void>>();
  private readonly aborts = new Set<AbortController>();
  private readonly background = new Set<Promise<void>>();
  private readonly agent: Agent | undefined;

  constructor(
    readonly settings: AzureMLTargetSettings,
    private readonly deps: AzureMLTargetDeps,
  ) {
    this.arm = new Arm(settings, { httpClient: deps.httpClient, tlsCa: deps.tlsCa });
    this.endpoints = new Endpoints(this.arm, settings, settings.lroPollMs);
    this.deployments = new Deployments(this.arm, settings.lroPollMs);
    const datastore =
      deps.datastoreContainer ??
      (settings.datastoreAuth === 'key'
        ? keyContainer(this.arm, settings.datastoreBlobEndpoint)
        : credentialContainer(settings.credential, settings.datastoreBlobEndpoint));
    this.assets = new ModelAssets(this.arm, settings.datastore, datastore);
    this.keyCache = new KeyCache((lineage) => this.endpoints.listKeys(lineage));
    this.agent = deps.scoringAgent ?? (deps.tlsCa ? new Agent({ keepAlive: true, maxSockets: 128, ca: deps.tlsCa }) : undefined);
  }

  private log(level: 'info' | 'warning' | 'error', message: string): void {
    this.deps.log?.(level, message);
  }

  private progressFor(name: string, extra?: ProgressSink): ProgressSink {
    return (p) => {
      this.deps.progress?.({ ...p, deployment: name });
      extra?.(p);
    };
  }

  // ---------------------------------------------------------------- DeploymentTarget

  async deploy(input: DeploymentSpec): Promise<Deployment> {
    const spec = input as AzureMLDeploymentSpec;
    if (typeof spec.name !== 'string' || !DEPLOYMENT_NAME.test(spec.name)) {
      throw new DeployError(400, 'INVALID_NAME', 'a deployment name has 1-63 letters, digits or dashes and starts with a letter or digit');
    }
    if (!spec.modelName || spec.modelVersion === undefined || spec.modelVersion === '') {
      throw new DeployError(400, 'INVALID_SPEC', 'modelName and modelVersion are required');
    }
    const lineage = spec.lineage ?? spec.modelName;
    const existing = await this.deps.store.get(spec.name);
    if (existing && existing.status !== 'retired' && existing.status !== 'failed') {
      throw new DeployError(409, 'DEPLOYMENT_EXISTS', `deployment '${spec.name}' exists and is ${existing.status}`);
    }
    const source = spec.model ?? defaultModelSource(spec.modelName, spec.modelVersion);
    let bytes: Uint8Array;
    try {
      bytes = await this.deps.loadModel(source);
    } catch (err) {
      if (err instanceof DeployError) throw err;
      throw new DeployError(404, 'MODEL_NOT_FOUND', `model ${spec.modelName} v${spec.modelVersion} could not be read: ${(err as Error).message}`);
    }
    const hints = compactHints(spec.hints);
    let schema;
    try {
      schema = inputSchemaFromOnnx(bytes, hints);
    } catch (err) {
      if (err instanceof ScoringError) throw new DeployError(422, err.code, err.message);
      throw err;
    }
    const coords: AzureCoordinates = { lineage, endpoint: this.endpoints.nameFor(lineage), deployment: azureDeploymentName(spec.name) };
    const now = new Date().toISOString();
    const record: DeploymentRecord = {
      name: spec.name,
      modelName: spec.modelName,
      modelVersion: String(spec.modelVersion),
      status: 'starting',
      url: '',
      port: 0,
      pid: 0,
      champion: false,
      createdAt: now,
      updatedAt: now,
      target: 'azureml',
      schema,
      model: source,
      keys: { primary: '', secondary: '' },
      instanceId: instanceIdOf(coords),
      hints,
    };
    await this.deps.store.create(record, existing?.etag);
    const progress = this.progressFor(spec.name, spec.onProgress);
    try {
      const ep = await this.endpoints.ensure(lineage, progress);
      this.routes.set(lineage, { url: ep.scoringUri, at: Date.now() });
      const modelId =
        spec.azureModelId ?? (await this.assets.ensure(spec.modelName, String(spec.modelVersion), bytes, `${spec.modelName} v${spec.modelVersion}`));
      coords.modelId = modelId;
      await this.deps.store.update(spec.name, { instanceId: instanceIdOf(coords) });
      await this.deployments.create(
        {
          endpoint: coords.endpoint,
          deployment: coords.deployment,
          modelId,
          instanceType: this.settings.instanceType,
          instanceCount: this.settings.instanceCount,
          location: await this.endpointLocation(lineage),
          tags: { [NAME_TAG]: spec.name, [MODEL_TAG]: `${spec.modelName}:${spec.modelVersion}`.slice(0, 256) },
          description: `${spec.modelName} v${spec.modelVersion}`,
        },
        progress,
      );
      await this.deps.store.update(spec.name, { status: 'running', url: ep.scoringUri, error: '' });
    } catch (err) {
      throw await this.failDeployment(spec.name, coords, err);
    }
    this.log('info', `deployment ${spec.name} (${spec.modelName} v${spec.modelVersion}) provisioned in endpoint ${coords.endpoint} at 0 % traffic`);
    return (await this.get(spec.name))!;
  }

  private async endpointLocation(lineage: string): Promise<string> {
    const r = await this.endpoints.resource(lineage);
    return r?.location ?? '';
  }

  /** A deployment that did not provision: keep its logs in the record and the error, then delete it. */
  private async failDeployment(name: string, c: AzureCoordinates, err: unknown): Promise<DeployError> {
    const logs = (await this.deployments.logs(c.endpoint, c.deployment, 100)).trim();
    const reason = (err as Error).message ?? String(err);
    const message = `deployment '${name}' failed: ${reason}${logs ? `\n--- deployment logs (last lines) ---\n${logs.slice(-4000)}` : ''}`;
    this.log('error', message);
    await this.deployments
      .delete(c.endpoint, c.deployment)
      .catch((e) => this.log('warning', `could not delete failed deployment ${c.deployment}: ${(e as Error).message}`));
    await this.deps.store.update(name, { status: 'failed', url: '', error: message }).catch(() => undefined);
    const status = err instanceof DeployError && err.status < 500 ? err.status : 502;
    return new DeployError(status, 'DEPLOYMENT_FAILED', message);
  }

  async retire(name: string, opts: RetireOptions = {}): Promise<void> {
    const rec = await this.deps.store.get(name);
    if (!rec) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment '${name}'`);
    if (rec.status === 'retired') return;
    const c = this.coords(rec);
    const ep = await this.endpoints.get(c.lineage);
    if (ep) {
      const live = ep.traffic[c.deployment] ?? 0;
      if (live > 0 && !opts.force) throw new DeployError(409, 'IS_CHAMPION', `deployment '${name}' has ${live} % of the live traffic; move the traffic first`);
      if (live > 0 || (ep.mirror[c.deployment] ?? 0) > 0) {
        await this.endpoints.update(
          c.lineage,
          (now) => {
            const traffic = { ...now.traffic };
            const mirror = { ...now.mirror };
            delete traffic[c.deployment];
            delete mirror[c.deployment];
            return { traffic: rebalance(traffic), mirror };
          },
          this.progressFor(name),
        );
      }
    }
    await this.deps.store.update(name, { status: 'draining' });
    const drainMs = opts.drainMs ?? this.settings.drainMs;
    if (drainMs > 0) await sleep(drainMs);
    await this.finishRetire(name, c);
  }

  private async finishRetire(name: string, c: AzureCoordinates): Promise<void> {
    await this.deployments.delete(c.endpoint, c.deployment, this.progressFor(name));
    await this.deps.store.update(name, { status: 'retired', url: '' });
    this.log('info', `deployment ${name} deleted from endpoint ${c.endpoint}`);
  }

  private coords(rec: DeploymentRecord): AzureCoordinates {
    const c = coordinatesOf(rec);
    if (!c) throw new DeployError(409, 'NOT_AZUREML', `deployment '${rec.name}' was not made by the Azure ML target`);
    return c;
  }

  private async mine(): Promise<DeploymentRecord[]> {
    return (await this.deps.store.list()).filter((r) => r.target === 'azureml' && coordinatesOf(r));
  }

  /** Records merged with Azure ML's view: one endpoint read and one deployment list per lineage. */
  private async live(records: DeploymentRecord[]): Promise<Deployment[]> {
    const byLineage = new Map<string, DeploymentRecord[]>();
    for (const r of records) {
      const c = coordinatesOf(r)!;
      if (!byLineage.has(c.lineage)) byLineage.set(c.lineage, []);
      byLineage.get(c.lineage)!.push(r);
    }
    const out: Deployment[] = [];
    for (const [lineage, recs] of byLineage) {
      const active = recs.some((r) => r.status !== 'retired' && r.status !== 'failed');
      const ep = active ? await this.endpoints.get(lineage) : undefined;
      const states = ep ? new Map((await this.deployments.list(ep.name)).map((d) => [d.name, d.provisioningState])) : new Map<string, string>();
      const champion = ep ? championOf(ep.traffic) : undefined;
      for (const r of recs) {
        const c = coordinatesOf(r)!;
        const view = publicView(r);
        if (r.status === 'retired' || r.status === 'failed') {
          out.push(view);
          continue;
        }
        const status = statusFrom(r.status, states.get(c.deployment));
        out.push({ ...view, status, url: status === 'running' || status === 'draining' ? (ep?.scoringUri ?? r.url) : '', champion: champion === c.deployment });
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  }

  async list(): Promise<Deployment[]> {
    return this.live(await this.mine());
  }

  async get(name: string): Promise<Deployment | undefined> {
    const rec = await this.deps.store.get(name);
    if (!rec || rec.target !== 'azureml' || !coordinatesOf(rec)) return undefined;
    return (await this.live([rec]))[0];
  }

  async restore(): Promise<Deployment[]> {
    for (const rec of await this.mine()) {
      const c = coordinatesOf(rec)!;
      try {
        if (rec.status === 'draining') {
          await this.finishRetire(rec.name, c);
        } else if (rec.status === 'starting') {
          await this.settleStarting(rec, c);
        }
      } catch (err) {
        this.log('error', `deployment ${rec.name} could not be restored: ${(err as Error).message}`);
      }
    }
    return (await this.list()).filter((d) => d.status === 'running');
  }

  /**
   * A create the host did not see finish: Azure's verdict when it has one, 'failed' when the create
   * never reached Azure; one still provisioning is followed in the background (close() waits for it).
   */
  private async settleStarting(rec: DeploymentRecord, c: AzureCoordinates): Promise<void> {
    const step = async (): Promise<boolean> => {
      const d = await this.deployments.get(c.endpoint, c.deployment);
      if (!d) {
        await this.deps.store.update(rec.name, { status: 'failed', error: 'the host stopped before the deployment was created' });
        return true;
      }
      if (d.provisioningState === 'Succeeded') {
        const ep = await this.endpoints.get(c.lineage);
        await this.deps.store.update(rec.name, { status: 'running', url: ep?.scoringUri ?? '', error: '' });
        return true;
      }
      if (d.provisioningState === 'Failed' || d.provisioningState === 'Canceled') {
        await this.failDeployment(rec.name, c, new Error(`provisioning ended ${d.provisioningState}`));
        return true;
      }
      return false;
    };
    if (await step()) return;
    const abort = new AbortController();
    this.aborts.add(abort);
    const follow = (async () => {
      while (!abort.signal.aborted && !(await step())) await sleep(this.settings.lroPollMs, abort.signal);
    })()
      .catch((err) => this.log('error', `deployment ${rec.name}: following its creation failed: ${(err as Error).message}`))
      .finally(() => {
        this.aborts.delete(abort);
        this.background.delete(follow);
      });
    this.background.add(follow);
  }

  async keys(name: string): Promise<DeploymentKeys> {
    const rec = await this.deps.store.get(name);
    if (!rec || rec.status === 'retired' || !coordinatesOf(rec)) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no active deployment '${name}'`);
    return this.keyCache.get(this.coords(rec).lineage);
  }

  /** Keys belong to the lineage's endpoint: every deployment of the lineage shares them. */
  async regenerateKey(name: string, which: 'primary' | 'secondary'): Promise<DeploymentKeys> {
    if (which !== 'primary' && which !== 'secondary') throw new DeployError(400, 'INVALID_KEY_NAME', "the key to regenerate is 'primary' or 'secondary'");
    const rec = await this.deps.store.get(name);
    if (!rec || rec.status !== 'running' || !coordinatesOf(rec)) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no running deployment '${name}'`);
    const { lineage } = this.coords(rec);
    try {
      await this.endpoints.regenerateKey(lineage, which, this.progressFor(name));
    } catch (err) {
      throw err instanceof DeployError ? err : new DeployError(502, 'KEY_ROTATION_FAILED', `regenerating the ${which} key failed: ${(err as Error).message}`);
    }
    this.keyCache.forget(lineage);
    this.log('info', `endpoint of lineage ${lineage}: ${which} key regenerated`);
    return this.keyCache.get(lineage);
  }

  async close(): Promise<void> {
    for (const a of this.aborts) a.abort();
    await Promise.all([...this.background]);
    this.agent?.destroy();
  }

  // ---------------------------------------------------------------- TrafficRouting

  /** Azure deployment name -> project name, from this target's records of the lineage. */
  private async namesOf(lineage: string): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    for (const r of await this.mine()) {
      const c = coordinatesOf(r)!;
      if (c.lineage === lineage && r.status !== 'retired') m.set(c.deployment, r.name);
    }
    return m;
  }

  private async toLineageEndpoint(lineage: string, ep: EndpointView): Promise<LineageEndpoint> {
    const names = await this.namesOf(lineage);
    const rename = (map: Record<string, number>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [names.get(k) ?? k, v]));
    const traffic = rename(ep.traffic);
    return {
      lineage,
      endpoint: ep.name,
      scoringUri: ep.scoringUri,
      provisioningState: ep.provisioningState,
      traffic,
      mirror: rename(ep.mirror),
      champion: championOf(traffic),
    };
  }

  async endpointFor(lineage: string): Promise<LineageEndpoint> {
    if (typeof lineage !== 'string' || !lineage) throw new DeployError(400, 'INVALID_LINEAGE', 'a lineage (dataset name) is required');
    const ep = await this.endpoints.ensure(lineage, this.progressFor(lineage));
    this.routes.set(lineage, { url: ep.scoringUri, at: Date.now() });
    return this.toLineageEndpoint(lineage, ep);
  }

  async setTraffic(lineage: string, traffic: Record<string, number>): Promise<LineageEndpoint> {
    checkPercentMap(traffic, 'traffic', 100, 100);
    const mapped = Object.fromEntries(Object.entries(traffic).map(([k, v]) => [azureDeploymentName(k), v]));
    const ep = await this.endpoints.update(
      lineage,
      (now) => {
        // A deployment that gets live traffic stops being mirrored, in the same update.
        const mirror = Object.fromEntries(Object.entries(now.mirror).filter(([k]) => !((mapped[k] ?? 0) > 0)));
        return { traffic: mapped, mirror };
      },
      this.progressFor(lineage),
    );
    this.log('info', `lineage ${lineage}: traffic ${JSON.stringify(traffic)}`);
    return this.toLineageEndpoint(lineage, ep);
  }

  async setMirror(lineage: string, mirror: Record<string, number>): Promise<LineageEndpoint> {
    checkPercentMap(mirror, 'mirror', 50);
    const mapped = Object.fromEntries(
      Object.entries(mirror)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => [azureDeploymentName(k), v]),
    );
    const ep = await this.endpoints.update(
      lineage,
      (now) => {
        for (const k of Object.keys(mapped)) {
          if ((now.traffic[k] ?? 0) > 0) throw new DeployError(409, 'INVALID_TRAFFIC', `deployment ${k} has live traffic and cannot also be mirrored`);
        }
        return { traffic: now.traffic, mirror: mapped };
      },
      this.progressFor(lineage),
    );
    return this.toLineageEndpoint(lineage, ep);
  }

  async scoringRoute(lineage: string, deployment?: string, opts: { refreshKey?: boolean } = {}): Promise<ScoringRoute | undefined> {
    let route = this.routes.get(lineage);
    if (!route || Date.now() - route.at > (route.url ? 60_000 : 5_000)) {
      const ep = await this.endpoints.get(lineage);
      route = { url: ep?.scoringUri ?? '', at: Date.now() };
      this.routes.set(lineage, route);
    }
    if (!route.url) return undefined;
    let keys = await this.keyCache.get(lineage);
    if (opts.refreshKey) keys = await this.keyCache.get(lineage, keys.primary);
    const headers: Record<string, string> = { authorization: `Bearer ${keys.primary}` };
    if (deployment) headers['azureml-model-deployment'] = azureDeploymentName(deployment);
    return { url: route.url, headers };
  }

  /** Scores through the lineage's endpoint with the key-refresh rule (see score.ts). */
  score(lineage: string, body: string | Buffer, deployment?: string) {
    return scoreThrough((l, d, o) => this.scoringRoute(l, d, o), lineage, body, { deployment, agent: this.agent });
  }

  observe(lineage: string, o: Observation): void {
    for (const c of this.collectors.get(lineage) ?? []) c(o);
  }

  /** See TrafficRouting.canary; the run itself is canaryRun.ts. */
  async canary(lineage: string, challenger: string, share: number, durationMs: number, opts: CanaryOptions = {}): Promise<CanaryReport> {
    const rec = await this.deps.store.get(challenger);
    if (!rec || rec.status !== 'running' || coordinatesOf(rec)?.lineage !== lineage) {
      throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no running deployment '${challenger}' in lineage '${lineage}'`);
    }
    const abort = new AbortController();
    this.aborts.add(abort);
    const onOuterAbort = () => abort.abort();
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      return await runCanary(
        {
          endpointFor: (l) => this.endpointFor(l),
          namesOf: (l) => this.namesOf(l),
          setTraffic: (l, t) => this.setTraffic(l, t),
          setMirror: (l, m) => this.setMirror(l, m),
          score: (l, body, d) => this.score(l, body, d),
          listen: (l, fn) => {
            if (!this.collectors.has(l)) this.collectors.set(l, new Set());
            this.collectors.get(l)!.add(fn);
            return () => this.collectors.get(l)?.delete(fn);
          },
          log: (m) => this.log('info', m),
        },
        { lineage, challenger, share, durationMs, opts: { ...opts, signal: abort.signal } },
      );
    } finally {
      opts.signal?.removeEventListener('abort', onOuterAbort);
      this.aborts.delete(abort);
    }
  }

  async logs(deployment: string, tail = 200): Promise<string> {
    const rec = await this.deps.store.get(deployment);
    if (!rec || !coordinatesOf(rec)) throw new DeployError(404, 'DEPLOYMENT_NOT_FOUND', `no deployment '${deployment}'`);
    const c = this.coords(rec);
    return this.deployments.logs(c.endpoint, c.deployment, tail);
  }
}
