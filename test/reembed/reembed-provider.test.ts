import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { reembeddableStoreOf, reembedMemory, rollbackMemory } from '../../src/reembed/reembed-memory.js';
import { type EmbeddingServer, startEmbeddingServer } from '../helpers/embedding-server.js';
import { searchIds, TOPICS, tempDir } from '../helpers/memory.js';

// Re-embedding to a provider chain entry (`ollama:all-minilm`) through the real Ollama provider
// against a real HTTP server on loopback (test/helpers/embedding-server.ts: recorded response
// shapes, hashed vectors). The offline model is the one configured.
let dir: string;
let cleanup: () => void;
let server: EmbeddingServer;
const open: MemoryService[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  server = await startEmbeddingServer('ollama', { dims: 16 });
});
afterEach(async () => {
  for (const memory of open.splice(0)) await memory.close();
  await server.close();
  cleanup();
});

const openMemory = async (ollamaUrl: string): Promise<MemoryService> => {
  const memory = await createMemory({
    path: join(dir, 'strata.db'),
    metrics: false,
    // The chain is the offline model alone; the Ollama URL is what a re-embedding target uses.
    embedding: { chain: ['offline'], ollamaUrl, timeoutMs: 2_000 },
  });
  open.push(memory);
  return memory;
};

const embedCalls = (): number => server.requests.filter((request) => request.path === '/api/embed').length;

describe('re-embedding to a provider model', () => {
  it('switches to ollama:all-minilm, searches through it, and a restarted process builds it from the recorded name', async () => {
    const memory = await openMemory(server.url);
    const offline = memory.embedder.modelId;
    const ids: string[] = [];
    for (const [i, topic] of TOPICS.entries()) ids.push((await memory.remember({ userId: 'alice', text: `${topic} (${i})` })).memory.id);
    const report = await reembedMemory(memory, 'ollama:all-minilm', { batchSize: 5, sampleSize: 4 });
    expect(report).toMatchObject({ switched: true, embedded: 16, from: offline });
    expect(report.state.active?.spec).toBe('ollama:all-minilm');
    expect(memory.embedder.model).toMatchObject({ provider: 'ollama', modelName: 'all-minilm', dimensions: 16 });
    // A memory's own text (its vector is in the embedder's cache) finds it under the new model ...
    expect((await searchIds(memory, `${TOPICS[5]} (5)`, { userId: 'alice', mode: 'vector', k: 1 }))[0]).toBe(ids[5]);
    // ... and a new query is embedded by the provider.
    const before = embedCalls();
    await memory.search('something nobody wrote down', { userId: 'alice', mode: 'vector' });
    expect(embedCalls()).toBe(before + 1);
    expect(server.requests.at(-1)?.body.input).toEqual(['something nobody wrote down']);
    await memory.close();

    const restarted = await openMemory(server.url);
    expect(restarted.embedder.modelId).toBe(report.model);
    expect((await searchIds(restarted, `${TOPICS[9]} (9)`, { userId: 'alice', mode: 'vector', k: 1 }))[0]).toBe(ids[9]);

    // Back to the offline model: nothing to embed, its vectors were kept.
    const back = await rollbackMemory(restarted, { settleMs: 0 });
    expect(back).toMatchObject({ model: offline, embedded: 0, switched: true });
    expect(await reembeddableStoreOf(restarted).countEmbeddings(report.model)).toEqual({ memories: 16, embedded: 16 });
  });

  it('a process that cannot build the active model keeps its configured one and still answers', async () => {
    const memory = await openMemory(server.url);
    const { memory: stored } = await memory.remember({ userId: 'bob', text: 'The attic window sticks in damp weather' });
    await reembedMemory(memory, 'ollama:all-minilm', { sampleSize: 0 });
    await memory.close();
    await server.close();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const offlineOnly = await openMemory('http://127.0.0.1:9');
      await new Promise((resolve) => setImmediate(resolve));
      expect(offlineOnly.embedder.model.provider).toBe('offline');
      // Still searchable: the offline vectors were kept beside the new ones.
      expect((await searchIds(offlineOnly, 'attic window sticks damp weather', { userId: 'bob', mode: 'vector', k: 1 }))[0]).toBe(
        stored.id,
      );
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.some((message) => message.includes('cannot be built here'))).toBe(true);
    server = await startEmbeddingServer('ollama', { dims: 16 });
  });
});
