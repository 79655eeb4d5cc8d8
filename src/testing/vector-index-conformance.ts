import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StrataError } from '../errors/strata-error.js';
import type { MemoryFilter } from '../spec/memory-store.js';
import type { VectorIndexV1, VectorPayload, VectorPoint } from '../spec/vector-index.js';

export interface VectorIndexConformanceOptions {
  /** Shown in the describe block. */
  readonly name: string;
  /** A fresh, opened index. Each test uses random tenants and models, so a shared server is fine. */
  readonly create: () => Promise<VectorIndexV1>;
  /** A second, opened handle on the same index, as another process would open it. */
  readonly twin: (index: VectorIndexV1) => Promise<VectorIndexV1>;
  /** Removes what a test left behind (collections, aliases) and closes the index. Default: close(). */
  readonly destroy?: ((index: VectorIndexV1) => Promise<void>) | undefined;
  /** Tests this backend does not run, each with the reason. */
  readonly skip?: ReadonlyArray<{ readonly reason: string; readonly tests: readonly string[] }> | undefined;
}

/**
 * The behaviour every VectorIndexV1 backend shares (keyv's test-suite is the model): collections
 * and aliases per embedding model, upsert/replace, cosine search with MemoryFilter semantics
 * identical to the durable store's, deletes and the per-user erase, counts, and the blue/green
 * switch. Call it from a backend's test file:
 *
 *   vectorIndexConformance({ name: 'qdrant', create: async () => { ... } });
 */
export function vectorIndexConformance(options: VectorIndexConformanceOptions): void {
  const skipped = new Set(options.skip?.flatMap((entry) => entry.tests) ?? []);
  const test = (title: string, body: () => Promise<void>): void => {
    (skipped.has(title) ? it.skip : it)(title, body);
  };

  describe(`vector index conformance: ${options.name}`, () => {
    let index: VectorIndexV1;
    let model: string;
    let tenant: string;

    beforeEach(async () => {
      index = await options.create();
      model = `conformance-${randomUUID().slice(0, 8)}@1/4`;
      tenant = `t-${randomUUID()}`;
    });

    afterEach(async () => {
      await (options.destroy ?? ((created: VectorIndexV1) => created.close()))(index);
    });

    const filter = (extra: Partial<MemoryFilter> = {}): MemoryFilter => ({ tenantId: tenant, ...extra });
    const ids = async (vector: number[], extra: Partial<MemoryFilter> = {}, k = 10): Promise<string[]> =>
      (await index.search(model, vec(vector), filter(extra), k)).map((hit) => hit.id);

    test('ensureCollection creates the live collection behind the model alias, idempotently', async () => {
      expect(await index.describe(model)).toBeNull();
      const first = await index.ensureCollection({ name: model, dims: 4 });
      expect(first).toMatchObject({ model, dims: 4 });
      expect(first.alias).not.toBe(first.collection);
      const again = await index.ensureCollection({ name: model, dims: 4 });
      expect(again.collection).toBe(first.collection);
      expect(await index.describe(model)).toEqual(first);
    });

    test('ensureCollection refuses other dimensions for an existing model', async () => {
      await index.ensureCollection({ name: model, dims: 4 });
      await expectCode(index.ensureCollection({ name: model, dims: 5 }), 'DIMENSION_MISMATCH');
    });

    test('search ranks by cosine similarity, best first, at most k', async () => {
      await index.upsert(model, [
        point('a', [1, 0, 0, 0], { tenantId: tenant }),
        point('b', [0.8, 0.6, 0, 0], { tenantId: tenant }),
        point('c', [0, 1, 0, 0], { tenantId: tenant }),
        point('d', [-1, 0, 0, 0], { tenantId: tenant }),
      ]);
      const hits = await index.search(model, vec([2, 0, 0, 0]), filter(), 3);
      expect(hits.map((hit) => hit.id)).toEqual(['a', 'b', 'c']);
      expect(hits[0]?.score).toBeCloseTo(1, 5);
      expect(hits[1]?.score).toBeCloseTo(0.8, 5);
      expect(hits[2]?.score).toBeCloseTo(0, 5);
      expect(await index.search(model, vec([1, 0, 0, 0]), filter(), 0)).toEqual([]);
    });

    test('upsert replaces a memory by id (vector and payload), never duplicates it', async () => {
      await index.upsert(model, [point('a', [1, 0, 0, 0], { tenantId: tenant, tags: ['old'] })]);
      await index.upsert(model, [point('a', [0, 1, 0, 0], { tenantId: tenant, tags: ['new'] })]);
      expect(await index.count(model, filter())).toBe(1);
      const [hit] = await index.search(model, vec([0, 1, 0, 0]), filter(), 5);
      expect(hit).toMatchObject({ id: 'a' });
      expect(hit?.score).toBeCloseTo(1, 5);
      expect(await ids([0, 1, 0, 0], { tags: ['old'] })).toEqual([]);
      expect(await ids([0, 1, 0, 0], { tags: ['new'] })).toEqual(['a']);
    });

    test('a vector of the wrong length is refused with DIMENSION_MISMATCH and nothing is written', async () => {
      await index.upsert(model, [point('a', [1, 0, 0, 0], { tenantId: tenant })]);
      await expectCode(
        index.upsert(model, [point('b', [0, 1, 0, 0], { tenantId: tenant }), point('c', [1, 0, 0], { tenantId: tenant })]),
        'DIMENSION_MISMATCH',
      );
      expect(await index.count(model, filter())).toBe(1);
      await expectCode(index.search(model, vec([1, 0, 0]), filter(), 3), 'DIMENSION_MISMATCH');
    });

    test('tenants are isolated, even for the same memory id', async () => {
      const other = `t-${randomUUID()}`;
      await index.upsert(model, [point('same', [1, 0, 0, 0], { tenantId: tenant }), point('same', [0, 1, 0, 0], { tenantId: other })]);
      expect(await index.count(model, filter())).toBe(1);
      expect(await index.count(model, { tenantId: other })).toBe(1);
      const [mine] = await index.search(model, vec([0, 1, 0, 0]), filter(), 5);
      expect(mine?.score).toBeCloseTo(0, 5);
      await index.deleteByIds(other, ['same']);
      expect(await index.count(model, filter())).toBe(1);
      expect(await index.count(model, { tenantId: other })).toBe(0);
    });

    test('user, agent, namespace and session filters match exactly; "" selects memories without one', async () => {
      await index.upsert(model, [
        point('u1', [1, 0, 0, 0], { tenantId: tenant, userId: 'u1', agentId: 'bot', namespace: 'work', sessionId: 's1' }),
        point('u1-plain', [1, 0.1, 0, 0], { tenantId: tenant, userId: 'u1' }),
        point('u2', [1, 0.2, 0, 0], { tenantId: tenant, userId: 'u2', agentId: 'bot', sessionId: 's2' }),
      ]);
      const q = [1, 0, 0, 0];
      expect((await ids(q, { userId: 'u1' })).sort()).toEqual(['u1', 'u1-plain']);
      expect((await ids(q, { agentId: 'bot' })).sort()).toEqual(['u1', 'u2']);
      expect(await ids(q, { userId: 'u1', agentId: '' })).toEqual(['u1-plain']);
      expect(await ids(q, { namespace: 'work' })).toEqual(['u1']);
      expect((await ids(q, { namespace: '' })).sort()).toEqual(['u1-plain', 'u2']);
      expect(await ids(q, { sessionId: 's2' })).toEqual(['u2']);
      expect(await ids(q, { userId: 'u2', sessionId: 's1' })).toEqual([]);
    });

    test('kinds match any of the list; tags must all be present', async () => {
      await index.upsert(model, [
        point('note', [1, 0, 0, 0], { tenantId: tenant, kind: 'note', tags: ['pets', 'home'] }),
        point('fact', [1, 0.1, 0, 0], { tenantId: tenant, kind: 'fact', tags: ['pets'] }),
        point('turn', [1, 0.2, 0, 0], { tenantId: tenant, kind: 'turn', tags: [] }),
      ]);
      const q = [1, 0, 0, 0];
      expect((await ids(q, { kinds: ['note', 'fact'] })).sort()).toEqual(['fact', 'note']);
      expect(await ids(q, { kinds: ['turn'] })).toEqual(['turn']);
      expect((await ids(q, { tags: ['pets'] })).sort()).toEqual(['fact', 'note']);
      expect(await ids(q, { tags: ['pets', 'home'] })).toEqual(['note']);
      expect(await ids(q, { tags: ['pets', 'work'] })).toEqual([]);
      expect(await ids(q, { kinds: ['fact'], tags: ['home'] })).toEqual([]);
    });

    test('since is inclusive and until exclusive on createdAt; contentHash matches exactly', async () => {
      await index.upsert(model, [
        point('t100', [1, 0, 0, 0], { tenantId: tenant, createdAt: 100, contentHash: 'h1' }),
        point('t200', [1, 0.1, 0, 0], { tenantId: tenant, createdAt: 200, contentHash: 'h2' }),
        point('t300', [1, 0.2, 0, 0], { tenantId: tenant, createdAt: 300, contentHash: 'h2' }),
      ]);
      const q = [1, 0, 0, 0];
      expect((await ids(q, { since: 200 })).sort()).toEqual(['t200', 't300']);
      expect(await ids(q, { until: 200 })).toEqual(['t100']);
      expect(await ids(q, { since: 100, until: 300 })).toEqual(['t100', 't200']);
      expect((await ids(q, { contentHash: 'h2' })).sort()).toEqual(['t200', 't300']);
    });

    test('superseded and expired memories are left out unless includeSuperseded', async () => {
      const now = Date.now();
      await index.upsert(model, [
        point('current', [1, 0, 0, 0], { tenantId: tenant }),
        point('superseded', [1, 0.1, 0, 0], { tenantId: tenant, superseded: true }),
        point('expired', [1, 0.2, 0, 0], { tenantId: tenant, validTo: now - 60_000 }),
        point('valid-until-later', [1, 0.3, 0, 0], { tenantId: tenant, validTo: now + 3_600_000 }),
      ]);
      const q = [1, 0, 0, 0];
      expect(await ids(q)).toEqual(['current', 'valid-until-later']);
      expect(await index.count(model, filter())).toBe(2);
      expect((await ids(q, { includeSuperseded: true })).sort()).toEqual(['current', 'expired', 'superseded', 'valid-until-later']);
      expect(await index.count(model, filter({ includeSuperseded: true }))).toBe(4);
    });

    test('deleteByIds removes only the named memories of the tenant', async () => {
      await index.upsert(model, [
        point('a', [1, 0, 0, 0], { tenantId: tenant }),
        point('b', [0, 1, 0, 0], { tenantId: tenant }),
        point('c', [0, 0, 1, 0], { tenantId: tenant }),
      ]);
      await index.deleteByIds(tenant, ['a', 'c', 'never-stored']);
      expect(await ids([1, 1, 1, 0])).toEqual(['b']);
      await index.deleteByIds(tenant, []);
      expect(await index.count(model, filter())).toBe(1);
    });

    test('deleteUser erases the user from every model, and nobody else', async () => {
      const second = `${model}-second`;
      await index.upsert(model, [
        point('u1-a', [1, 0, 0, 0], { tenantId: tenant, userId: 'u1' }),
        point('u2-a', [1, 0, 0, 0], { tenantId: tenant, userId: 'u2' }),
      ]);
      await index.upsert(second, [point('u1-b', [1, 0], { tenantId: tenant, userId: 'u1' })]);
      const other = `t-${randomUUID()}`;
      await index.upsert(model, [point('other-u1', [1, 0, 0, 0], { tenantId: other, userId: 'u1' })]);
      await index.deleteUser(tenant, 'u1');
      expect(await ids([1, 0, 0, 0])).toEqual(['u2-a']);
      expect(await index.count(second, filter())).toBe(0);
      expect(await index.count(model, { tenantId: other })).toBe(1);
    });

    test('a model without a collection has no hits and a count of 0', async () => {
      expect(await index.search(`${model}-none`, vec([1, 0, 0, 0]), filter(), 5)).toEqual([]);
      expect(await index.count(`${model}-none`, filter())).toBe(0);
    });

    test('blue/green: a collection built beside the live one serves once the alias switches', async () => {
      const blue = await index.ensureCollection({ name: model, dims: 4 });
      await index.upsert(model, [point('blue', [1, 0, 0, 0], { tenantId: tenant })]);
      const green = await index.createCollection({ name: model, dims: 4 });
      expect(green).not.toBe(blue.collection);
      await index.upsert(model, [point('green', [1, 0, 0, 0], { tenantId: tenant })], { collection: green });
      expect(await ids([1, 0, 0, 0])).toEqual(['blue']);
      expect((await index.search(model, vec([1, 0, 0, 0]), filter(), 5, { collection: green })).map((hit) => hit.id)).toEqual(['green']);
      expect(await index.switchAlias(model, green)).toEqual({ previous: blue.collection });
      expect(await ids([1, 0, 0, 0])).toEqual(['green']);
      expect((await index.describe(model))?.collection).toBe(green);
      await expectCode(index.dropCollection(green), 'INVALID_INPUT');
      await index.dropCollection(blue.collection);
      const listed = await index.listCollections();
      expect(listed.map((entry) => entry.collection)).not.toContain(blue.collection);
      const live = listed.find((entry) => entry.collection === green);
      expect(live).toMatchObject({ dims: 4, points: 1 });
      expect(live?.aliases).toEqual([blue.alias]);
      expect(live?.indexedFields.length).toBeGreaterThan(0);
    });

    test('a switch made by another process is followed by this one’s writes and searches', async () => {
      const blue = await index.ensureCollection({ name: model, dims: 4 });
      await index.upsert(model, [point('before', [1, 0, 0, 0], { tenantId: tenant })]);
      expect(await ids([1, 0, 0, 0])).toEqual(['before']);
      const other = await options.twin(index);
      try {
        const green = await other.createCollection({ name: model, dims: 4 });
        await other.upsert(model, [point('rebuilt', [1, 0, 0, 0], { tenantId: tenant })], { collection: green });
        await other.switchAlias(model, green);
        await other.dropCollection(blue.collection);
      } finally {
        await other.close();
      }
      await index.upsert(model, [point('after', [0.9, 0.1, 0, 0], { tenantId: tenant })]);
      expect(await ids([1, 0, 0, 0])).toEqual(['rebuilt', 'after']);
      expect(await index.count(model, filter())).toBe(2);
    });

    test('erase and deletes reach a collection that is still being built', async () => {
      await index.ensureCollection({ name: model, dims: 4 });
      const green = await index.createCollection({ name: model, dims: 4 });
      await index.upsert(
        model,
        [point('a', [1, 0, 0, 0], { tenantId: tenant, userId: 'u1' }), point('b', [1, 0, 0, 0], { tenantId: tenant, userId: 'u2' })],
        { collection: green },
      );
      await index.deleteUser(tenant, 'u1');
      await index.deleteByIds(tenant, ['b']);
      expect(await index.count(model, filter(), { collection: green })).toBe(0);
    });
  });
}

function vec(values: number[]): Float32Array {
  return Float32Array.from(values);
}

function point(id: string, vector: number[], payload: Partial<VectorPayload> & { tenantId: string }): VectorPoint {
  return {
    id,
    vector: vec(vector),
    payload: {
      userId: 'u',
      agentId: '',
      namespace: '',
      sessionId: null,
      kind: 'note',
      tags: [],
      contentHash: `hash-${id}`,
      createdAt: 1_000,
      validTo: null,
      superseded: false,
      ...payload,
    },
  };
}

async function expectCode(action: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await action;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a StrataError ${code}`).toBeInstanceOf(StrataError);
  expect((caught as StrataError).code, (caught as Error).message).toBe(code);
}
