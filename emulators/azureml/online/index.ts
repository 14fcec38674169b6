/**
 * Managed online endpoints and deployments (ARM) and their data plane, as one emulator plugin. Each
 * deployment really serves its model: the project's endpoint process, started from the model
 * version's ONNX file on the workspace storage. Options (settings.plugins.online):
 * `{ readyTimeoutMs?: number }`.
 */
import type { EmulatorPlugin } from '../core/plugin';
import { registerDataPlane } from './dataplane';
import { registerDeployments, resumeDeployments } from './deployments';
import { registerEndpoints } from './endpoints';
import { Runtime } from './runtime';

export interface OnlinePluginOptions {
  readyTimeoutMs?: number;
}

export const onlinePlugin: EmulatorPlugin = {
  name: 'online',
  async register(ctx) {
    const opts = (ctx.settings.plugins.online ?? {}) as OnlinePluginOptions;
    const runtime = new Runtime(opts.readyTimeoutMs ?? 30_000);
    registerEndpoints(ctx, runtime);
    registerDeployments(ctx, runtime);
    registerDataPlane(ctx, runtime);
    ctx.onStop(() => runtime.stopAll());
    // After a restart with a state folder: serve again what was serving (once the server listens).
    setImmediate(() => void resumeDeployments(ctx, runtime).catch((err) => ctx.log(`online: resume failed: ${(err as Error).message}`)));
  },
};
