import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { createEmbeddingChain, type EmbeddingChoice } from '../../src/embeddings/embedding-chain.js';
import { createWordVectorEmbedder } from '../../src/embeddings/offline/word-vector-embedder.js';
import { CircuitBreakers } from '../../src/resilience/breaker.js';
import { type EmbeddingServer, startEmbeddingServer } from '../helpers/embedding-server.js';
import { expectStrataError, tempDir } from '../helpers/memory.js';
import { FIXTURE_DIMS, FIXTURE_MODEL_DIR, FIXTURE_MODEL_ID, transformersInstalled } from '../helpers/onnx-fixture.js';

const installed = await transformersInstalled();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(api: 'openai' | 'ollama', dims = 8): Promise<EmbeddingServer> {
  const server = await startEmbeddingServer(api, { dims });
  cleanups.push(() => server.close());
  return server;
}

/** A base URL where nothing listens (a server started and closed again). */
async function deadUrl(): Promise<string> {
  const server = await startEmbeddingServer('openai');
  await server.close();
  return server.url;
}

async function open(options: Parameters<typeof createMemory>[0]): Promise<{ memory: MemoryService; choice: EmbeddingChoice }> {
  let choice: EmbeddingChoice | undefined;
  const memory = await createMemory({ path: ':memory:', ...options, onEmbeddingChoice: (c) => (choice = c) });
  cleanups.push(() => memory.close());
  return { memory, choice: choice as EmbeddingChoice };
}

describe('embedding chain: one model, chosen at startup', () => {
  it('a provider whose server is down is passed over; the next one is chosen and is what the Embedder records', async () => {
    const ollama = await serve('ollama', 16);
    const { memory, choice } = await open({
      embedding: { chain: ['openai', 'ollama', 'offline'], url: await deadUrl(), ollamaUrl: ollama.url, timeoutMs: 2_000 },
    });
    expect(choice.chosen).toBe('ollama:all-minilm');
    expect(choice.skipped).toHaveLength(1);
    expect(choice.skipped[0]).toMatchObject({ name: 'openai:text-embedding-3-small', code: 'EMBEDDING_FAILED' });
    expect(memory.embedder.model).toMatchObject({ provider: 'ollama', modelName: 'all-minilm', modelVersion: '1', dimensions: 16 });
    expect(memory.embedder.modelId).toBe('all-minilm@1/16');
    expect(choice.modelId).toBe(memory.embedder.modelId);
    // Memories are written with the chosen model's vectors, and found by it.
    await memory.remember({ userId: 'u1', text: 'The user keeps bees on the roof' });
    const hits = await memory.search('bees on the roof', { userId: 'u1', mode: 'vector' });
    expect(hits.results[0]?.memory.text).toBe('The user keeps bees on the roof');
    expect(ollama.requests.length).toBeGreaterThan(1);
  });

  it('once chosen, it is not switched: when its server goes away, calls fail instead of mixing in another model', async () => {
    const ollama = await serve('ollama');
    const { memory } = await open({ embedding: { chain: ['ollama', 'offline'], ollamaUrl: ollama.url, timeoutMs: 1_000 } });
    await ollama.close();
    await expectStrataError(memory.embedder.embed(['a text never embedded before']), 'EMBEDDING_FAILED');
    expect(memory.embedder.model.provider).toBe('ollama');
  });

  it.skipIf(!installed)('a missing ONNX model is passed over (EMBEDDING_MODEL_MISSING); a present one is chosen first', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const missing = await open({ embedding: { chain: ['onnx', 'offline'], modelDir: dir } });
    expect(missing.choice.chosen).toBe('offline');
    expect(missing.choice.skipped).toEqual([
      expect.objectContaining({ name: 'onnx:Xenova/all-MiniLM-L6-v2', code: 'EMBEDDING_MODEL_MISSING' }),
    ]);
    expect(missing.memory.embedder.model.provider).toBe('offline');

    const present = await open({ embedding: { chain: [`onnx:${FIXTURE_MODEL_ID}`, 'offline'], modelDir: FIXTURE_MODEL_DIR } });
    expect(present.choice).toMatchObject({ chosen: `onnx:${FIXTURE_MODEL_ID}`, skipped: [] });
    expect(present.memory.embedder.model).toMatchObject({ provider: 'onnx', modelName: FIXTURE_MODEL_ID, dimensions: FIXTURE_DIMS });
    expect(present.memory.embedder.modelId).toBe(`${FIXTURE_MODEL_ID}@${present.memory.embedder.model.modelVersion}/${FIXTURE_DIMS}`);
  });

  it('models default to <data>/models beside the database file', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const { choice } = await open({ path: join(dir, 'strata.db'), embedding: { chain: ['onnx', 'offline'] } });
    expect(choice.skipped[0]?.message).toContain(join(dir, 'models', 'Xenova/all-MiniLM-L6-v2'));
  });

  it('when no provider can serve, creation fails listing each, and no store was opened', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const error = await expectStrataError(
      createMemory({ path: join(dir, 'strata.db'), embedding: { chain: ['openai', 'onnx'], url: await deadUrl(), modelDir: dir } }),
      'EMBEDDING_FAILED',
    );
    expect((error.details.skipped as unknown[]).length).toBe(2);
    expect(error.message).toContain('openai:text-embedding-3-small');
    expect(error.message).toContain('onnx:Xenova/all-MiniLM-L6-v2');
    expect(existsSync(join(dir, 'strata.db'))).toBe(false);
  });

  it("only the chosen remote provider gets the memory's embedding breaker; a probe that failed leaves none", async () => {
    const skipped = new CircuitBreakers();
    await open({ breakers: skipped, embedding: { chain: ['openai', 'offline'], url: await deadUrl() } });
    expect(skipped.tiers()).not.toContain('embedding');

    const server = await serve('openai');
    const board = new CircuitBreakers({ failures: 1, halfOpenAfterMs: 60_000 });
    const { memory } = await open({ breakers: board, embedding: { chain: ['openai', 'offline'], url: server.url } });
    expect(board.state('embedding')).toBe('closed');
    server.replies.push({ status: 503 }, { status: 503 }, { status: 503 });
    await expectStrataError(memory.embedder.embed(['breaks it']), 'EMBEDDING_FAILED');
    expect(board.state('embedding')).toBe('open');
  });

  it('ready-made models are probed in order too', async () => {
    const offline = await createWordVectorEmbedder();
    const liar = { ...offline, modelName: 'liar', dimensions: offline.dimensions + 1, embed: offline.embed.bind(offline) };
    const choice = await createEmbeddingChain([liar, offline]);
    expect(choice.chosen).toBe(`offline:${offline.modelName}`);
    expect(choice.skipped[0]).toMatchObject({ name: 'offline:liar', code: 'DIMENSION_MISMATCH' });
    await expectStrataError(createEmbeddingChain([]), 'INVALID_CONFIG');
  });
});

describe('serve --workers: the primary pins the chain choice for its workers', () => {
  it('pins the chosen entry alone (so no worker can fall back to another model); nothing for the default chain', async () => {
    const { workerEmbeddingEnv } = await import('../../src/config/embedding-from-settings.js');
    const { parseEmbeddingSettings } = await import('../../src/config/embedding-from-settings.js');
    const ollama = await serve('ollama');
    const settings = parseEmbeddingSettings({
      chain: ['openai', 'ollama:nomic-embed-text', 'offline'],
      url: await deadUrl(),
      ollamaUrl: ollama.url,
    });
    expect(await workerEmbeddingEnv(settings, '/unused')).toEqual({ STRATA_EMBEDDING: 'ollama:nomic-embed-text' });
    expect(await workerEmbeddingEnv(parseEmbeddingSettings({}), '/unused')).toEqual({});
  });
});
