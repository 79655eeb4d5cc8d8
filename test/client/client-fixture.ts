import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StrataClient, type StrataClientOptions } from '../../src/client/index.js';
import type { BuildAppDeps } from '../../src/http/build-app.js';
import { type HttpFixture, httpFixture } from '../http/http-fixture.js';

export interface ListeningFixture extends HttpFixture {
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  /** A client of this server with `apiKey` (and any other option). */
  client(apiKey: string | undefined, options?: Partial<StrataClientOptions>): StrataClient;
}

/** The real app over real SQLite files in a temp dir, listening on loopback (port 0). */
export async function listeningFixture(deps: Partial<Omit<BuildAppDeps, 'memory' | 'auth'>> = {}): Promise<ListeningFixture> {
  const f = await httpFixture(deps);
  const baseUrl = await f.app.listen({ host: '127.0.0.1', port: 0 });
  return Object.assign(f, {
    baseUrl,
    client: (apiKey: string | undefined, options: Partial<StrataClientOptions> = {}) => new StrataClient({ baseUrl, apiKey, ...options }),
  });
}

/** A request a stand-in server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type StandInHandler = (request: SeenRequest, response: ServerResponse, index: number) => void;

/**
 * A tiny node:http server on loopback that answers what each test scripts (429 then 200, a
 * 503, silence). It STANDS IN for a Strata server where the real one cannot be made to
 * answer so (a flaky proxy, an overloaded or hung upstream); every request is recorded.
 */
export async function standInServer(handler: StandInHandler): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      handler(request, res, seen.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

/** A problem+json body as the real server writes it. */
export function problem(status: number, code: string, detail: string): Record<string, unknown> {
  return {
    type: `urn:strata:error:${code.toLowerCase()}`,
    title: code,
    status,
    detail,
    instance: '/',
    code,
    requestId: 'stand-in',
    details: {},
  };
}
