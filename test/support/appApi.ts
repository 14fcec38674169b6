/**
 * Calls to the app in a test host, with its host key by default: JSON bodies parsed when they are JSON,
 * and a wait for a run to end (Completed, Failed or Terminated) that names the last status and the
 * host's last log lines when it times out. `host` is a getter: tests restart their host. Requests carry
 * `content-type: application/json` unless `contentType` says otherwise (null: none).
 */
import type { TestHost } from './host';

export interface ApiResult {
  status: number;
  headers: Headers;
  body: any;
}

export interface AppApi {
  /** `key: null` sends no key; a string sends that key instead of the host key. */
  api(p: string, init?: RequestInit & { key?: string | null }): Promise<ApiResult>;
  waitForRun(runId: string, timeoutMs?: number): Promise<any>;
}

export function appApi(host: () => TestHost, opts: { logFilter?: RegExp; logLines?: number; contentType?: string | null } = {}): AppApi {
  const api = async (p: string, init: RequestInit & { key?: string | null } = {}): Promise<ApiResult> => {
    const { key, ...rest } = init;
    const type = opts.contentType === undefined ? 'application/json' : opts.contentType;
    const headers: Record<string, string> = { ...(type ? { 'content-type': type } : {}), ...(rest.headers as Record<string, string>) };
    if (key !== null) headers['x-functions-key'] = key ?? host().hostKey;
    const r = await fetch(`${host().baseUrl}${p}`, { ...rest, headers });
    const text = await r.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, headers: r.headers, body };
  };
  const waitForRun = async (runId: string, timeoutMs = 300_000): Promise<any> => {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      // A host being restarted refuses connections for a moment: keep polling.
      const r = await api(`/api/runs/${runId}`).catch(() => ({ status: 0, body: undefined }) as Partial<ApiResult>);
      last = r.body;
      if (r.status === 200 && ['Completed', 'Failed', 'Terminated'].includes(r.body.runtimeStatus)) return r.body;
      await new Promise((res) => setTimeout(res, 1000));
    }
    const lines = host()
      .logs()
      .split('\n')
      .filter((l) => !opts.logFilter || opts.logFilter.test(l))
      .slice(-(opts.logLines ?? 40))
      .join('\n');
    throw new Error(`run ${runId} did not finish: ${JSON.stringify(last)}\n${lines}`);
  };
  return { api, waitForRun };
}
