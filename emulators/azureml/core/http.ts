import type { IncomingHttpHeaders } from 'node:http';

/** A request as handlers see it: parsed once at the edge, path parameters filled in by the router. */
export interface EmuRequest {
  method: string;
  /** Path without the query, percent-decoded per segment by the router. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** JSON body when the request had one (undefined otherwise). */
  body: unknown;
  params: Record<string, string>;
  /** https://host:port of this server as the client addressed it (for Location headers and ids). */
  origin: string;
}

/** A handler's answer. A Buffer or string body is sent as is; anything else as JSON. */
export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Handler = (req: EmuRequest) => EmuResponse | Promise<EmuResponse>;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse => ({ status, body, headers });
