/** Worker thread entry: receives the shared training context once, then runs trials and fits on request. */
import { parentPort, workerData } from 'node:worker_threads';
import { contextFromMessage, ContextMessage } from './context';
import { fitHere, FitRequest, runTrialHere, TrialRequest } from './executor';

const ctx = contextFromMessage((workerData as { ctx: ContextMessage }).ctx);
const folds = (workerData as { folds: Int32Array[] }).folds;

parentPort!.on('message', (m: { kind: 'trial'; req: TrialRequest } | { kind: 'fit'; req: FitRequest }) => {
  try {
    if (m.kind === 'trial') {
      const out = runTrialHere(ctx, folds, m.req);
      parentPort!.postMessage({ ok: true, value: out }, out.oof ? [out.oof.buffer as ArrayBuffer] : []);
    } else {
      parentPort!.postMessage({ ok: true, value: fitHere(ctx, m.req) });
    }
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: (e as Error).message });
  }
});
