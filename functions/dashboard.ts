/** GET /api/dashboard (anonymous page; its data calls need a function key, which the operator enters). */
import { app } from '@azure/functions';
import { appRoot } from '../src/app';
import { dashboardHtml } from '../src/dashboard/page';

// A bad setting fails every function file at load: the host log names the setting.
appRoot();

app.http('dashboard', {
  route: 'dashboard',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({
    status: 200,
    body: dashboardHtml({ apiBase: '/api' }),
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' },
  }),
});
