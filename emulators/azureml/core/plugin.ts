import type { ArmError } from './errors';
import { armErrors } from './errors';
import type { FaultInjector } from './faults';
import type { EmuRequest } from './http';
import type { LroManager } from './lro';
import type { Router } from './router';
import type { EmulatorSettings } from './settings';
import type { StateStore } from './state';

/** One request as the emulator received it (bodies kept for tests that assert what the service got). */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  at: string;
}

/**
 * What a route module gets: the router to add routes to, the shared state store, long-running
 * operations, errors, settings and the workspace lookup. Plugins own their state collections (name them
 * after the plugin, e.g. `online.endpoints`) and never reach into another plugin's.
 */
export interface EmulatorContext {
  readonly router: Router;
  readonly state: StateStore;
  readonly lro: LroManager;
  readonly faults: FaultInjector;
  readonly settings: EmulatorSettings;
  readonly errors: typeof armErrors;
  /** Where the plugin may keep files (under the state folder, or a temp folder). */
  readonly workDir: string;
  /** The CA file clients must trust to reach this emulator. */
  readonly caFile: string;
  /** The base URL (https://127.0.0.1:port), known once the server listens. */
  origin(): string;
  /** The workspace a request addresses, or the ARM 404 (ResourceNotFound) when it does not exist. */
  requireWorkspace(req: EmuRequest): void;
  /** Requests received so far, oldest first. */
  received(): readonly ReceivedRequest[];
  /** Registers cleanup to run when the emulator stops (child processes, timers). */
  onStop(fn: () => void | Promise<void>): void;
  log(message: string): void;
}

/** A route module. register() adds its routes and operation finishers; it runs once at start. */
export interface EmulatorPlugin {
  readonly name: string;
  register(ctx: EmulatorContext): void | Promise<void>;
}

export type { ArmError };
