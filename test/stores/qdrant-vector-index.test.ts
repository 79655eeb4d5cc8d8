import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QdrantVectorIndex } from '../../src/stores/qdrant/qdrant-vector-index.js';
import { vectorIndexConformance } from '../../src/testing/vector-index-conformance.js';
import { expectStrataError } from '../helpers/memory.js';
import { closedPort, destroyQdrantIndex, openQdrantIndex, REAL_QDRANT, twinQdrantIndex } from '../helpers/qdrant.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// No Qdrant server can run on this machine or in CI: the conformance suite runs through the
// real adapter and the real @qdrant/js-client-rest against a loopback stand-in that answers
// Qdrant's REST calls with its response shapes and evaluates filters and cosine scores itself
// (test/helpers/qdrant-stand-in.ts). With QDRANT_URL set, the same suite also runs against that
// real Qdrant.
let standIn: QdrantStandIn;
beforeAll(async () => {
  standIn = await startQdrantStandIn();
});
afterAll(async () => {
  await standIn.close();
});

vectorIndexConformance({
  name: 'qdrant adapter over the loopback stand-in',
  create: () => openQdrantIndex(standIn.url),
  twin: (index) => twinQdrantIndex(index as QdrantVectorIndex, standIn.url),
  destroy: (index) => destroyQdrantIndex(index as QdrantVectorIndex, standIn.url),
});

const realUrl = REAL_QDRANT;
if (realUrl !== undefined) {
  vectorIndexConformance({
    name: `qdrant at ${realUrl}`,
    create: () => openQdrantIndex(realUrl, process.env.QDRANT_API_KEY),
    twin: (index) => twinQdrantIndex(index as QdrantVectorIndex, realUrl, process.env.QDRANT_API_KEY),
    destroy: (index) => destroyQdrantIndex(index as QdrantVectorIndex, realUrl, process.env.QDRANT_API_KEY),
  });
}

describe('qdrant adapter requests', () => {
  it('creates a cosine collection with a payload index on every filtered field, and an alias', async () => {
    const index = await openQdrantIndex(standIn.url);
    const from = standIn.requests.length;
    const live = await index.ensureCollection({ name: 'model-x@1/3', dims: 3 });
    const sent = standIn.requests.slice(from);
    const create = sent.find((request) => request.method === 'PUT' && request.path === `/collections/${live.collection}`);
    expect(create?.body).toMatchObject({ vectors: { size: 3, distance: 'Cosine' } });
    const indexed = sent.filter((request) => request.path === `/collections/${live.collection}/index`).map((request) => request.body);
    expect(indexed).toEqual(
      expect.arrayContaining([
        { field_name: 'tenant', field_schema: { type: 'keyword', is_tenant: true } },
        { field_name: 'user', field_schema: 'keyword' },
        { field_name: 'kind', field_schema: 'keyword' },
        { field_name: 'tags', field_schema: 'keyword' },
        { field_name: 'created_at', field_schema: 'integer' },
        { field_name: 'session', field_schema: 'keyword' },
        { field_name: 'agent', field_schema: 'keyword' },
        { field_name: 'namespace', field_schema: 'keyword' },
      ]),
    );
    expect(sent.find((request) => request.path === '/collections/aliases')?.body).toEqual({
      actions: [{ create_alias: { collection_name: live.collection, alias_name: live.alias } }],
    });
    expect(live.alias).toMatch(/^strata_t[0-9a-f]{8}_model_x_1_3_[0-9a-f]{8}$/);
    await destroyQdrantIndex(index, standIn.url);
  });

  it('sends UUID point ids (v5 of tenant and memory id) and keeps the memory id in the payload', async () => {
    const index = await openQdrantIndex(standIn.url);
    const from = standIn.requests.length;
    const payload = {
      tenantId: 't',
      userId: 'u',
      agentId: '',
      namespace: '',
      sessionId: null,
      kind: 'note' as const,
      tags: ['x'],
      contentHash: 'h',
      createdAt: 5,
      validTo: null,
      superseded: false,
    };
    await index.upsert('m@1/2', [{ id: 'mem_01', vector: Float32Array.from([1, 0]), payload }]);
    await index.upsert('m@1/2', [{ id: 'mem_01', vector: Float32Array.from([0, 1]), payload: { ...payload, tenantId: 't2' } }]);
    const upserts = standIn.requests.slice(from).filter((request) => request.method === 'PUT' && request.path.endsWith('/points'));
    const [first, second] = upserts.map(
      (request) => (request.body as { points: Array<{ id: string; payload: Record<string, unknown> }> }).points[0],
    );
    expect(first?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second?.id).not.toBe(first?.id);
    expect(first?.payload).toMatchObject({
      memory_id: 'mem_01',
      tenant: 't',
      user: 'u',
      kind: 'note',
      tags: ['x'],
      created_at: 5,
      superseded: false,
    });
    await destroyQdrantIndex(index, standIn.url);
  });

  it('translates a MemoryFilter into must / must_not conditions', async () => {
    const index = await openQdrantIndex(standIn.url);
    await index.ensureCollection({ name: 'f@1/2', dims: 2 });
    const from = standIn.requests.length;
    await index.search(
      'f@1/2',
      Float32Array.from([1, 0]),
      { tenantId: 't', userId: 'u', kinds: ['note', 'fact'], tags: ['a', 'b'], since: 10, until: 20 },
      4,
    );
    const query = standIn.requests.slice(from).find((request) => request.path.endsWith('/points/query'));
    const body = query?.body as { filter: { must: unknown[]; must_not: unknown[] }; limit: number };
    expect(body.limit).toBe(4);
    expect(body.filter.must).toEqual(
      expect.arrayContaining([
        { key: 'tenant', match: { value: 't' } },
        { key: 'user', match: { value: 'u' } },
        { key: 'kind', match: { any: ['note', 'fact'] } },
        { key: 'tags', match: { value: 'a' } },
        { key: 'tags', match: { value: 'b' } },
        { key: 'created_at', range: { gte: 10, lt: 20 } },
      ]),
    );
    expect(body.filter.must_not).toEqual([{ key: 'superseded', match: { value: true } }]);
    await destroyQdrantIndex(index, standIn.url);
  });

  it('a Qdrant that fails or does not answer gives STORE_UNAVAILABLE naming the operation', async () => {
    const index = await openQdrantIndex(standIn.url);
    standIn.failing = true;
    try {
      const error = await expectStrataError(index.count('any@1/2', { tenantId: 't' }), 'STORE_UNAVAILABLE');
      expect(error.details).toMatchObject({ backend: 'qdrant', status: 503 });
    } finally {
      standIn.failing = false;
    }
    await destroyQdrantIndex(index, standIn.url);
    const nobody = new QdrantVectorIndex({ url: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 2_000 });
    const refused = await expectStrataError(nobody.open(), 'STORE_UNAVAILABLE');
    expect(refused.message).toContain('ECONNREFUSED');
  });

  it('keeps the path of QDRANT_URL (Qdrant behind a proxy) and refuses a URL it cannot use', async () => {
    const proxied = await startQdrantStandIn({ pathPrefix: '/qdrant' });
    try {
      const index = new QdrantVectorIndex({ url: `${proxied.url}/qdrant/`, prefix: 'strata_proxied' });
      await index.open();
      const live = await index.ensureCollection({ name: 'p@1/2', dims: 2 });
      expect(proxied.requests.some((request) => request.path === `/qdrant/collections/${live.collection}`)).toBe(true);
    } finally {
      await proxied.close();
    }
    await expectStrataError(new QdrantVectorIndex({ url: 'qdrant:6333' }).open(), 'INVALID_CONFIG');
  });

  it('sends the API key and fails open() without it', async () => {
    const guarded = await startQdrantStandIn({ apiKey: 'sekret' });
    try {
      const wrong = new QdrantVectorIndex({ url: guarded.url, apiKey: 'nope' });
      const error = await expectStrataError(wrong.open(), 'STORE_UNAVAILABLE');
      expect(error.details).toMatchObject({ status: 401 });
      const right = new QdrantVectorIndex({ url: guarded.url, apiKey: 'sekret' });
      await right.open();
      expect(right.version).toBe('1.15.5');
    } finally {
      await guarded.close();
    }
  });
});
