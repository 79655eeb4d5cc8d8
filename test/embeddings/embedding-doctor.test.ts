import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/config/doctor/run-doctor.js';
import { type EmbeddingServer, startEmbeddingServer } from '../helpers/embedding-server.js';
import { tempDir } from '../helpers/memory.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ollama(): Promise<EmbeddingServer> {
  const server = await startEmbeddingServer('ollama', { dims: 24 });
  cleanups.push(() => server.close());
  return server;
}

describe('strata doctor: the embedding chain', () => {
  it('reports the provider the chain chooses, its model id and latency; ok when the first one serves', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const server = await ollama();
    const report = await runDoctor({
      sqlitePath: join(dir, 'strata.db'),
      env: { STRATA_EMBEDDING: 'ollama:all-minilm,offline', STRATA_OLLAMA_URL: server.url },
    });
    const tier = report.tiers.find((t) => t.tier === 'embedding');
    expect(tier).toMatchObject({
      ok: true,
      reachable: true,
      backend: 'ollama',
      target: 'ollama:all-minilm',
      detail: 'model all-minilm@1/24',
    });
    expect(tier?.latencyMs).toBeGreaterThan(0);
  });

  it('a fallback is not ok: the detail says what was passed over and why', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const report = await runDoctor({ sqlitePath: join(dir, 'strata.db'), env: { STRATA_EMBEDDING: 'onnx,offline' } });
    const tier = report.tiers.find((t) => t.tier === 'embedding');
    expect(tier).toMatchObject({ ok: false, backend: 'offline', target: 'offline' });
    expect(tier?.detail).toContain(`passed over: onnx:Xenova/all-MiniLM-L6-v2 (EMBEDDING_MODEL_MISSING: `);
    expect(tier?.detail).toContain(join(dir, 'models'));
    expect(report.ok).toBe(false);
  });

  it('bad settings are reported, not thrown; without STRATA_EMBEDDING there is no embedding tier', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const bad = await runDoctor({ sqlitePath: join(dir, 'strata.db'), env: { STRATA_EMBEDDING: 'openai' } });
    expect(bad.tiers.find((t) => t.tier === 'embedding')).toMatchObject({ ok: false, reachable: false });
    expect(bad.tiers.find((t) => t.tier === 'embedding')?.detail).toContain('STRATA_EMBEDDING_URL');
    const none = await runDoctor({ sqlitePath: join(dir, 'strata.db'), env: {} });
    expect(none.tiers.map((t) => t.tier)).toEqual(['store']);
  });
});
