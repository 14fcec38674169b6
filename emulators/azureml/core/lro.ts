import { randomUUID } from 'node:crypto';
import { ArmError, ArmErrorDetail, toArmError } from './errors';
import type { EmuRequest } from './http';
import type { StateStore } from './state';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

/** An operation status resource, as stored (and, minus the private fields, as served). */
export interface OperationRecord {
  id: string;
  kind: string;
  payload: unknown;
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  /** When the operation's work runs (ms since epoch). */
  dueAt: number;
  error?: ArmErrorDetail & { status: number };
}

export interface LroSettings {
  subscriptionId: string;
  region: string;
  /** How long an operation stays InProgress before its work runs. */
  delayMs: number;
  /** The Retry-After (seconds) the emulator answers: core-lro waits that long between polls. */
  retryAfterSeconds: number;
}

export const OPERATIONS = 'operations';

/**
 * Long-running operations the ARM way. A handler calls begin(kind, payload) and answers with the
 * headers for its verb (Azure-AsyncOperation for PUT, Location for POST/PATCH/DELETE); the work is a
 * finisher registered per kind, run once when the operation falls due. Because kind and payload are in
 * the state store, an operation begun before an emulator restart still completes after it.
 */
export class LroManager {
  private readonly finishers = new Map<string, (op: OperationRecord) => void | Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly state: StateStore,
    private readonly settings: LroSettings,
  ) {}

  /** Registers the work behind an operation kind; throwing an ArmError fails the operation with it. */
  define(kind: string, finish: (op: OperationRecord) => void | Promise<void>): void {
    this.finishers.set(kind, finish);
  }

  begin(kind: string, payload: unknown, opts: { delayMs?: number } = {}): OperationRecord {
    if (!this.finishers.has(kind)) throw new Error(`no finisher defined for operation kind ${kind}`);
    const delay = opts.delayMs ?? this.settings.delayMs;
    const op: OperationRecord = { id: randomUUID(), kind, payload, status: 'InProgress', startTime: new Date().toISOString(), dueAt: Date.now() + delay };
    this.state.put(OPERATIONS, op.id, op);
    this.schedule(op.id, delay);
    return op;
  }

  get(id: string): OperationRecord | undefined {
    return this.state.get<OperationRecord>(OPERATIONS, id);
  }

  /** Runs the work of a due operation once (concurrent callers wait for the same run). */
  async settle(id: string): Promise<OperationRecord | undefined> {
    const op = this.get(id);
    if (!op || op.status !== 'InProgress' || Date.now() < op.dueAt) return op;
    let run = this.running.get(id);
    if (!run) {
      run = this.finish(op).finally(() => this.running.delete(id));
      this.running.set(id, run);
    }
    await run;
    return this.get(id);
  }

  /** Schedules every pending operation (after a restart). */
  resume(): void {
    for (const op of this.state.list<OperationRecord>(OPERATIONS)) if (op.status === 'InProgress') this.schedule(op.id, Math.max(0, op.dueAt - Date.now()));
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  statusUrl(req: EmuRequest, op: OperationRecord): string {
    return `${req.origin}/subscriptions/${this.settings.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${this.settings.region}/mfeOperationsStatus/${op.id}?api-version=${req.query.get('api-version') ?? ''}`;
  }

  resultUrl(req: EmuRequest, op: OperationRecord): string {
    return `${req.origin}/subscriptions/${this.settings.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${this.settings.region}/mfeOperationResults/${op.id}?api-version=${req.query.get('api-version') ?? ''}`;
  }

  /** Headers of a PUT that started an operation (200/201 with the resource in its provisioning state). */
  asyncOperationHeaders(req: EmuRequest, op: OperationRecord): Record<string, string> {
    return { 'azure-asyncoperation': this.statusUrl(req, op), 'x-ms-async-operation-timeout': 'PT1H', 'retry-after': String(this.settings.retryAfterSeconds) };
  }

  /** Headers of a 202 (POST, PATCH, DELETE). */
  locationHeaders(req: EmuRequest, op: OperationRecord): Record<string, string> {
    return { location: this.resultUrl(req, op), 'retry-after': String(this.settings.retryAfterSeconds) };
  }

  /** The status resource body served at the Azure-AsyncOperation URL. */
  statusBody(op: OperationRecord): Record<string, unknown> {
    const body: Record<string, unknown> = { id: op.id, name: op.id, status: op.status, startTime: op.startTime };
    if (op.endTime) body.endTime = op.endTime;
    if (op.error) {
      const { status: _s, ...error } = op.error;
      body.error = error;
    }
    return body;
  }

  private schedule(id: string, delay: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.settle(id).catch(() => undefined);
    }, delay);
    t.unref();
    this.timers.add(t);
  }

  private async finish(op: OperationRecord): Promise<void> {
    const finisher = this.finishers.get(op.kind);
    let next: OperationRecord;
    try {
      if (!finisher) throw new Error(`no finisher for ${op.kind}`);
      await finisher(op);
      next = { ...op, status: 'Succeeded', endTime: new Date().toISOString() };
    } catch (err) {
      const e: ArmError = toArmError(err);
      const body = e.toBody().error;
      next = {
        ...op,
        status: 'Failed',
        endTime: new Date().toISOString(),
        error: { status: e.status, code: body.code, message: body.message, details: body.details },
      };
    }
    this.state.put(OPERATIONS, op.id, next);
  }
}
