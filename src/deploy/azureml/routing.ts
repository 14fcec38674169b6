/**
 * Lineage-level traffic operations of a deployment target whose endpoints split traffic themselves
 * (Azure ML managed online endpoints). The champion module drives promotions through these; the proxy
 * scores through `scoringRoute`. Deployment names here are the project's (DeploymentSpec.name).
 */

/** A lineage's endpoint as the routing sees it. */
export interface LineageEndpoint {
  lineage: string;
  /** The Azure ML endpoint name (a DNS label). */
  endpoint: string;
  scoringUri: string;
  provisioningState: string;
  /** Project deployment name -> percent of live traffic (sums to 100 once a deployment serves). */
  traffic: Record<string, number>;
  /** Project deployment name -> percent of traffic copied to it, answers discarded (sum <= 50). */
  mirror: Record<string, number>;
  /** The deployment with the largest live share (ties: first by name); undefined when none has traffic. */
  champion?: string;
}

/** How the proxy reaches a lineage: POST `url` with these headers (they carry the key: never log them). */
export interface ScoringRoute {
  url: string;
  headers: Record<string, string>;
}

/** One scored request as seen by the proxy or the canary probe. */
export interface Observation {
  /** Project deployment name that answered (from the response's azureml-model-deployment header). */
  deployment: string;
  status: number;
  latencyMs: number;
}

export interface DeploymentFigures {
  deployment: string;
  requests: number;
  /** Non-2xx answers (but 401/403) and transport failures: what a better model must not add. */
  errors: number;
  errorRate: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
}

export interface CanaryOptions {
  /** Mirror `share` percent to the challenger instead of giving it live traffic. */
  mirror?: boolean;
  /** Request body the probe sends (a valid scoring body); without it only observed traffic counts. */
  probeBody?: string;
  /** Probe requests per second per deployment (default 5). */
  probeRate?: number;
  /** Fewest challenger answers for a verdict (default 20). */
  minRequests?: number;
  /** Error-rate slack over the champion's (absolute, default 0.01). */
  errorRateTolerance?: number;
  /** Latency: challenger p95 may be at most champion p95 x factor + slackMs (defaults 1.5 and 20 ms). */
  latencyFactor?: number;
  latencySlackMs?: number;
  /** Put the traffic back to the champion when the challenger fails (default true). */
  rollbackOnFail?: boolean;
  /** Stops the canary early (host shutdown); the verdict is then 'aborted'. */
  signal?: AbortSignal;
}

export interface CanaryReport {
  lineage: string;
  champion: string;
  challenger: string;
  mode: 'traffic' | 'mirror';
  sharePercent: number;
  durationMs: number;
  verdict: 'pass' | 'fail' | 'aborted';
  reasons: string[];
  figures: { champion: DeploymentFigures; challenger: DeploymentFigures };
  /** Traffic after the canary: the canary split on pass (promote next), the champion's on fail. */
  traffic: Record<string, number>;
}

export interface TrafficRouting {
  /** The lineage's managed online endpoint (key auth), created on first use. */
  endpointFor(lineage: string): Promise<LineageEndpoint>;
  /** Sets the whole live-traffic map in one full PUT of the endpoint (percentages summing to 100). */
  setTraffic(lineage: string, traffic: Record<string, number>): Promise<LineageEndpoint>;
  /** Sets the whole mirror map in one full PUT (sum at most 50; a mirrored deployment has no live traffic). */
  setMirror(lineage: string, mirror: Record<string, number>): Promise<LineageEndpoint>;
  /**
   * The URL and headers to score a lineage: its scoring URI with `Authorization: Bearer <key>` (from
   * listKeys, cached) and, with `deployment`, `azureml-model-deployment`. Undefined when the lineage has
   * no endpoint. `refreshKey` re-reads the keys (after a 401: the key was regenerated).
   */
  scoringRoute(lineage: string, deployment?: string, opts?: { refreshKey?: boolean }): Promise<ScoringRoute | undefined>;
  /** Feeds the canary with an answer the proxy got (deployment from the response header). */
  observe(lineage: string, o: Observation): void;
  /**
   * Gives the challenger `share` percent (live, or mirrored with opts.mirror) for `durationMs`, compares
   * its error rate and latency with the champion's, and reports a verdict. Never promotes by itself.
   */
  canary(lineage: string, challenger: string, share: number, durationMs: number, opts?: CanaryOptions): Promise<CanaryReport>;
  /** The deployment's container logs (getLogs), last `tail` lines. */
  logs(deployment: string, tail?: number): Promise<string>;
}
