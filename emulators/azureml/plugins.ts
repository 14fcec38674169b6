import type { EmulatorPlugin } from './core/plugin';
import { adminPlugin } from './handlers/admin';
import { computesPlugin } from './handlers/computes';
import { datastoresPlugin } from './handlers/datastores';
import { operationsPlugin } from './handlers/operations';
import { workspacesPlugin } from './handlers/workspaces';
import { onlinePlugin } from './online';

/**
 * The route modules the emulator loads, in order. A new module (for example online/) is one import
 * and one entry here; see README.md "Plugins".
 */
export const PLUGINS: readonly EmulatorPlugin[] = [
  adminPlugin,
  operationsPlugin,
  workspacesPlugin,
  datastoresPlugin,
  computesPlugin,
  onlinePlugin,
];
