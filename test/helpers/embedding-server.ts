import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded response shape (test/fixtures/embeddings/). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/embeddings/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** One scripted answer: a status and body, a stall (never answers), a dropped connection, or `ok` (answers like the API). */
export type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | 'stall' | 'drop' | 'ok';

export interface RecordedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: { model?: string; input?: string[]; encoding_format?: string };
  readonly at: number;
}

export interface EmbeddingServer {
  /** What a provider is given: `http://127.0.0.1:port/v1` (OpenAI-compatible) or the root (Ollama). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests, in order; when empty the server answers `ok`. */
  readonly replies: Reply[];
  close(): Promise<void>;
}

/** The server's vector for a text: hashed, deterministic, NOT normalised (the provider must normalise). */
export function serverVector(text: string, dims: number): number[] {
  const bytes = createHash('sha256').update(text).digest();
  return Array.from({ length: dims }, (_, i) => ((bytes[i % bytes.length] as number) - 127.5) / 40 + i / 100);
}

export function unit(values: readonly number[]): number[] {
  const norm = Math.hypot(...values);
  return values.map((x) => x / norm);
}

/**
 * A real HTTP server on 127.0.0.1 (port 0) that answers like an embedding API, its answers built
 * from the recorded shapes: `openai` (OpenAI / TEI `/v1/embeddings`, data in REVERSED index
 * order when `reverse`, as servers may) or `ollama` (`/api/embed`). Other paths are 404.
 */
export async function startEmbeddingServer(
  api: 'openai' | 'ollama',
  options: { dims?: number; reverse?: boolean; template?: string } = {},
): Promise<EmbeddingServer> {
  const dims = options.dims ?? 8;
  const template = fixture(options.template ?? (api === 'openai' ? 'openai-embeddings.json' : 'ollama-embed.json'));
  const requests: RecordedRequest[] = [];
  const replies: Reply[] = [];
  const path = api === 'openai' ? '/v1/embeddings' : '/api/embed';
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text ? JSON.parse(text) : {}) as RecordedRequest['body'];
      requests.push({ path: request.url ?? '', headers: request.headers, body, at: performance.now() });
      const reply = replies.shift() ?? 'ok';
      if (reply === 'stall') return;
      if (reply === 'drop') {
        request.socket.destroy();
        return;
      }
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (reply !== 'ok') return send(reply.status, reply.body ?? '', reply.headers);
      if (request.method !== 'POST' || request.url !== path) return send(404, { error: `no route ${request.url}` });
      const inputs = body.input ?? [];
      if (api === 'ollama') {
        return send(200, { ...template, model: body.model, embeddings: inputs.map((input) => serverVector(input, dims)) });
      }
      const data = inputs.map((input, index) => ({ object: 'embedding', index, embedding: serverVector(input, dims) }));
      if (options.reverse) data.reverse();
      send(200, { ...template, data, model: body.model });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: api === 'openai' ? `${origin}/v1` : origin,
    requests,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
