import type { EmulatorPlugin } from './core/plugin';
import { adminPlugin } from './handlers/admin';
import { assetsPlugin } from './handlers/assets';
import { computesPlugin } from './handlers/computes';
import { datastoresPlugin } from './handlers/datastores';
import { jobsPlugin } from './handlers/jobs';
import { mlflowPlugin } from './handlers/mlflow';
import { operationsPlugin } from './handlers/operations';
import { workspacesPlugin } from './handlers/workspaces';

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
  assetsPlugin,
  jobsPlugin,
  mlflowPlugin,
];
