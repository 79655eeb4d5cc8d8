import { afterEach, describe, expect, it } from 'vitest';
import { Embedder } from '../../src/embeddings/embedder.js';
import { createOllamaEmbeddingModel } from '../../src/embeddings/remote/ollama-embedding-model.js';
import { createOpenAiCompatibleEmbeddingModel } from '../../src/embeddings/remote/openai-compatible-embedding-model.js';
import type { RemoteEmbeddingOptions } from '../../src/embeddings/remote/remote-embedding-client.js';
import { CircuitBreakers } from '../../src/resilience/breaker.js';
import type { EmbeddingModelV1 } from '../../src/spec/embedding-model.js';
import { type EmbeddingServer, fixture, serverVector, startEmbeddingServer, unit } from '../helpers/embedding-server.js';
import { expectStrataError } from '../helpers/memory.js';

// Real HTTP servers on loopback answering with the recorded shapes of test/fixtures/embeddings/.
const servers: EmbeddingServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(api: 'openai' | 'ollama', options: Parameters<typeof startEmbeddingServer>[1] = {}): Promise<EmbeddingServer> {
  const server = await startEmbeddingServer(api, options);
  servers.push(server);
  return server;
}

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
const APIS = [
  { api: 'openai' as const, create: createOpenAiCompatibleEmbeddingModel, model: 'text-embedding-3-small', path: '/v1/embeddings' },
  { api: 'ollama' as const, create: createOllamaEmbeddingModel, model: 'all-minilm', path: '/api/embed' },
];
const close = (actual: ArrayLike<number> | undefined, expected: readonly number[]) => {
  expect(actual?.length).toBe(expected.length);
  for (const [i, x] of expected.entries()) expect((actual as ArrayLike<number>)[i]).toBeCloseTo(x, 5);
};

describe.each(APIS)('$api provider against a loopback server', ({ api, create, model, path }) => {
  const make = (server: EmbeddingServer, extra: Partial<RemoteEmbeddingOptions> = {}): Promise<EmbeddingModelV1> =>
    create({ baseUrl: server.url, model, retry: FAST_RETRY, ...extra });

  it('probes the dimensions at creation, sends the documented body and the API key, returns unit vectors in input order', async () => {
    const server = await serve(api, { dims: 12 });
    const provider = await make(server, { apiKey: 'sk-test-1234567890' });
    expect(provider).toMatchObject({ dimensions: 12, modelName: model, modelVersion: '1', maxEmbeddingsPerCall: 32 });
    expect(server.requests).toHaveLength(1); // the probe
    const vectors = await provider.embed(['alpha text', 'beta text']);
    close(vectors[0], unit(serverVector('alpha text', 12)));
    close(vectors[1], unit(serverVector('beta text', 12)));
    const last = server.requests.at(-1);
    expect(last?.path).toBe(path);
    expect(last?.headers.authorization).toBe('Bearer sk-test-1234567890');
    expect(last?.body).toEqual(
      api === 'openai'
        ? { model, input: ['alpha text', 'beta text'], encoding_format: 'float' }
        : { model, input: ['alpha text', 'beta text'] },
    );
  });

  it('the Embedder splits a batch at maxEmbeddingsPerCall', async () => {
    const server = await serve(api);
    const embedder = new Embedder(await make(server, { maxEmbeddingsPerCall: 3 }), null);
    const texts = Array.from({ length: 7 }, (_, i) => `text ${i}`);
    const vectors = await embedder.embed(texts);
    expect(server.requests.slice(1).map((r) => r.body.input?.length)).toEqual([3, 3, 1]);
    for (const [i, text] of texts.entries()) close(vectors[i], unit(serverVector(text, 8)));
  });

  it('a call with more texts than maxEmbeddingsPerCall is refused before it reaches the server', async () => {
    const server = await serve(api);
    const provider = await make(server, { maxEmbeddingsPerCall: 2 });
    const before = server.requests.length;
    const error = await expectStrataError(provider.embed(['one', 'two', 'three']), 'EMBEDDING_FAILED');
    expect(error.message).toContain('at most 2');
    expect(server.requests.length).toBe(before);
  });

  it('retries 5xx answers and a dropped connection with backoff, then succeeds', async () => {
    const server = await serve(api);
    const provider = await make(server, { retry: { ...FAST_RETRY, maxAttempts: 4 } });
    server.replies.push({ status: 503, body: { error: 'loading' } }, 'drop', { status: 500, body: 'oops' });
    const [vector] = await provider.embed(['after the outage']);
    close(vector, unit(serverVector('after the outage', 8)));
    expect(server.requests).toHaveLength(1 + 4);
  });

  it('gives up after maxAttempts with the last status in the error', async () => {
    const server = await serve(api);
    const provider = await make(server, { retry: { ...FAST_RETRY, maxAttempts: 2 } });
    server.replies.push({ status: 502 }, { status: 504 });
    const error = await expectStrataError(provider.embed(['x']), 'EMBEDDING_FAILED');
    expect(error.details.status).toBe(504);
    expect(server.requests).toHaveLength(1 + 2);
  });

  it('429 waits at least Retry-After (seconds) before the retry, and does not count toward the breaker', async () => {
    const server = await serve(api);
    const board = new CircuitBreakers({ failures: 1, halfOpenAfterMs: 60_000 });
    const provider = await make(server, { breaker: board.for('embedding') });
    server.replies.push({ status: 429, headers: { 'retry-after': '1' }, body: fixture('openai-error-429.json') });
    await provider.embed(['busy']);
    const [limited, retried] = server.requests.slice(1);
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(board.state('embedding')).toBe('closed');
  });

  it('429 with an HTTP-date Retry-After waits until that date', async () => {
    const server = await serve(api);
    const provider = await make(server);
    const at = new Date(Date.now() + 1500);
    server.replies.push({ status: 429, headers: { 'retry-after': at.toUTCString() } });
    await provider.embed(['busy']);
    // HTTP dates have whole seconds: the wait is until the truncated date.
    const dateMs = Math.floor(at.getTime() / 1000) * 1000;
    expect(Date.now()).toBeGreaterThanOrEqual(dateMs);
    expect(server.requests).toHaveLength(3);
  });

  it('a Retry-After longer than maxRetryAfterMs fails at once with retryAfterMs in the error', async () => {
    const server = await serve(api);
    const provider = await make(server, { retry: { ...FAST_RETRY, maxRetryAfterMs: 500 } });
    server.replies.push({ status: 429, headers: { 'retry-after': '30' } });
    const error = await expectStrataError(provider.embed(['x']), 'EMBEDDING_FAILED');
    expect(error.details).toMatchObject({ status: 429, retryAfterMs: 30_000 });
    expect(server.requests).toHaveLength(2);
  });

  it('401 and 403 are typed errors, never retried and never counted toward the breaker', async () => {
    const server = await serve(api);
    const board = new CircuitBreakers({ failures: 1, halfOpenAfterMs: 60_000 });
    const provider = await make(server, { breaker: board.for('embedding') });
    for (const status of [401, 403]) {
      server.replies.push({ status, body: fixture('openai-error-401.json') });
      const error = await expectStrataError(provider.embed(['x']), 'EMBEDDING_FAILED');
      expect(error.details).toMatchObject({ status, reason: 'unauthorized', provider: provider.provider });
      expect(error.message).toContain('API key');
    }
    expect(server.requests).toHaveLength(1 + 2);
    expect(board.state('embedding')).toBe('closed');
  });

  it('a stalled server hits the per-request timeout (TIMEOUT)', async () => {
    const server = await serve(api);
    const provider = await make(server, { timeoutMs: 150, retry: false });
    server.replies.push('stall');
    const started = performance.now();
    const error = await expectStrataError(provider.embed(['x']), 'TIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error.details).toMatchObject({ timeoutMs: 150 });
  });

  it('a malformed answer is EMBEDDING_FAILED (malformed_response), not retried', async () => {
    const server = await serve(api);
    const provider = await make(server);
    const bad =
      api === 'openai'
        ? [
            'not json at all',
            { object: 'list' },
            {
              data: [
                { index: 0, embedding: [1, 2] },
                { index: 0, embedding: [1, 2] },
              ],
            },
            { data: [{ index: 0, embedding: [1, 'two'] }] },
          ]
        : [
            '<html>',
            { model },
            {
              embeddings: [
                [1, 2],
                [3, 4],
              ],
            },
            { embeddings: [[0, 0]] },
          ];
    for (const body of bad) {
      const before = server.requests.length;
      server.replies.push({ status: 200, body });
      // Two texts for the duplicate-index case, one otherwise.
      const texts =
        Array.isArray((body as { data?: unknown[] }).data) && (body as { data: unknown[] }).data.length === 2 ? ['a', 'b'] : ['a'];
      const error = await expectStrataError(provider.embed(texts), 'EMBEDDING_FAILED');
      expect(error.details).toMatchObject({ status: 200, reason: 'malformed_response' });
      expect(server.requests.length - before).toBe(1);
    }
  });

  it('repeated outages open the breaker: then calls fail fast without reaching the server', async () => {
    const server = await serve(api);
    const board = new CircuitBreakers({ failures: 2, halfOpenAfterMs: 60_000 });
    const provider = await make(server, { breaker: board.for('embedding'), retry: false });
    server.replies.push({ status: 503 }, { status: 503 });
    await expectStrataError(provider.embed(['a']), 'EMBEDDING_FAILED');
    await expectStrataError(provider.embed(['b']), 'EMBEDDING_FAILED');
    expect(board.state('embedding')).toBe('open');
    const seen = server.requests.length;
    const open = await expectStrataError(provider.embed(['c']), 'EMBEDDING_FAILED');
    expect(open.details).toMatchObject({ breaker: 'open', backend: 'embedding' });
    expect(server.requests.length).toBe(seen);
  });

  it('a server that is down fails creation (the probe) with EMBEDDING_FAILED and no status', async () => {
    const server = await serve(api);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const error = await expectStrataError(make(server, { retry: false }), 'EMBEDDING_FAILED');
    expect(error.details.status).toBeUndefined();
  });

  it('configured dimensions: checked against the probe, or trusted without one (probe: false)', async () => {
    const server = await serve(api, { dims: 8 });
    await expectStrataError(make(server, { dimensions: 16 }), 'INVALID_CONFIG');
    const before = server.requests.length;
    const trusted = await make(server, { dimensions: 8, probe: false });
    expect(trusted.dimensions).toBe(8);
    expect(server.requests.length).toBe(before);
  });
});

describe('provider specifics', () => {
  it('openai-compatible: sorts data by index when the server answers out of order', async () => {
    const server = await serve('openai', { reverse: true });
    const provider = await createOpenAiCompatibleEmbeddingModel({ baseUrl: server.url, model: 'm' });
    const texts = ['first', 'second', 'third'];
    const vectors = await provider.embed(texts);
    expect(server.requests.at(-1)?.body.input).toEqual(texts);
    for (const [i, text] of texts.entries()) close(vectors[i], unit(serverVector(text, 8)));
  });

  it('openai-compatible: a 404 from a base URL without /v1 hints at it', async () => {
    const server = await serve('openai');
    const root = server.url.replace(/\/v1$/, '');
    const error = await expectStrataError(
      createOpenAiCompatibleEmbeddingModel({ baseUrl: root, model: 'm', retry: false }),
      'EMBEDDING_FAILED',
    );
    expect(error.details.status).toBe(404);
    expect(error.message).toContain(`${root}/v1`);
  });

  it('openai-compatible: reads the text-embeddings-inference answer shape', async () => {
    const server = await serve('openai', { template: 'tei-embeddings.json', dims: 384 });
    const provider = await createOpenAiCompatibleEmbeddingModel({ baseUrl: server.url, model: 'BAAI/bge-small-en-v1.5' });
    expect(provider.dimensions).toBe(384);
    close((await provider.embed(['tei']))[0], unit(serverVector('tei', 384)));
  });

  it('ollama: a model that is not pulled says how to pull it; a server without /api/embed says so', async () => {
    const server = await serve('ollama');
    const provider = await createOllamaEmbeddingModel({ baseUrl: server.url, model: 'nomic-embed-text', retry: false });
    server.replies.push({ status: 404, body: fixture('ollama-error-404.json') });
    const missing = await expectStrataError(provider.embed(['x']), 'EMBEDDING_FAILED');
    expect(missing.message).toContain('ollama pull nomic-embed-text');
    expect(missing.details.reason).toBe('model_not_pulled');
    server.replies.push({ status: 404, body: '404 page not found' });
    const old = await expectStrataError(provider.embed(['x']), 'EMBEDDING_FAILED');
    expect(old.details.reason).toBe('no_embed_api');
  });

  it('rejects bad settings before any request', async () => {
    await expectStrataError(createOpenAiCompatibleEmbeddingModel({ baseUrl: 'ftp://x', model: 'm' }), 'INVALID_CONFIG');
    await expectStrataError(createOllamaEmbeddingModel({ baseUrl: 'http://127.0.0.1:1', model: ' ' }), 'INVALID_CONFIG');
    await expectStrataError(
      createOllamaEmbeddingModel({ baseUrl: 'http://127.0.0.1:1', model: 'm', maxEmbeddingsPerCall: 0 }),
      'INVALID_CONFIG',
    );
  });
});
