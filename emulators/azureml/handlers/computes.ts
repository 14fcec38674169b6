import { json } from '../core/http';
import type { EmulatorPlugin } from '../core/plugin';
import { childId, PROVIDER, systemData, WorkspaceParams } from '../core/resource';
import { WORKSPACE_PATH } from '../core/router';

export interface ComputesOptions {
  /** AmlCompute clusters the workspace has (default: one, `cpu-cluster`). */
  clusters?: string[];
}

export function computeNames(options: unknown): string[] {
  return (options as ComputesOptions | undefined)?.clusters ?? ['cpu-cluster'];
}

/** Compute clusters, GET only: jobs name one by ARM id, and a missing one is ARM's 404. */
export const computesPlugin: EmulatorPlugin = {
  name: 'computes',
  register(ctx) {
    const names = computeNames(ctx.settings.plugins.computes);
    const created = systemData();
    ctx.router.add('GET', `${WORKSPACE_PATH}/computes/{name}`, (req) => {
      ctx.requireWorkspace(req);
      const name = names.find((n) => n.toLowerCase() === req.params.name.toLowerCase());
      if (!name) throw ctx.errors.notFound('compute', req.params.name);
      return json(200, {
        id: childId(req.params as unknown as WorkspaceParams, 'computes', name),
        name,
        type: `${PROVIDER}/workspaces/computes`,
        location: ctx.settings.region,
        systemData: created,
        properties: {
          computeType: 'AmlCompute',
          computeLocation: ctx.settings.region,
          provisioningState: 'Succeeded',
          isAttachedCompute: false,
          disableLocalAuth: true,
          properties: {
            vmSize: 'STANDARD_DS3_V2',
            vmPriority: 'Dedicated',
            scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT2M' },
          },
        },
      });
    });
  },
};
