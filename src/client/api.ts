/** A small client of the app's HTTP API, for the `mlops` CLI and the demo (function key in a header). */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class MlopsClient {
  constructor(
    readonly baseUrl: string,
    readonly key?: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    // A header the caller names (another key, for another API) wins over the client's key.
    const h: Record<string, string> = {};
    if (this.key) h['x-functions-key'] = this.key;
    Object.assign(h, headers);
    if (body !== undefined) h['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.baseUrl.replace(/\/$/, '') + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'UNREACHABLE', `cannot reach ${this.baseUrl}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  /** GET that must succeed (2xx); other answers become an ApiError with the server's code. */
  async get<T = any>(path: string): Promise<T> {
    const r = await this.request<T>('GET', path);
    if (r.status >= 300) throw toError(r);
    return r.body;
  }

  async post<T = any>(path: string, body: unknown): Promise<ApiResult<T>> {
    return this.request<T>('POST', path, body);
  }
}

export function toError(r: ApiResult): ApiError {
  const e = (r.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (r.status === 401) return new ApiError(401, 'UNAUTHORIZED', 'the function key is missing or wrong (set MLOPS_KEY or pass --key)');
  return new ApiError(r.status, e?.code ?? `HTTP_${r.status}`, e?.message ?? `HTTP ${r.status}`);
}
