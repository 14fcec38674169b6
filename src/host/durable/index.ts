/** Embedded Durable Functions engine: see docs/durable.md. */
export { createDurableProvider, DurableProvider, SYSTEM_KEY_NAME, WEBHOOK_PATH } from './provider';
export type { DurableProviderOptions } from './provider';
export { DurableEngine } from './engine';
export { DurableManagement, DurableApiError } from './management';
export { DurableStore } from './store';
export { replayActions } from './replayer';
export { installEngineHooks } from './hooks';
export type { EngineHooks, EnginePoint } from './hooks';
