import { json } from '../core/http';
import type { EmulatorPlugin } from '../core/plugin';
import { ArmError } from '../core/errors';

const LOCATION = '/subscriptions/{subscriptionId}/providers/Microsoft.MachineLearningServices/locations/{location}';

/**
 * Operation status resources: the Azure-AsyncOperation URL answers `{status, startTime, endTime,
 * error}`; the Location URL answers 202 while in progress and 200 when done (or the operation's error).
 */
export const operationsPlugin: EmulatorPlugin = {
  name: 'operations',
  register(ctx) {
    ctx.router.add('GET', `${LOCATION}/mfeOperationsStatus/{operationId}`, async (req) => {
      const op = await ctx.lro.settle(req.params.operationId);
      if (!op) throw ctx.errors.notFound('operation', req.params.operationId);
      const headers: Record<string, string> = op.status === 'InProgress' ? { 'retry-after': String(ctx.settings.retryAfterSeconds) } : {};
      return json(200, ctx.lro.statusBody(op), headers);
    });
    ctx.router.add('GET', `${LOCATION}/mfeOperationResults/{operationId}`, async (req) => {
      const op = await ctx.lro.settle(req.params.operationId);
      if (!op) throw ctx.errors.notFound('operation', req.params.operationId);
      if (op.status === 'InProgress') return { status: 202, headers: ctx.lro.locationHeaders(req, op) };
      if (op.status === 'Failed' && op.error) throw new ArmError(op.error.status, op.error.code, op.error.message, { details: op.error.details });
      return { status: 200, body: {} };
    });
  },
};
