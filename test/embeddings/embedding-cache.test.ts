import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { createOpenAiCompatibleEmbeddingModel } from '../../src/embeddings/remote/openai-compatible-embedding-model.js';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { type EmbeddingServer, startEmbeddingServer } from '../helpers/embedding-server.js';
import { tempDir } from '../helpers/memory.js';

// Every provider goes through the one Embedder: its cache is keyed by content hash AND model id
// (name@version/dims), in process and in the store (SQLite here), and its hits and misses are
// the strata_cache_requests_total{cache="embedding"} counters a hit rate is computed from.
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('embedding cache with a remote provider', () => {
  let server: EmbeddingServer;
  const embedCalls = () => server.requests.filter((r) => r.body.input?.[0] !== 'dimension probe').length;

  async function open(
    path: string,
    model: string,
    metrics = new PrometheusMetrics(),
  ): Promise<{ memory: MemoryService; metrics: PrometheusMetrics }> {
    const embedding = await createOpenAiCompatibleEmbeddingModel({ baseUrl: server.url, model });
    const memory = await createMemory({ path, embedding, metrics });
    cleanups.push(() => memory.close());
    return { memory, metrics };
  }

  it('a second embed of the same text does not reach the server, in this process or the next; hits and misses are exported', async () => {
    server = await startEmbeddingServer('openai');
    cleanups.push(() => server.close());
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'strata.db');
    const { memory, metrics } = await open(path, 'text-embedding-3-small');
    const [first] = await memory.embedder.embed(['the user likes green tea']);
    expect(embedCalls()).toBe(1);
    const [again] = await memory.embedder.embed(['the user likes green tea']);
    expect(embedCalls()).toBe(1);
    expect(Array.from(again as Float32Array)).toEqual(Array.from(first as Float32Array));
    const body = (await metrics.render()).body;
    expect(sample(body, 'strata_cache_requests_total{cache="embedding",result="miss"}')).toBe(1);
    expect(sample(body, 'strata_cache_requests_total{cache="embedding",result="hit"}')).toBe(1);
    expect(sample(body, 'strata_embedding_calls_total{outcome="ok"}')).toBe(1);
    await memory.close();

    // A new process on the same file: the store's cache answers (remote providers persist by default).
    const reopened = await open(path, 'text-embedding-3-small');
    await reopened.memory.embedder.embed(['the user likes green tea']);
    expect(embedCalls()).toBe(1);
    expect(sample((await reopened.metrics.render()).body, 'strata_cache_requests_total{cache="embedding",result="hit"}')).toBe(1);
  });

  it('two models never share cache entries, even for the same text in the same store', async () => {
    server = await startEmbeddingServer('openai');
    cleanups.push(() => server.close());
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'strata.db');
    const small = await open(path, 'text-embedding-3-small');
    await small.memory.embedder.embed(['shared text']);
    await small.memory.close();
    const large = await open(path, 'text-embedding-3-large');
    await large.memory.embedder.embed(['shared text']);
    expect(embedCalls()).toBe(2);
    expect(server.requests.at(-1)?.body.model).toBe('text-embedding-3-large');
    expect(large.memory.embedder.modelId).not.toBe(small.memory.embedder.modelId);
    expect(sample((await large.metrics.render()).body, 'strata_cache_requests_total{cache="embedding",result="miss"}')).toBe(1);
  });
});
