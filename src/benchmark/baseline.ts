/**
 * The reference for throughput figures: a bare Node HTTP server answering every request with a fixed
 * JSON body (no parsing, no model), measured in the same run as the system under test so a ratio
 * means something on a shared machine.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

export interface BaselineServer {
  url: string;
  close(): Promise<void>;
}

export async function startBaselineServer(responseBody: string | object = { result: ['no'] }): Promise<BaselineServer> {
  const body = Buffer.from(typeof responseBody === 'string' ? responseBody : JSON.stringify(responseBody));
  const server = http.createServer((req, res) => {
    // Read (and drop) the request body, as any real endpoint must.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
