/**
 * One canary: give the challenger a share of the lineage's traffic (live, or mirrored), collect the
 * answers of both deployments (the proxy's, through `listen`, and a probe's that scores both with
 * azureml-model-deployment), then judge with canaryVerdict. A failing challenger's share goes back to
 * the champion at once; a passing one keeps its share until the caller promotes.
 */
import { DeployError } from '../target';
import { canaryVerdict, figuresOf } from './canary';
import type { CanaryOptions, CanaryReport, LineageEndpoint, Observation } from './routing';
import type { ScoreAnswer } from './score';
import { sleep } from './traffic';

export interface CanaryHost {
  endpointFor(lineage: string): Promise<LineageEndpoint>;
  /** Azure ML deployment name -> project name, for the lineage. */
  namesOf(lineage: string): Promise<Map<string, string>>;
  setTraffic(lineage: string, traffic: Record<string, number>): Promise<LineageEndpoint>;
  setMirror(lineage: string, mirror: Record<string, number>): Promise<LineageEndpoint>;
  score(lineage: string, body: string, deployment: string): Promise<ScoreAnswer>;
  /** Receives what the proxy observes for the lineage until the returned function is called. */
  listen(lineage: string, fn: (o: Observation) => void): () => void;
  log(message: string): void;
}

export interface CanaryRequest {
  lineage: string;
  challenger: string;
  share: number;
  durationMs: number;
  opts: CanaryOptions;
}

/** Direct requests to one deployment at `rate` per second until `signal` aborts. */
async function probe(
  host: CanaryHost,
  lineage: string,
  deployment: string,
  body: string,
  rate: number,
  signal: AbortSignal,
  collect: (o: Observation) => void,
): Promise<void> {
  const gap = 1000 / Math.max(0.1, rate);
  while (!signal.aborted) {
    const started = performance.now();
    try {
      const a = await host.score(lineage, body, deployment);
      collect({ deployment, status: a.status, latencyMs: a.latencyMs });
    } catch {
      collect({ deployment, status: 0, latencyMs: performance.now() - started });
    }
    await sleep(Math.max(0, gap - (performance.now() - started)), signal);
  }
}

export async function runCanary(host: CanaryHost, req: CanaryRequest): Promise<CanaryReport> {
  const { lineage, challenger, share, durationMs, opts } = req;
  const mode = opts.mirror ? 'mirror' : 'traffic';
  if (!Number.isInteger(share) || share < 1 || share > (opts.mirror ? 50 : 99)) {
    throw new DeployError(400, 'INVALID_TRAFFIC', `the canary share must be an integer from 1 to ${opts.mirror ? 50 : 99}`);
  }
  if (!(durationMs >= 0)) throw new DeployError(400, 'INVALID_CANARY', 'the canary duration must be a number of milliseconds');
  const champion = (await host.endpointFor(lineage)).champion;
  if (!champion || champion === challenger)
    throw new DeployError(409, 'NO_CHAMPION', `lineage '${lineage}' has no champion other than '${challenger}' to compare with`);
  const names = await host.namesOf(lineage);
  const seen: Observation[] = [];
  const collect = (o: Observation) => {
    const name = names.get(o.deployment) ?? o.deployment;
    if (name === champion || name === challenger) seen.push({ ...o, deployment: name });
  };
  const stopListening = host.listen(lineage, collect);
  const stopProbes = new AbortController();
  const outer = opts.signal;
  const onAbort = () => stopProbes.abort();
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    if (mode === 'traffic') await host.setTraffic(lineage, { [champion]: 100 - share, [challenger]: share });
    else await host.setMirror(lineage, { [challenger]: share });
    const probes = opts.probeBody
      ? [champion, challenger].map((d) => probe(host, lineage, d, opts.probeBody!, opts.probeRate ?? 5, stopProbes.signal, collect))
      : [];
    await sleep(durationMs, stopProbes.signal);
    const aborted = outer?.aborted === true;
    stopProbes.abort();
    await Promise.all(probes);
    const figures = { champion: figuresOf(champion, seen), challenger: figuresOf(challenger, seen) };
    const v = aborted ? { pass: false, reasons: ['the canary was stopped before its end'] } : canaryVerdict(figures.champion, figures.challenger, opts);
    const verdict = aborted ? 'aborted' : v.pass ? 'pass' : 'fail';
    let traffic = (await host.endpointFor(lineage)).traffic;
    if (verdict !== 'pass' && opts.rollbackOnFail !== false) {
      traffic = (mode === 'traffic' ? await host.setTraffic(lineage, { [champion]: 100 }) : await host.setMirror(lineage, {})).traffic;
    }
    host.log(
      `canary of ${challenger} against ${champion} (${share} % ${mode}, ${durationMs} ms): ${verdict}${v.reasons.length ? ` - ${v.reasons.join('; ')}` : ''}`,
    );
    return { lineage, champion, challenger, mode, sharePercent: share, durationMs, verdict, reasons: v.reasons, figures, traffic };
  } finally {
    stopListening();
    outer?.removeEventListener('abort', onAbort);
    stopProbes.abort();
  }
}
