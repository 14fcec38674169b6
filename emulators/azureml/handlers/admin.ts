import { json } from '../core/http';
import type { EmulatorPlugin } from '../core/plugin';
import type { FaultRule } from '../core/faults';

/**
 * Control routes for tests and scripts that run the emulator as a separate process (no ARM auth; the
 * emulator listens on loopback): inject faults, read received requests, health.
 */
export const adminPlugin: EmulatorPlugin = {
  name: 'admin',
  register(ctx) {
    const open = { auth: 'none' as const };
    ctx.router.add('GET', '/_emulator/health', () => json(200, { status: 'ok', workspace: ctx.settings.workspace }), open);
    ctx.router.add(
      'POST',
      '/_emulator/faults',
      (req) => {
        const rule = req.body as FaultRule;
        if (!rule || typeof rule.path !== 'string' || typeof rule.status !== 'number')
          throw ctx.errors.validation('a fault needs path (regex) and status', 'path');
        ctx.faults.add(rule);
        return json(201, { faults: ctx.faults.hits() });
      },
      open,
    );
    ctx.router.add('GET', '/_emulator/faults', () => json(200, { faults: ctx.faults.hits() }), open);
    ctx.router.add(
      'DELETE',
      '/_emulator/faults',
      () => {
        ctx.faults.clear();
        return { status: 204 };
      },
      open,
    );
    ctx.router.add(
      'GET',
      '/_emulator/requests',
      (req) => {
        const filter = req.query.get('path');
        const re = filter ? new RegExp(filter, 'i') : undefined;
        const method = req.query.get('method')?.toUpperCase();
        return json(200, {
          value: ctx.received().filter((r) => r.path !== '/_emulator/requests' && (!re || re.test(r.path)) && (!method || r.method === method)),
        });
      },
      open,
    );
  },
};
