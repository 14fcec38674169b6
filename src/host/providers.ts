/**
 * Providers the CLI starts besides the built-in HTTP and blob triggers. The Durable engine adds itself
 * here (this is the only file of the host it edits).
 */
import type { Provider } from './provider';

export function builtInProviders(): Provider[] {
  // Loaded on demand: a host without Durable registrations never loads the engine.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return [(require('./durable') as typeof import('./durable')).createDurableProvider()];
}
